/**
 * The Electron shell: window, app:// protocol, and the security settings. It holds no logic of
 * its own; services come from compose.ts and reach the window through transports/electronIpc.
 */
import os from 'node:os';
import path from 'node:path';
import { app, BrowserWindow, dialog, ipcMain, protocol, session, shell } from 'electron';
import { composeServices } from '../compose';
import { safeExternalUrl } from '../services/app/appService';
import type { DocumentStore } from '../services/profiles/documentStore';
import { ensureDataDir } from '../services/dataDir';
import { log } from '../services/log';
import { appProtocolHandler } from '../transports/appProtocol';
import { attachDialogIpc, type ShowOpenDialog } from '../transports/electronDialogs';
import { APP_HOST, APP_SCHEME, attachElectronIpc } from '../transports/electronIpc';

const rendererDir = path.join(__dirname, '..', 'renderer');
const appOrigin = `${APP_SCHEME}://${APP_HOST}`;

protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);
app.enableSandbox();

// Navigation is locked for every web contents the app ever creates.
app.on('web-contents-created', (_event, contents) => {
  contents.on('will-navigate', (event, url) => {
    if (!url.startsWith(`${appOrigin}/`)) event.preventDefault();
  });
  contents.on('will-redirect', (event, url) => {
    if (!url.startsWith(`${appOrigin}/`)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
});

/**
 * The system browser, for http(s) links only. AppService already refuses anything else; this
 * second check sits at the one call of shell.openExternal so no other path can reach it.
 */
function openExternal(url: string): Promise<void> {
  const safe = safeExternalUrl(url);
  if (safe === null) return Promise.reject(new Error('refused to open a link that is not plain http(s)'));
  return shell.openExternal(safe);
}

/** The native open dialog, modal to the window the user clicked in (the focused one). */
const showOpenDialog: ShowOpenDialog = (options) => {
  const owner = BrowserWindow.getFocusedWindow();
  return owner ? dialog.showOpenDialog(owner, options) : dialog.showOpenDialog(options);
};

function lockSession(): void {
  const ses = session.defaultSession;
  ses.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  ses.setPermissionCheckHandler(() => false);
  ses.setDevicePermissionHandler(() => false);
  // Nothing remote is ever loaded; refuse any request that is not the app's own protocol.
  ses.webRequest.onBeforeRequest((details, callback) => {
    callback({ cancel: !details.url.startsWith(`${appOrigin}/`) && !details.url.startsWith('devtools://') });
  });
}

async function createWindow(documents: DocumentStore): Promise<BrowserWindow> {
  // The window opens where the user last left it.
  const bounds = documents.windowBounds();
  const win = new BrowserWindow({
    width: bounds?.width ?? 1280,
    height: bounds?.height ?? 820,
    ...(bounds?.x !== undefined && bounds.y !== undefined ? { x: bounds.x, y: bounds.y } : {}),
    minWidth: 800,
    minHeight: 500,
    show: false,
    title: 'Hopline',
    webPreferences: {
      preload: path.join(__dirname, 'preload.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      // 'Auxclick' stays enabled (Electronegativity's AUXCLICK_JS_CHECK): xterm.js uses the
      // auxclick event for middle-click paste on Linux. A middle click on a link can only ask
      // for a new window, which setWindowOpenHandler above always denies.
    },
  });
  win.once('ready-to-show', () => win.show());
  win.on('close', () => {
    if (!win.isMinimized() && !win.isMaximized()) void documents.setWindowBounds(win.getBounds()).catch((error: unknown) => log.error('could not save the window size', error));
  });
  await win.loadURL(`${appOrigin}/index.html`);
  return win;
}

app.whenReady().then(async () => {
  const dataDir = ensureDataDir(app.getPath('userData'));
  const services = await composeServices({ version: app.getVersion(), transport: 'electron', dataDir, openExternal });
  // Every response (files, 404s, errors) carries the CSP and the other security headers.
  protocol.handle(APP_SCHEME, appProtocolHandler(rendererDir));
  lockSession();
  attachElectronIpc(ipcMain, services.rpc, () => BrowserWindow.getAllWindows().map((w) => w.webContents), (channel) => log.error(`refused IPC ${channel} from an untrusted frame`), { terminals: services.terminalFrames });
  attachDialogIpc(ipcMain, showOpenDialog, { homeDir: os.homedir(), onRefused: (channel) => log.error(`refused IPC ${channel} from an untrusted frame`) });
  await createWindow(services.documents);
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) void createWindow(services.documents);
  });
  // Circuits end cleanly (hops closed target first) before the process goes.
  let disposed = false;
  app.on('will-quit', (event) => {
    if (disposed) return;
    event.preventDefault();
    disposed = true;
    void services.dispose().finally(() => app.quit());
  });
}).catch((error: unknown) => {
  log.error('startup failed', error);
  app.exit(1);
});

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});
