/**
 * The listing of one remote folder: column headers that sort, then a virtualized listbox whose
 * rows are mounted only where they show (a folder of 100,000 entries scrolls as one of 100). The
 * keyboard moves a cursor row (aria-activedescendant, so the focus stays on the list and never
 * gets lost to virtualization); the view decides what Enter, F2 or Delete do.
 */
import { useVirtualizer } from '@tanstack/react-virtual';
import { ArrowDown, ArrowUp, File, FileSymlink, Folder, FolderSymlink } from 'lucide-react';
import { memo, useCallback, useEffect, useRef, type DragEvent, type KeyboardEvent, type MouseEvent, type Ref } from 'react';
import type { RemoteEntry } from '../../../shared/model/remoteFile';
import { displayName } from '../../../shared/model/remoteNames';
import { formatModified, isFolder, modeString, ownerText, type Selection, type SortKey, type SortOrder } from '../../stores/filesLogic';
import { formatBytes } from '../../../shared/model/byteSize';

export const ROW_HEIGHT = 24;

const COLUMNS: { key: SortKey; label: string; className: string }[] = [
  { key: 'name', label: 'Name', className: 'fl-name' },
  { key: 'size', label: 'Size', className: 'fl-size' },
  { key: 'modified', label: 'Modified', className: 'fl-modified' },
  { key: 'mode', label: 'Permissions', className: 'fl-mode' },
  { key: 'owner', label: 'Owner', className: 'fl-owner' },
];

interface FileListProps {
  id: string;
  rows: readonly RemoteEntry[];
  selection: Selection;
  sort: SortOrder;
  /** The folder shown, for the list's accessible name. */
  label: string;
  /** Changes when a different folder starts showing: back to the top. */
  shown: number;
  /** What the list says with no rows (reading, empty, all filtered out). */
  emptyText: string;
  listRef: Ref<HTMLDivElement>;
  dropping: boolean;
  onSort(key: SortKey): void;
  onRowClick(entry: RemoteEntry, event: MouseEvent): void;
  onRowOpen(entry: RemoteEntry): void;
  onKeyDown(event: KeyboardEvent<HTMLDivElement>): void;
  onFocusList(): void;
  onDragOver(event: DragEvent<HTMLDivElement>): void;
  onDragLeave(event: DragEvent<HTMLDivElement>): void;
  onDrop(event: DragEvent<HTMLDivElement>): void;
}

function kindWord(entry: RemoteEntry): string {
  if (entry.type === 'directory') return 'folder';
  if (entry.type === 'symlink') return isFolder(entry) ? 'link to a folder' : 'link';
  if (entry.type === 'other') return 'special file';
  return 'file';
}

function EntryIcon({ entry }: { entry: RemoteEntry }) {
  const props = { size: 15, 'aria-hidden': true, className: `fl-icon fl-icon-${entry.type}` } as const;
  if (entry.type === 'symlink') return isFolder(entry) ? <FolderSymlink {...props} /> : <FileSymlink {...props} />;
  if (entry.type === 'directory') return <Folder {...props} />;
  return <File {...props} />;
}

interface FileRowProps {
  id: string;
  entry: RemoteEntry;
  start: number;
  selected: boolean;
  cursor: boolean;
  onClick(entry: RemoteEntry, event: MouseEvent): void;
  onOpen(entry: RemoteEntry): void;
}

/** One row; re-rendered only when what it shows changes (scrolling moves rows, it does not redraw them). */
const FileRow = memo(function FileRow({ id, entry, start, selected, cursor, onClick, onOpen }: FileRowProps) {
  const name = displayName(entry.name);
  const modified = formatModified(entry.mtimeMs);
  const folder = isFolder(entry);
  return (
    <div
      id={id}
      role="option"
      aria-selected={selected}
      aria-label={`${name}, ${kindWord(entry)}${folder ? '' : `, ${formatBytes(entry.size)}`}${modified ? `, modified ${modified}` : ''}`}
      data-name={name}
      data-type={entry.type}
      className={`fl-row${selected ? ' fl-selected' : ''}${cursor ? ' fl-cursor' : ''}`}
      style={{ transform: `translateY(${start}px)` }}
      onMouseDown={(event) => event.preventDefault()}
      onClick={(event) => onClick(entry, event)}
      onDoubleClick={() => onOpen(entry)}
    >
      <span className="fl-cell fl-name">
        <EntryIcon entry={entry} />
        <span className="fl-text" title={name}>
          {name}
        </span>
        {entry.type === 'symlink' && entry.linkTarget !== undefined && (
          <span className="fl-link" title={displayName(entry.linkTarget)}>
            → {displayName(entry.linkTarget, 300)}
          </span>
        )}
      </span>
      <span className="fl-cell fl-size">{entry.type === 'directory' ? '' : formatBytes(entry.size)}</span>
      <span className="fl-cell fl-modified">{modified}</span>
      <span className="fl-cell fl-mode">{modeString(entry.mode)}</span>
      <span className="fl-cell fl-owner">{ownerText(entry)}</span>
    </div>
  );
});

