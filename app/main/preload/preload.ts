/**
 * The preload: runs sandboxed with context isolation, and exposes one function per channel in
 * the contract's table (never ipcRenderer itself). Method functions return the `{ok, value}` /
 * `{ok, error}` Result envelope, because Electron flattens a thrown error to its message and the
 * renderer needs the typed code. Event functions return an unsubscribe function.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { channelTable } from '../../shared/contract/channels';

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

contextBridge.exposeInMainWorld('hopline', Object.freeze(api));
