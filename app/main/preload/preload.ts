/**
 * The preload: runs sandboxed with context isolation, and exposes one function per channel in
 * the contract's table (never ipcRenderer itself). Method functions return the `{ok, value}` /
 * `{ok, error}` Result envelope, because Electron flattens a thrown error to its message and the
 * renderer needs the typed code. Event functions return an unsubscribe function.
 *
 * Terminal frames add exactly two functions: `terminal:sendFrame(bytes)` (a Uint8Array, sent on
 * the `terminal:frame` channel) and `terminal:onFrame(listener)` (frames from main, returns an
 * unsubscribe function).
 *
 * Local files (issue 16) add three: `local:pathForFile(file)` (webUtils: a File's path, '' if it
 * has none), `local:pickFolder(title, defaultPath)` and `local:pickFiles()` (native dialogs in main,
 * on their own channels; Result envelopes like the methods).
 */
import { contextBridge, ipcRenderer, webUtils, type IpcRendererEvent } from 'electron';
import { channelTable } from '../../shared/contract/channels';
import { DIALOG_PICK_FILES_CHANNEL, DIALOG_PICK_FOLDER_CHANNEL, LOCAL_BRIDGE_PATH_FOR_FILE, LOCAL_BRIDGE_PICK_FILES, LOCAL_BRIDGE_PICK_FOLDER } from '../../shared/rpc/localFilesBridge';
import { TERMINAL_BRIDGE_SEND, TERMINAL_BRIDGE_SUBSCRIBE, TERMINAL_FRAME_CHANNEL } from '../../shared/rpc/terminalFrames';

const api: Record<string, (...args: never[]) => unknown> = {};
for (const { channel, kind } of channelTable) {
  if (kind === 'method') {
    api[channel] = (args: unknown[]) => ipcRenderer.invoke(channel, Array.isArray(args) ? args : []);
  } else {
    api[channel] = (listener: (data: unknown) => void) => {
      const forward = (_event: IpcRendererEvent, data: unknown): void => listener(data);
      ipcRenderer.on(channel, forward);
      return () => {
        ipcRenderer.removeListener(channel, forward);
      };
    };
  }
}

api[TERMINAL_BRIDGE_SEND] = (bytes: Uint8Array) => {
  // Only bytes cross; anything else is dropped here rather than sent to main.
  if (bytes instanceof Uint8Array) ipcRenderer.send(TERMINAL_FRAME_CHANNEL, bytes);
};
api[TERMINAL_BRIDGE_SUBSCRIBE] = (listener: (bytes: Uint8Array) => void) => {
  const forward = (_event: IpcRendererEvent, bytes: unknown): void => {
    if (bytes instanceof Uint8Array) listener(bytes);
  };
  ipcRenderer.on(TERMINAL_FRAME_CHANNEL, forward);
  return () => {
    ipcRenderer.removeListener(TERMINAL_FRAME_CHANNEL, forward);
  };
};

api[LOCAL_BRIDGE_PATH_FOR_FILE] = (file: File) => {
  // Only a real File has a path; webUtils throws for anything else, which the page need not see.
  try {
    return webUtils.getPathForFile(file);
  } catch {
    return '';
  }
};
api[LOCAL_BRIDGE_PICK_FOLDER] = (title: string, defaultPath?: string) =>
  ipcRenderer.invoke(DIALOG_PICK_FOLDER_CHANNEL, [typeof title === 'string' ? title : '', typeof defaultPath === 'string' ? defaultPath : undefined]);
api[LOCAL_BRIDGE_PICK_FILES] = () => ipcRenderer.invoke(DIALOG_PICK_FILES_CHANNEL, []);

contextBridge.exposeInMainWorld('hopline', Object.freeze(api));
