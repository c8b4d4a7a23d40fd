import { EventEmitter } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import { type TerminalFrameHub, type TerminalPeer } from '../../../../app/main/services/terminals/streamRouter';
import { attachElectronIpc, isTrustedSender, type FrameSenderLike, type IpcInvokeEventLike, type IpcMainEventLike, type IpcMainLike } from '../../../../app/main/transports/electronIpc';
import type { WireError } from '../../../../app/shared/model/errors';
import { appService } from '../../../../app/shared/contract/app';
import { channelTable } from '../../../../app/shared/contract/channels';
import { register, RpcServer } from '../../../../app/shared/rpc/server';
import { appSchemas } from '../../../../app/shared/schema/app';
import { AppService } from '../../../../app/main/services/app/appService';

/** An in-memory ipcMain: records handlers so the test can invoke them as Electron would. */
class FakeIpcMain implements IpcMainLike {
  handlers = new Map<string, (event: IpcInvokeEventLike, ...args: unknown[]) => unknown>();
  listeners = new Map<string, Set<(event: IpcMainEventLike, ...args: unknown[]) => void>>();
  handle(channel: string, listener: (event: IpcInvokeEventLike, ...args: unknown[]) => unknown) {
    if (this.handlers.has(channel)) throw new Error(`second handler for ${channel}`);
    this.handlers.set(channel, listener);
  }
  removeHandler(channel: string) {
    this.handlers.delete(channel);
  }
  on(channel: string, listener: (event: IpcMainEventLike, ...args: unknown[]) => void) {
    if (!this.listeners.has(channel)) this.listeners.set(channel, new Set());
    this.listeners.get(channel)!.add(listener);
  }
  removeListener(channel: string, listener: (event: IpcMainEventLike, ...args: unknown[]) => void) {
    this.listeners.get(channel)?.delete(listener);
  }
  /** As ipcRenderer.send would arrive. */
  emit(channel: string, event: IpcMainEventLike, ...args: unknown[]) {
    for (const listener of this.listeners.get(channel) ?? []) listener(event, ...args);
  }
  get listenerCount() {
    return [...this.listeners.values()].reduce((n, s) => n + s.size, 0);
  }
}

/** A window's WebContents: an id, send(), and the destroyed / did-navigate events. */
class FakeWindow extends EventEmitter implements FrameSenderLike {
  static nextId = 1;
  readonly id = FakeWindow.nextId++;
  destroyed = false;
  sent: [string, unknown][] = [];
  isDestroyed() {
    return this.destroyed;
  }
  send(channel: string, data: unknown) {
    this.sent.push([channel, data]);
  }
  destroy() {
    this.destroyed = true;
    this.emit('destroyed');
  }
}

/** A hub that records what each connection receives, and lets the test talk back. */
class FakeHub implements TerminalFrameHub {
  connections: { peer: TerminalPeer; received: Uint8Array[]; closed: boolean }[] = [];
  connect(peer: TerminalPeer) {
    const entry = { peer, received: [] as Uint8Array[], closed: false };
    this.connections.push(entry);
    return { receive: (bytes: Uint8Array) => entry.received.push(bytes), close: () => (entry.closed = true) };
  }
}

const top = (url: string): IpcInvokeEventLike => ({ senderFrame: { url, parent: null } });
const from = (window: FakeWindow, url = 'app://hopline/index.html'): IpcMainEventLike => ({ senderFrame: { url, parent: null }, sender: window });
const appRpc = () => new RpcServer([register(appService, new AppService({ version: '1.2.3', transport: 'electron', dataDir: '/d' }), appSchemas)]);

