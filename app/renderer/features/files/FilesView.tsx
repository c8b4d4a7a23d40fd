/**
 * A circuit's files view (issue 16): toolbar, location, the listing, a status line and the
 * circuit's transfer queue. Everything is reachable by Tab; in the list, arrows move, Enter opens a
 * folder, Backspace goes up, F2 renames, Delete deletes, F5 refreshes, Ctrl+L types a path.
 * Remote names are shown only through displayName (control and bidi characters escaped).
 */
import { Download, Eye, EyeOff, FolderDown, FolderPlus, House, LockKeyhole, Pencil, RefreshCw, Search, Trash2, Upload, CornerLeftUp } from 'lucide-react';
import { useEffect, useId, useMemo, useRef, useState, type DragEvent, type KeyboardEvent, type MouseEvent } from 'react';
import type { ConflictPolicy, RemoteEntry } from '../../../shared/model/remoteFile';
import { ErrorCode, HoplineError } from '../../../shared/model/errors';
import { displayName } from '../../../shared/model/remoteNames';
import { ErrorMessage } from '../../components/ErrorMessage';
import { isFolder, joinPath, moveCursor, nextSort, resolveTyped, selectOnly, selectRange, toggleOne, visibleRows, type SortKey } from '../../stores/filesLogic';
import { transfersOf } from '../../stores/transfersLogic';
import { useConfirmStore } from '../../stores/useConfirmStore';
import { useFilesStore } from '../../stores/useFilesStore';
import { browserDrop, browserFolderRefusal, useTransfersStore, windowLocalFiles } from '../../stores/useTransfersStore';
import { ChmodDialog } from './ChmodDialog';
import { DownloadToDialog } from './DownloadToDialog';
import { FileList, ROW_HEIGHT } from './FileList';
import { FollowTerminalButton } from './FollowTerminalButton';
import { LocationBar } from './LocationBar';
import { NameDialog } from './NameDialog';
import { TransfersPanel } from './TransfersPanel';
import './files.css';
import { formatBytes } from '../../../shared/model/byteSize';

/** Where "Download to folder…" starts: the user's Downloads folder on the backend's computer. */
export const DEFAULT_DOWNLOAD_FOLDER = '~/Downloads';

type Dialog = { kind: 'mkdir' } | { kind: 'rename'; name: string } | { kind: 'chmod'; names: string[]; mode: number } | { kind: 'download-to'; names: string[]; hasFolders: boolean } | null;

interface FilesViewProps {
  circuitId: string;
  /** The target's name as the route shows it. */
  targetName: string;
  /** Changes when the view is asked for the focus (opened, or brought forward). */
  focusNonce: number | null;
}

function countText(n: number, word: string): string {
  return `${n.toLocaleString()} ${word}${n === 1 ? '' : 's'}`;
}

