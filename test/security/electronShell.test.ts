/**
 * The Electron shell (app/main/electron/main.ts) with a fake 'electron' module: the real file
 * runs, with the real composed services behind it in a temp data dir, and the fake records
 * every security-relevant setting it makes. This is the checklist in SECURITY.md, asserted:
 * sandbox and context isolation, navigation and new windows locked, permissions refused,
 * nothing but app:// loaded, the CSP on every app:// response, IPC sender checked, and
 * shell.openExternal reached only with plain http(s) links.
 */
import { EventEmitter } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { channelTable } from '../../app/shared/contract/channels';
import { DIALOG_PICK_FILES_CHANNEL, DIALOG_PICK_FOLDER_CHANNEL } from '../../app/shared/rpc/localFilesBridge';
import { securityHeaders } from '../../app/main/transports/securityHeaders';

type Listener = (...args: unknown[]) => unknown;

const recorded = vi.hoisted(() => ({
  privileged: [] as unknown[],
  sandboxEnabled: false,
  appListeners: new Map<string, Listener[]>(),
  protocolHandlers: new Map<string, (request: Request) => Promise<Response>>(),
  windows: [] as { options: { webPreferences: Record<string, unknown> }; url: string | null }[],
  permissionRequest: null as null | Listener,
  permissionCheck: null as null | Listener,
  devicePermission: null as null | Listener,
  beforeRequest: null as null | Listener,
  ipcHandlers: new Map<string, Listener>(),
  ipcListeners: new Map<string, Listener>(),
  openedExternally: [] as string[],
  quit: 0,
  exit: [] as number[],
  userData: '',
}));

vi.mock('electron', async () => {
  const { EventEmitter: Emitter } = await import('node:events');
  let nextId = 1;
  class FakeWebContents extends Emitter {
    readonly id = nextId++;
    isDestroyed = () => false;
    send = () => undefined;
  }
  class BrowserWindow extends Emitter {
    static all: BrowserWindow[] = [];
    static getAllWindows = () => BrowserWindow.all;
    readonly webContents = new FakeWebContents();
    private readonly record: { options: { webPreferences: Record<string, unknown> }; url: string | null };
    constructor(options: { webPreferences: Record<string, unknown> }) {
      super();
      this.record = { options, url: null };
      recorded.windows.push(this.record);
      BrowserWindow.all.push(this);
    }
    loadURL(url: string) {
      this.record.url = url;
      return Promise.resolve();
    }
    show = () => undefined;
    isMinimized = () => false;
    isMaximized = () => false;
    getBounds = () => ({ x: 0, y: 0, width: 1280, height: 820 });
  }
  return {
    app: {
      enableSandbox: () => (recorded.sandboxEnabled = true),
      on: (event: string, listener: Listener) => recorded.appListeners.set(event, [...(recorded.appListeners.get(event) ?? []), listener]),
      whenReady: () => Promise.resolve(),
      getPath: () => recorded.userData,
      getVersion: () => '0.0.0-shell-test',
      quit: () => recorded.quit++,
      exit: (code: number) => recorded.exit.push(code),
    },
    protocol: {
      registerSchemesAsPrivileged: (schemes: unknown[]) => recorded.privileged.push(...schemes),
      handle: (scheme: string, handler: (request: Request) => Promise<Response>) => recorded.protocolHandlers.set(scheme, handler),
    },
    session: {
      defaultSession: {
        setPermissionRequestHandler: (h: Listener) => (recorded.permissionRequest = h),
        setPermissionCheckHandler: (h: Listener) => (recorded.permissionCheck = h),
        setDevicePermissionHandler: (h: Listener) => (recorded.devicePermission = h),
        webRequest: { onBeforeRequest: (h: Listener) => (recorded.beforeRequest = h) },
      },
    },
    ipcMain: {
      handle: (channel: string, h: Listener) => recorded.ipcHandlers.set(channel, h),
      removeHandler: (channel: string) => recorded.ipcHandlers.delete(channel),
      on: (channel: string, h: Listener) => recorded.ipcListeners.set(channel, h),
      removeListener: (channel: string) => recorded.ipcListeners.delete(channel),
    },
    shell: {
      openExternal: (url: string) => {
        recorded.openedExternally.push(url);
        return Promise.resolve();
      },
    },
    BrowserWindow,
  };
});

/** A will-navigate style event: records whether the handler prevented it. */
function navigationEvent(): { preventDefault: () => void; prevented: boolean } {
  const event = { prevented: false, preventDefault: () => (event.prevented = true) };
  return event;
}