describe('Electron IPC transport', () => {
  it('trusts only the top frame of app://hopline', () => {
    expect(isTrustedSender(top('app://hopline/index.html'))).toBe(true);
    expect(isTrustedSender(top('app://evil/index.html'))).toBe(false);
    expect(isTrustedSender(top('https://hopline/index.html'))).toBe(false);
    expect(isTrustedSender(top('file:///index.html'))).toBe(false);
    expect(isTrustedSender(top('not a url'))).toBe(false);
    expect(isTrustedSender({ senderFrame: null })).toBe(false);
    expect(isTrustedSender({ senderFrame: { url: 'app://hopline/x', parent: { url: 'app://hopline/', parent: null } } })).toBe(false);
  });

  it('registers one handler per method channel, answers trusted callers and refuses others', async () => {
    const ipc = new FakeIpcMain();
    const rpc = new RpcServer([register(appService, new AppService({ version: '1.2.3', transport: 'electron', dataDir: '/d' }), appSchemas)]);
    const refused = vi.fn();
    const sent: [string, unknown][] = [];
    const disposable = attachElectronIpc(ipc, rpc, () => [{ isDestroyed: () => false, send: (c, d) => sent.push([c, d]) }], refused);
    expect([...ipc.handlers.keys()].sort()).toEqual(channelTable.filter((e) => e.kind === 'method').map((e) => e.channel).sort());

    const version = ipc.handlers.get('app:version')!;
    await expect(version(top('app://hopline/index.html'), [])).resolves.toEqual({ ok: true, value: '1.2.3' });
    await expect(version(top('https://evil.example/'), [])).resolves.toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(refused).toHaveBeenCalledWith('app:version');

    await ipc.handlers.get('app:ping')!(top('app://hopline/'), [{ nonce: 'n' }]);
    expect(sent).toEqual([['app:onDidPong', expect.objectContaining({ nonce: 'n' })]]);
    await expect(ipc.handlers.get('app:ping')!(top('app://hopline/'), [{ nonce: 5 }])).resolves.toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT' } });

    disposable.dispose();
    expect(ipc.handlers.size).toBe(0);
  });

  it('carries terminal frames on terminal:frame: one connection per window, replies to that window only', () => {
    const ipc = new FakeIpcMain();
    const hub = new FakeHub();
    const disposable = attachElectronIpc(ipc, appRpc(), () => [], () => undefined, { terminals: hub });
    expect([...ipc.listeners.keys()]).toEqual(['terminal:frame']);
    const w1 = new FakeWindow();
    const w2 = new FakeWindow();
    ipc.emit('terminal:frame', from(w1), new Uint8Array([4, 0, 0, 0, 1]));
    ipc.emit('terminal:frame', from(w1), new Uint8Array([5, 0, 0, 0, 1]));
    ipc.emit('terminal:frame', from(w2), new Uint8Array([4, 0, 0, 0, 2]));
    expect(hub.connections).toHaveLength(2);
    expect(hub.connections[0]!.received.map((b) => [...b])).toEqual([[4, 0, 0, 0, 1], [5, 0, 0, 0, 1]]);
    expect(hub.connections[1]!.received.map((b) => [...b])).toEqual([[4, 0, 0, 0, 2]]);
    const output = new Uint8Array([1, 0, 0, 0, 1, 65]);
    hub.connections[0]!.peer.send(output);
    expect(w1.sent).toEqual([['terminal:frame', output]]);
    expect(w2.sent).toEqual([]);
    w1.destroyed = true;
    hub.connections[0]!.peer.send(output);
    expect(w1.sent).toHaveLength(1);
    disposable.dispose();
    expect(ipc.listenerCount).toBe(0);
    expect(hub.connections.every((c) => c.closed)).toBe(true);
  });

  it('drops a window\'s terminal connection when its page navigates or it is destroyed', () => {
    const ipc = new FakeIpcMain();
    const hub = new FakeHub();
    attachElectronIpc(ipc, appRpc(), () => [], () => undefined, { terminals: hub });
    const w = new FakeWindow();
    ipc.emit('terminal:frame', from(w), new Uint8Array([4, 0, 0, 0, 1]));
    w.emit('did-navigate');
    expect(hub.connections[0]!.closed).toBe(true);
    expect(w.listenerCount('did-navigate') + w.listenerCount('destroyed')).toBe(0);
    // The reloaded page gets a fresh connection.
    ipc.emit('terminal:frame', from(w), new Uint8Array([4, 0, 0, 0, 1]));
    expect(hub.connections).toHaveLength(2);
    w.destroy();
    expect(hub.connections[1]!.closed).toBe(true);
  });

  it('refuses terminal frames from untrusted frames and anything that is not bytes', () => {
    const ipc = new FakeIpcMain();
    const hub = new FakeHub();
    const refused = vi.fn();
    const errors: WireError[] = [];
    attachElectronIpc(ipc, appRpc(), () => [], refused, { terminals: hub, onTerminalFrameError: (e) => errors.push(e) });
    const w = new FakeWindow();
    ipc.emit('terminal:frame', from(w, 'https://evil.example/'), new Uint8Array([4, 0, 0, 0, 1]));
    ipc.emit('terminal:frame', { senderFrame: { url: 'app://hopline/x', parent: { url: 'app://hopline/', parent: null } }, sender: w }, new Uint8Array([4, 0, 0, 0, 1]));
    expect(refused).toHaveBeenCalledTimes(2);
    expect(refused).toHaveBeenCalledWith('terminal:frame');
    ipc.emit('terminal:frame', from(w), 'text');
    ipc.emit('terminal:frame', from(w), [4, 0, 0, 0, 1]);
    expect(errors.map((e) => e.code)).toEqual(['BAD_FRAME', 'BAD_FRAME']);
    expect(hub.connections).toEqual([]);
  });

  it('passes the hub\'s typed errors to onTerminalFrameError (there is no error channel back)', () => {
    const ipc = new FakeIpcMain();
    const hub = new FakeHub();
    const errors: WireError[] = [];
    attachElectronIpc(ipc, appRpc(), () => [], () => undefined, { terminals: hub, onTerminalFrameError: (e) => errors.push(e) });
    ipc.emit('terminal:frame', from(new FakeWindow()), new Uint8Array([9]));
    hub.connections[0]!.peer.error({ code: 'BAD_FRAME', message: 'short' });
    expect(errors).toEqual([{ code: 'BAD_FRAME', message: 'short' }]);
  });

  it('says NOT_AVAILABLE for terminal frames when no terminal hub was given', () => {
    const bare = new FakeIpcMain();
    const errors: WireError[] = [];
    attachElectronIpc(bare, appRpc(), () => [], () => undefined, { onTerminalFrameError: (e) => errors.push(e) });
    bare.emit('terminal:frame', from(new FakeWindow()), new Uint8Array([4, 0, 0, 0, 1]));
    expect(errors.map((e) => e.code)).toEqual(['NOT_AVAILABLE']);
  });
});