export function FilesView({ circuitId, targetName, focusNonce }: FilesViewProps) {
  const id = useId().replace(/:/g, '');
  const view = useFilesStore((s) => s.views[circuitId]);
  const store = useFilesStore.getState;
  const transfersModel = useTransfersStore((s) => s.byId);
  const order = useTransfersStore((s) => s.order);
  const transfers = useMemo(() => transfersOf({ byId: transfersModel, order }, circuitId), [transfersModel, order, circuitId]);
  const [dialog, setDialog] = useState<Dialog>(null);
  const [actionError, setActionError] = useState<unknown>(null);
  const [editNonce, setEditNonce] = useState(0);
  const [dropping, setDropping] = useState(false);
  const [queueOpen, setQueueOpen] = useState(true);
  /** Bumped when a dialog of the view closes: the list takes the focus back after the dialog gave it away. */
  const [refocus, setRefocus] = useState(0);
  const listRef = useRef<HTMLDivElement>(null);
  const fileInputRef = useRef<HTMLInputElement>(null);

  useEffect(() => {
    useFilesStore.getState().open(circuitId);
  }, [circuitId]);

  useEffect(() => {
    if (refocus > 0) listRef.current?.focus();
  }, [refocus]);

  // Asked for the focus (opened, or brought forward): the list takes it once it is there.
  const focusPending = useRef(false);
  useEffect(() => {
    if (focusNonce !== null) focusPending.current = true;
  }, [focusNonce]);
  useEffect(() => {
    if (focusPending.current && listRef.current) {
      focusPending.current = false;
      listRef.current.focus();
    }
  });

  // A new transfer opens the queue, so its progress shows.
  const transferCount = transfers.length;
  useEffect(() => {
    if (transferCount > 0) setQueueOpen(true);
  }, [transferCount]);

  const rows = useMemo(() => (view ? visibleRows(view.entries, { sort: view.sort, filter: view.filter, showHidden: view.showHidden }) : []), [view?.entries, view?.sort, view?.filter, view?.showHidden]);

  if (!view) return null;
  const { selection, path } = view;
  const selectedRows = selection.names.size > 0 ? rows.filter((r) => selection.names.has(r.name)) : rows.filter((r) => r.name === selection.cursor);
  const cursorRow = rows.find((r) => r.name === selection.cursor) ?? selectedRows[0];
  const hiddenCount = view.showHidden ? 0 : view.entries.filter((e) => e.name.startsWith('.')).length;
  // Desktop: files by path (native pickers, dropped files and folders). Browser: File API.
  const local = windowLocalFiles();
  const uploadable = local.kind !== 'none';
  const inBrowser = local.kind === 'browser';
  const focusList = () => requestAnimationFrame(() => listRef.current?.focus());

  function run(action: () => Promise<void>) {
    setActionError(null);
    action().catch((error: unknown) => setActionError(error));
  }

  function openEntry(entry: RemoteEntry) {
    if (!path) return;
    if (isFolder(entry) || (entry.type === 'symlink' && entry.targetType === undefined)) run(() => store().navigate(circuitId, joinPath(path, entry.name)));
  }

  function askRename(entry: RemoteEntry | undefined) {
    if (entry) setDialog({ kind: 'rename', name: entry.name });
  }

  async function askDelete(targets: RemoteEntry[]) {
    if (targets.length === 0) return;
    const folders = targets.filter((t) => t.type === 'directory');
    const first = displayName(targets[0]!.name, 120);
    const what = targets.length === 1 ? `“${first}”` : countText(targets.length, 'item');
    const confirmed = await useConfirmStore.getState().ask({
      kind: 'delete-files',
      title: `Delete ${what}?`,
      body:
        folders.length > 0
          ? `${folders.length === 1 && targets.length === 1 ? 'This folder and everything in it' : 'These items, and everything in the folders among them,'} will be deleted from ${targetName}. This cannot be undone.`
          : `${targets.length === 1 ? 'It' : 'They'} will be deleted from ${targetName}. This cannot be undone.`,
      confirmLabel: 'Delete',
      // A recursive delete asks for the folder's name, typed (as shown, escapes included).
      ...(folders.length > 0 ? { typeToConfirm: folders.length === 1 ? displayName(folders[0]!.name, 120) : `delete ${targets.length} items` } : {}),
    });
    if (confirmed)
      run(() =>
        store().remove(
          circuitId,
          targets.map((t) => t.name),
          folders.length > 0,
        ),
      );
    focusList();
  }

  function download(targets: RemoteEntry[]) {
    if (!path || targets.length === 0) return;
    const hasFolders = targets.some((t) => isFolder(t));
    if (!inBrowser || hasFolders) {
      setDialog({ kind: 'download-to', names: targets.map((t) => t.name), hasFolders });
      return;
    }
    run(() =>
      useTransfersStore.getState().downloadInBrowser(
        circuitId,
        targets.map((t) => joinPath(path, t.name)),
      ),
    );
  }

  function upload(files: File[]) {
    if (!path || files.length === 0) return;
    run(() => useTransfersStore.getState().uploadFiles(circuitId, path, files));
  }

  /** Desktop: local files or folders by path, folders recursively, as one transfer. */
  function uploadPaths(paths: readonly string[]) {
    const dir = path;
    if (!dir || paths.length === 0) return;
    run(async () => {
      await useTransfersStore.getState().uploadPaths(circuitId, dir, paths);
    });
  }

  function pickAndUpload() {
    if (local.kind !== 'desktop') {
      fileInputRef.current?.click();
      return;
    }
    const dir = path;
    if (!dir) return;
    run(async () => {
      const picked = await local.pickFiles();
      if (picked) await useTransfersStore.getState().uploadPaths(circuitId, dir, picked);
    });
  }

  function onRowClick(entry: RemoteEntry, event: MouseEvent) {
    listRef.current?.focus();
    if (event.shiftKey) store().setSelection(circuitId, selectRange(selection, rows, entry.name));
    else if (event.ctrlKey || event.metaKey) store().setSelection(circuitId, toggleOne(selection, entry.name));
    else store().setSelection(circuitId, selectOnly(entry.name));
  }

  function onListKeyDown(event: KeyboardEvent<HTMLDivElement>) {
    const page = Math.max(1, Math.floor((listRef.current?.clientHeight ?? ROW_HEIGHT * 10) / ROW_HEIGHT) - 1);
    const move = (step: number) => {
      const next = moveCursor(rows, selection.cursor, step);
      if (next === null) return;
      store().setSelection(circuitId, event.shiftKey ? selectRange(selection, rows, next) : selectOnly(next));
    };
    const keys: Record<string, () => void> = {
      ArrowDown: () => move(1),
      ArrowUp: () => move(-1),
      PageDown: () => move(page),
      PageUp: () => move(-page),
      Home: () => rows[0] && store().setSelection(circuitId, event.shiftKey ? selectRange(selection, rows, rows[0].name) : selectOnly(rows[0].name)),
      End: () => rows.length > 0 && store().setSelection(circuitId, event.shiftKey ? selectRange(selection, rows, rows[rows.length - 1]!.name) : selectOnly(rows[rows.length - 1]!.name)),
      Enter: () => cursorRow && openEntry(cursorRow),
      Backspace: () => run(() => store().up(circuitId)),
      F2: () => askRename(cursorRow),
      Delete: () => void askDelete(selectedRows),
      ' ': () => selection.cursor !== null && store().setSelection(circuitId, toggleOne(selection, selection.cursor)),
      Escape: () => store().setSelection(circuitId, { names: new Set(), cursor: selection.cursor, anchor: selection.cursor }),
    };
    if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === 'a') {
      event.preventDefault();
      store().setSelection(circuitId, { names: new Set(rows.map((r) => r.name)), cursor: selection.cursor ?? rows[0]?.name ?? null, anchor: rows[0]?.name ?? null });
      return;
    }
    const handler = !event.altKey && !event.ctrlKey && !event.metaKey ? keys[event.key] : undefined;
    if (!handler) return;
    event.preventDefault();
    handler();
  }

  /** Keys of the whole view, wherever the focus is in it. */
  function onViewKeyDown(event: KeyboardEvent<HTMLDivElement>) {
    if (event.key === 'F5' && !event.ctrlKey && !event.altKey) {
      event.preventDefault();
      run(() => store().refresh(circuitId));
    } else if ((event.ctrlKey || event.metaKey) && !event.shiftKey && !event.altKey && event.key.toLowerCase() === 'l') {
      event.preventDefault();
      setEditNonce((n) => n + 1);
    }
  }

  function onDragOver(event: DragEvent<HTMLDivElement>) {
    if (!uploadable || !event.dataTransfer.types.includes('Files')) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = 'copy';
    setDropping(true);
  }

  function onDrop(event: DragEvent<HTMLDivElement>) {
    setDropping(false);
    if (!uploadable || event.dataTransfer.files.length === 0) return;
    event.preventDefault();
    if (local.kind === 'desktop') {
      const paths = local.pathsOf([...event.dataTransfer.files]);
      if (paths.length > 0) uploadPaths(paths);
      else setActionError(new HoplineError(ErrorCode.NOT_AVAILABLE, 'What was dropped is not a file on this computer, so there is nothing to upload'));
      return;
    }
    // Entries are read now: the browser empties the drop once this handler returns.
    const dropped = browserDrop(event.dataTransfer.items, event.dataTransfer.files);
    upload(dropped.files);
    if (dropped.folders > 0) setActionError(browserFolderRefusal(dropped.folders));
  }

  const none = selectedRows.length === 0;
  const emptyText = view.loading ? 'Reading the folder…' : view.entries.length === 0 ? (path ? 'This folder is empty.' : '') : 'Nothing matches the filter.';
  const totalBytes = selectedRows.reduce((n, r) => n + (r.type === 'file' ? r.size : 0), 0);

  return (
    <div className="fv" onKeyDown={onViewKeyDown} data-testid="files-view" data-path={path ?? ''} data-loading={view.loading ? 'true' : 'false'}>
      <div className="fv-bar" role="toolbar" aria-label="Folder" aria-orientation="horizontal">
        <button type="button" className="icon-button" aria-label="Up one folder" title="Up one folder (Backspace)" disabled={!path || path === '/'} onClick={() => run(() => store().up(circuitId))}>
          <CornerLeftUp size={15} aria-hidden />
        </button>
        <button type="button" className="icon-button" aria-label="Home folder" title="Home folder" onClick={() => run(() => store().goHome(circuitId))}>
          <House size={15} aria-hidden />
        </button>
        <button type="button" className="icon-button" aria-label="Refresh" title="Refresh (F5)" onClick={() => run(() => store().refresh(circuitId))}>
          <RefreshCw size={15} aria-hidden className={view.loading ? 'fv-spin' : undefined} />
        </button>
        <LocationBar
          id={id}
          path={path}
          editNonce={editNonce}
          onNavigate={(typed) => path !== null && run(() => store().navigate(circuitId, resolveTyped(typed, path, view.home)))}
          onDone={focusList}
        />
        <div className="fv-filter">
          <Search size={13} aria-hidden className="fv-filter-icon" />
          <input
            type="search"
            className="fv-filter-input"
            aria-label="Filter by name"
            placeholder="Filter"
            value={view.filter}
            onChange={(event) => store().setFilter(circuitId, event.target.value)}
            onKeyDown={(event) => {
              if (event.key === 'ArrowDown' || event.key === 'Enter') {
                event.preventDefault();
                listRef.current?.focus();
              }
            }}
          />
        </div>
        <button
          type="button"
          className="icon-button"
          aria-pressed={view.showHidden}
          aria-label="Show hidden files"
          title={view.showHidden ? 'Hide dot files' : 'Show dot files'}
          onClick={() => store().setShowHidden(circuitId, !view.showHidden)}
        >
          {view.showHidden ? <Eye size={15} aria-hidden /> : <EyeOff size={15} aria-hidden />}
        </button>
        <FollowTerminalButton id={id} circuitId={circuitId} />
      </div>
      <div className="fv-bar fv-actions" role="toolbar" aria-label="File actions">
        <button type="button" className="fv-action" onClick={() => setDialog({ kind: 'mkdir' })} disabled={!path}>
          <FolderPlus size={15} aria-hidden />
          <span>New folder</span>
        </button>
        <button
          type="button"
          className="fv-action"
          disabled={!path || !uploadable}
          title={!uploadable ? 'Uploading from this window is not available: use hopline cp' : inBrowser ? 'Upload files here (or drop them on the list)' : 'Upload files here (or drop files and folders on the list)'}
          onClick={pickAndUpload}
        >
          <Upload size={15} aria-hidden />
          <span>Upload</span>
        </button>
        <input
          ref={fileInputRef}
          type="file"
          multiple
          className="sr-only"
          tabIndex={-1}
          aria-label="Files to upload"
          data-testid="files-upload-input"
          onChange={(event) => {
            upload([...(event.target.files ?? [])]);
            event.target.value = '';
          }}
        />
        <button type="button" className="fv-action" disabled={none} onClick={() => download(selectedRows)} title={inBrowser ? 'Download with the browser' : 'Download to a folder'}>
          <Download size={15} aria-hidden />
          <span>Download</span>
        </button>
        <button
          type="button"
          className="fv-action"
          disabled={none}
          onClick={() => setDialog({ kind: 'download-to', names: selectedRows.map((r) => r.name), hasFolders: selectedRows.some(isFolder) })}
        >
          <FolderDown size={15} aria-hidden />
          <span>Download to folder…</span>
        </button>
        <span className="fv-sep" aria-hidden />
        <button type="button" className="fv-action" disabled={!cursorRow} onClick={() => askRename(cursorRow)} title="Rename (F2)">
          <Pencil size={15} aria-hidden />
          <span>Rename</span>
        </button>
        <button type="button" className="fv-action" disabled={none} onClick={() => setDialog({ kind: 'chmod', names: selectedRows.map((r) => r.name), mode: selectedRows[0]!.mode })}>
          <LockKeyhole size={15} aria-hidden />
          <span>Permissions</span>
        </button>
        <button type="button" className="fv-action fv-danger" disabled={none} onClick={() => void askDelete(selectedRows)} title="Delete (Delete)">
          <Trash2 size={15} aria-hidden />
          <span>Delete</span>
        </button>
      </div>
      {view.error !== null && (
        <div className="fv-error">
          <ErrorMessage error={view.error} role="alert" />
          <button type="button" className="secondary small" onClick={() => store().clearError(circuitId)}>
            Dismiss
          </button>
        </div>
      )}
      {actionError !== null && (
        <div className="fv-error">
          <ErrorMessage error={actionError} role="alert" />
          <button type="button" className="secondary small" onClick={() => setActionError(null)}>
            Dismiss
          </button>
        </div>
      )}
      <FileList
        id={`${id}-list`}
        rows={rows}
        selection={selection}
        sort={view.sort}
        label={path ? displayName(path, 300) : targetName}
        shown={view.shown}
        emptyText={emptyText}
        listRef={listRef}
        dropping={dropping}
        onSort={(key: SortKey) => store().setSort(circuitId, nextSort(view.sort, key))}
        onRowClick={onRowClick}
        onRowOpen={openEntry}
        onKeyDown={onListKeyDown}
        onFocusList={() => {
          if (selection.cursor === null && rows[0]) store().setSelection(circuitId, { names: selection.names, cursor: rows[0].name, anchor: rows[0].name });
        }}
        onDragOver={onDragOver}
        onDragLeave={() => setDropping(false)}
        onDrop={onDrop}
      />
      <div className="fv-status" role="status" data-testid="files-status">
        <span>
          {countText(rows.length, 'item')}
          {hiddenCount > 0 && ` (${hiddenCount.toLocaleString()} hidden)`}
        </span>
        {selection.names.size > 0 && (
          <span>
            {selection.names.size.toLocaleString()} selected{totalBytes > 0 ? ` · ${formatBytes(totalBytes)}` : ''}
          </span>
        )}
        {view.loading && <span>Reading… {view.entries.length.toLocaleString()} so far</span>}
        {view.truncated && <span className="fv-warn">Listing cut short: {view.truncated}</span>}
      </div>
      {transfers.length > 0 && <TransfersPanel transfers={transfers} open={queueOpen} onToggle={() => setQueueOpen((o) => !o)} />}
      {dialog?.kind === 'mkdir' && (
        <NameDialog title="New folder" label="Folder name" submitLabel="Create" initial="" onSubmit={(name) => store().mkdir(circuitId, name)} onClose={() => closeDialog()} />
      )}
      {dialog?.kind === 'rename' && (
        <NameDialog
          title={`Rename “${displayName(dialog.name, 120)}”`}
          label="New name"
          submitLabel="Rename"
          initial={dialog.name}
          onSubmit={(name) => (name === dialog.name ? Promise.resolve() : store().rename(circuitId, dialog.name, name))}
          onClose={() => closeDialog()}
        />
      )}
      {dialog?.kind === 'chmod' && (
        <ChmodDialog
          what={dialog.names.length === 1 ? `“${displayName(dialog.names[0]!, 120)}”` : countText(dialog.names.length, 'item')}
          mode={dialog.mode}
          onSubmit={async (mode) => {
            for (const name of dialog.names) await store().chmod(circuitId, name, mode);
          }}
          onClose={() => closeDialog()}
        />
      )}
      {dialog?.kind === 'download-to' && path && (
        <DownloadToDialog
          what={dialog.names.length === 1 ? `“${displayName(dialog.names[0]!, 120)}”` : countText(dialog.names.length, 'item')}
          initialFolder={DEFAULT_DOWNLOAD_FOLDER}
          hasFolders={dialog.hasFolders}
          {...(local.kind === 'desktop' ? { chooseFolder: (current: string) => local.pickFolder('Download to folder', current || DEFAULT_DOWNLOAD_FOLDER) } : {})}
          onSubmit={async (localDir: string, conflict: ConflictPolicy) => {
            await useTransfersStore.getState().downloadTo(
              circuitId,
              dialog.names.map((n) => joinPath(path, n)),
              localDir,
              { recursive: dialog.hasFolders, conflict },
            );
          }}
          onClose={() => closeDialog()}
        />
      )}
    </div>
  );

  function closeDialog() {
    setDialog(null);
    setRefocus((n) => n + 1);
  }
}