const rowHeight = (): number => ROW_HEIGHT;

export function rowId(listId: string, index: number): string {
  return `${listId}-row-${index}`;
}

export function FileList(props: FileListProps) {
  const { id, rows, selection, sort, label, shown, emptyText, listRef, dropping } = props;
  const scrollRef = useRef<HTMLDivElement | null>(null);
  const cursorIndex = selection.cursor === null ? -1 : rows.findIndex((r) => r.name === selection.cursor);

  // Stable functions: the virtualizer lays out every row again (all 100,000) whenever these change.
  const getItemKey = useCallback((i: number) => rows[i]?.name ?? i, [rows]);
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: rowHeight,
    getItemKey,
    overscan: 12,
    initialRect: { width: 800, height: 600 },
    // Rows render in React's next pass rather than inside the scroll event (overscan covers the gap).
    useFlushSync: false,
  });

  // A different folder starts at its top.
  useEffect(() => {
    scrollRef.current?.scrollTo({ top: 0 });
  }, [shown]);

  // The cursor row stays in sight as the keyboard moves it.
  useEffect(() => {
    if (cursorIndex >= 0) virtualizer.scrollToIndex(cursorIndex, { align: 'auto' });
  }, [cursorIndex, virtualizer]);

  // Rows are memoized: the handlers they get stay the same functions, calling the latest props.
  const handlers = useRef(props);
  handlers.current = props;
  const onRowClick = useCallback((entry: RemoteEntry, event: MouseEvent) => handlers.current.onRowClick(entry, event), []);
  const onRowOpen = useCallback((entry: RemoteEntry) => handlers.current.onRowOpen(entry), []);

  const setRefs = (el: HTMLDivElement | null) => {
    scrollRef.current = el;
    if (typeof listRef === 'function') listRef(el);
    else if (listRef) (listRef as { current: HTMLDivElement | null }).current = el;
  };

  return (
    <div className={`fl${dropping ? ' fl-dropping' : ''}`}>
      <div className="fl-head" role="group" aria-label="Sort by column">
        {COLUMNS.map((column) => {
          const active = sort.key === column.key;
          const direction = active ? (sort.descending ? 'descending' : 'ascending') : null;
          return (
            <button
              key={column.key}
              type="button"
              className={`fl-col ${column.className}${active ? ' fl-col-active' : ''}`}
              aria-label={`${column.label}${direction ? `, sorted ${direction}` : ''}: sort by ${column.label.toLowerCase()}`}
              aria-pressed={active}
              onClick={() => props.onSort(column.key)}
            >
              <span>{column.label}</span>
              {active && (sort.descending ? <ArrowDown size={12} aria-hidden /> : <ArrowUp size={12} aria-hidden />)}
            </button>
          );
        })}
      </div>
      <div
        ref={setRefs}
        id={id}
        className="fl-body"
        role="listbox"
        aria-label={`Files in ${label}`}
        aria-multiselectable
        aria-activedescendant={cursorIndex >= 0 ? rowId(id, cursorIndex) : undefined}
        tabIndex={0}
        data-testid="file-list"
        onKeyDown={props.onKeyDown}
        onFocus={(event) => event.target === event.currentTarget && props.onFocusList()}
        onDragOver={props.onDragOver}
        onDragLeave={props.onDragLeave}
        onDrop={props.onDrop}
      >
        {rows.length > 0 && (
          <div className="fl-rows" style={{ height: virtualizer.getTotalSize() }}>
            {virtualizer.getVirtualItems().map((item) => {
              const entry = rows[item.index]!;
              return (
                <FileRow
                  key={item.key}
                  id={rowId(id, item.index)}
                  entry={entry}
                  start={item.start}
                  selected={selection.names.has(entry.name)}
                  cursor={item.index === cursorIndex}
                  onClick={onRowClick}
                  onOpen={onRowOpen}
                />
              );
            })}
          </div>
        )}
      </div>
      {rows.length === 0 && (
        <p className="fl-empty" data-testid="file-list-empty">
          {emptyText}
        </p>
      )}
    </div>
  );
}
