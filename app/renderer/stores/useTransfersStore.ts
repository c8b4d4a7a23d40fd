/**
 * The transfer queue as the files service reports it (issue 16): transfers() when the link opens
 * (again after a reconnect), then onDidChangeTransfer and onDidRemoveTransfer. One queue for the
 * window; each files view shows its circuit's part.
 *
 * Web mode's uploads and downloads go by tickets: beginUpload, then the browser PUTs the File's
 * bytes to the upload route (the queue reports the progress as they land on the target);
 * beginDownload, then a browser download of the download route. Elsewhere (Electron) transfers
 * go by local paths through enqueue (uploadPaths, downloadTo); rpc/localFiles says which applies.
 */
import { create } from 'zustand';
import type { ConflictChoice, ConflictPolicy, TransferStatus } from '../../shared/model/remoteFile';
import { putUploadBytes, startBrowserDownload } from '../rpc/fileRoutes';
import { localFiles, type LocalFiles } from '../rpc/localFiles';
import { onConnectionState } from '../rpc';
import { filesApi } from './filesApi';
import { joinPath } from './filesLogic';
import { dropTransfer, EMPTY_TRANSFERS, putTransfer, transfersFrom, type TransfersModel } from './transfersLogic';

interface TransfersState extends TransfersModel {
  /** Web mode: a PUT that failed on this side (the network, a refusal) by transfer id, shown with the row. */
  localErrors: Readonly<Record<string, unknown>>;
  load(): Promise<void>;
  /**
   * Web mode: uploads browser files into `remoteDir`, one transfer per file. Resolves once every
   * file has a transfer; the bytes keep flowing after. Rejects with the first refusal.
   */
  uploadFiles(circuitId: string, remoteDir: string, files: readonly File[], conflict?: ConflictPolicy): Promise<void>;
  /**
   * Desktop: uploads local files or folders (paths on this computer) into `remoteDir` as one
   * transfer, folders recursively, the way `hopline cp -r` does.
   */
  uploadPaths(circuitId: string, remoteDir: string, paths: readonly string[], conflict?: ConflictPolicy): Promise<TransferStatus>;
  /** Web mode: browser downloads of remote files (folders go by downloadTo). */
  downloadInBrowser(circuitId: string, remotePaths: readonly string[]): Promise<void>;
  /** A download into a folder on this computer (the backend's), folders recursively. */
  downloadTo(circuitId: string, remotePaths: readonly string[], localDir: string, options: { recursive: boolean; conflict?: ConflictPolicy }): Promise<TransferStatus>;
  answer(transferId: string, choice: ConflictChoice, forAll: boolean): Promise<void>;
  cancel(transferId: string): Promise<void>;
  retry(transferId: string): Promise<void>;
  dismiss(transferId: string): Promise<void>;
}

/** Transfers known to be dismissed: a late change event must not bring a row back. */
const removed = new Set<string>();
/** Web mode's PUTs in flight, so Cancel also stops sending. */
const uploads = new Map<string, AbortController>();

function apply(status: TransferStatus): void {
  if (removed.has(status.transferId)) return;
  useTransfersStore.setState((s) => putTransfer(s, status));
  if (status.state === 'cancelled' || status.state === 'failed') uploads.get(status.transferId)?.abort();
}

function drop(transferId: string): void {
  removed.add(transferId);
  useTransfersStore.setState((s) => ({ ...dropTransfer(s, transferId), localErrors: withoutKey(s.localErrors, transferId) }));
}

function withoutKey<T>(record: Readonly<Record<string, T>>, key: string): Readonly<Record<string, T>> {
  if (!(key in record)) return record;
  const next = { ...record };
  delete next[key];
  return next;
}

export const useTransfersStore = create<TransfersState>((set) => ({
  ...EMPTY_TRANSFERS,
  localErrors: {},
  async load() {
    try {
      const list = await filesApi().transfers();
      set(transfersFrom(list.filter((t) => !removed.has(t.transferId))));
    } catch {
      // Events still flow without the list; the next reconnect lists again.
    }
  },
  async uploadFiles(circuitId, remoteDir, files, conflict = 'ask') {
    const api = filesApi();
    for (const file of files) {
      const { transferId, ticket } = await api.beginUpload(circuitId, joinPath(remoteDir, file.name), file.size, conflict);
      const controller = new AbortController();
      uploads.set(transferId, controller);
      putUploadBytes(ticket, file, controller.signal)
        .catch((error: unknown) => {
          // A cancel aborts on purpose; the queue already says "Cancelled".
          if (controller.signal.aborted) return;
          set((s) => ({ localErrors: { ...s.localErrors, [transferId]: error } }));
        })
        .finally(() => uploads.delete(transferId));
    }
  },
  async uploadPaths(circuitId, remoteDir, paths, conflict = 'ask') {
    const status = await filesApi().enqueue({ circuitId, direction: 'upload', sources: [...paths], destination: remoteDir, recursive: true, conflict });
    apply(status);
    return status;
  },
  async downloadInBrowser(circuitId, remotePaths) {
    const api = filesApi();
    for (const remotePath of remotePaths) {
      const { ticket, name } = await api.beginDownload(circuitId, remotePath);
      startBrowserDownload(ticket, name);
    }
  },
  async downloadTo(circuitId, remotePaths, localDir, { recursive, conflict = 'ask' }) {
    const status = await filesApi().enqueue({ circuitId, direction: 'download', sources: [...remotePaths], destination: localDir, recursive, conflict });
    apply(status);
    return status;
  },
  async answer(transferId, choice, forAll) {
    await filesApi().answerConflict(transferId, choice, { forAll });
  },
  async cancel(transferId) {
    uploads.get(transferId)?.abort();
    await filesApi().cancel(transferId);
  },
  async retry(transferId) {
    set((s) => ({ localErrors: withoutKey(s.localErrors, transferId) }));
    apply(await filesApi().retry(transferId));
  },
  async dismiss(transferId) {
    await filesApi().dismiss(transferId);
    drop(transferId);
  },
}));

/**
 * How files on this computer reach this window (rpc/localFiles): by path in the desktop app, as
 * browser Files in web mode, or not at all.
 */
export function windowLocalFiles(): LocalFiles {
  return localFiles();
}

/** Feeds the store from the files contract's events, and lists transfers when the link opens (startStores). */
export function startTransfersStore(): () => void {
  const api = filesApi();
  const subs = [api.onDidChangeTransfer(apply), api.onDidRemoveTransfer(({ transferId }) => drop(transferId))];
  const stopLink = onConnectionState((connection) => {
    if (connection === 'open') void useTransfersStore.getState().load();
  });
  return () => {
    for (const sub of subs) sub.dispose();
    stopLink();
    for (const controller of uploads.values()) controller.abort();
    uploads.clear();
  };
}

export { browserDrop, browserFolderRefusal, type DesktopFiles, type LocalFiles } from '../rpc/localFiles';