describe('Electron shell', async () => {
  recorded.userData = mkdtempSync(path.join(tmpdir(), 'hl-shell-'));
  await import('../../app/main/electron/main');
  await vi.waitFor(() => expect(recorded.windows[0]?.url).toBe('app://hopline/index.html'), { timeout: 10_000 });

  it('registers app:// as a standard secure scheme and enables the sandbox for every renderer', () => {
    expect(recorded.privileged).toEqual([{ scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } }]);
    expect(recorded.sandboxEnabled).toBe(true);
    expect(recorded.exit).toEqual([]);
  });

  it('opens the one window isolated, sandboxed, without Node, with the preload, loading app://hopline', () => {
    expect(recorded.windows).toHaveLength(1);
    const prefs = recorded.windows[0]!.options.webPreferences;
    expect(prefs).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, nodeIntegrationInWorker: false, webSecurity: true, allowRunningInsecureContent: false, webviewTag: false, navigateOnDragDrop: false });
    expect(String(prefs.preload)).toMatch(/preload\.cjs$/);
    for (const risky of ['enableBlinkFeatures', 'experimentalFeatures', 'nodeIntegrationInSubFrames', 'enableRemoteModule']) expect(prefs).not.toHaveProperty(risky);
  });

  it('locks navigation, redirects, webviews and new windows for every web contents', () => {
    const contents = Object.assign(new EventEmitter(), { windowOpen: null as null | ((details: { url: string }) => unknown) });
    const setWindowOpenHandler = (h: (details: { url: string }) => unknown) => (contents.windowOpen = h);
    for (const listener of recorded.appListeners.get('web-contents-created') ?? []) listener({}, Object.assign(contents, { setWindowOpenHandler }));

    for (const event of ['will-navigate', 'will-redirect']) {
      for (const url of ['https://evil.example/', 'file:///etc/passwd', 'app://evil/index.html', 'app://hopline.evil/', 'javascript:alert(1)']) {
        const e = navigationEvent();
        contents.emit(event, e, url);
        expect(e.prevented, `${event} ${url}`).toBe(true);
      }
      const own = navigationEvent();
      contents.emit(event, own, 'app://hopline/index.html');
      expect(own.prevented).toBe(false);
    }
    const webview = navigationEvent();
    contents.emit('will-attach-webview', webview);
    expect(webview.prevented).toBe(true);
    expect(contents.windowOpen!({ url: 'app://hopline/index.html' })).toEqual({ action: 'deny' });
    expect(contents.windowOpen!({ url: 'https://example.com/' })).toEqual({ action: 'deny' });
  });

  it('refuses every permission and loads nothing but app:// (and devtools)', () => {
    const answers: unknown[] = [];
    recorded.permissionRequest!({}, 'media', (ok: boolean) => answers.push(ok));
    recorded.permissionRequest!({}, 'notifications', (ok: boolean) => answers.push(ok));
    expect(answers).toEqual([false, false]);
    expect(recorded.permissionCheck!({}, 'clipboard-read')).toBe(false);
    expect(recorded.devicePermission!({})).toBe(false);

    const cancelled = (url: string): boolean => {
      let verdict: { cancel: boolean } | null = null;
      recorded.beforeRequest!({ url }, (v: { cancel: boolean }) => (verdict = v));
      return verdict!.cancel;
    };
    for (const url of ['https://example.com/x.js', 'http://127.0.0.1:8080/', 'file:///etc/passwd', 'ws://127.0.0.1:1/rpc', 'app://evil/index.html', 'data:text/html,hi']) expect(cancelled(url), url).toBe(true);
    expect(cancelled('app://hopline/assets/index.js')).toBe(false);
  });

  it('serves app:// through a handler that puts the CSP and security headers on what it returns', async () => {
    const handler = recorded.protocolHandlers.get('app');
    expect(handler).toBeDefined();
    expect([...recorded.protocolHandlers.keys()]).toEqual(['app']);
    // The renderer is not built next to the sources, so these are the 404 paths; the handler's
    // 200, 405 and 500 paths are covered in test/unit/main/transports/appProtocol.test.ts.
    for (const url of ['app://hopline/index.html', 'app://evil/index.html', 'app://hopline/../../package.json']) {
      const response = await handler!(new Request(url));
      expect(response.status).toBe(404);
      for (const [name, value] of Object.entries(securityHeaders())) expect(response.headers.get(name), `${url} ${name}`).toBe(value);
    }
  });

  it('answers IPC only from the top frame of app://hopline, with the real services behind it', async () => {
    // Every contract method, plus the shell's own two file pickers (electronDialogs.ts), and nothing else.
    expect([...recorded.ipcHandlers.keys()].sort()).toEqual([...channelTable.filter((e) => e.kind === 'method').map((e) => e.channel), DIALOG_PICK_FOLDER_CHANNEL, DIALOG_PICK_FILES_CHANNEL].sort());
    for (const channel of [DIALOG_PICK_FOLDER_CHANNEL, DIALOG_PICK_FILES_CHANNEL]) {
      await expect(recorded.ipcHandlers.get(channel)!({ senderFrame: { url: 'https://evil.example/', parent: null } }, []), channel).resolves.toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    }
    expect([...recorded.ipcListeners.keys()]).toEqual(['terminal:frame']);
    const version = recorded.ipcHandlers.get('app:version')!;
    await expect(version({ senderFrame: { url: 'app://hopline/index.html', parent: null } }, [])).resolves.toEqual({ ok: true, value: '0.0.0-shell-test' });
    await expect(version({ senderFrame: { url: 'https://evil.example/', parent: null } }, [])).resolves.toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    await expect(version({ senderFrame: { url: 'app://hopline/x', parent: { url: 'app://hopline/', parent: null } } }, [])).resolves.toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    await expect(version({ senderFrame: null }, [])).resolves.toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
  });

  it('hands shell.openExternal plain http(s) links only', async () => {
    const open = recorded.ipcHandlers.get('app:openExternal')!;
    const trusted = { senderFrame: { url: 'app://hopline/index.html', parent: null } };
    for (const url of ['javascript:alert(1)', 'file:///etc/passwd', 'smb://host/share', 'https://user:pw@example.com/', 'app://hopline/index.html', 'vbscript:x']) {
      await expect(open(trusted, [url]), url).resolves.toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT' } });
    }
    expect(recorded.openedExternally).toEqual([]);
    await expect(open(trusted, ['https://example.com/docs?q=1'])).resolves.toEqual({ ok: true });
    expect(recorded.openedExternally).toEqual(['https://example.com/docs?q=1']);
  });

  it('ends the services before quitting', async () => {
    const event = navigationEvent();
    for (const listener of recorded.appListeners.get('will-quit') ?? []) listener(event);
    expect(event.prevented).toBe(true);
    await vi.waitFor(() => expect(recorded.quit).toBe(1));
  });
});
