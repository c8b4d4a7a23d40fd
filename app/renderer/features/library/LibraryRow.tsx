import { ChevronRight, Ellipsis, Folder, Pencil, Play } from 'lucide-react';
import { memo, type CSSProperties, type DragEvent, type MouseEvent } from 'react';
import { HOST_DRAG_TYPE } from '../../components/dragTypes';
import { STATUS_LABELS, isGroupRow, type LibraryItemRow, type LibraryRow } from '../../stores/libraryLogic';

/** Height of every row, in px: one line each, so 20+ fit in a 700 px window. */
export const ROW_HEIGHT = 28;
const INDENT = 12;
const MAX_TAGS = 2;

export interface LibraryRowViewProps {
  row: LibraryRow;
  index: number;
  /** The tree's id: row ids are derived from it. */
  treeId: string;
  /** Offset from the top of the tree, in px. */
  start: number;
  /** The roving tab stop (and the selected row). */
  active: boolean;
  menuOpen: boolean;
  onActivate(index: number): void;
  onToggle(index: number): void;
  onConnect(row: LibraryItemRow): void;
  onEdit(row: LibraryItemRow): void;
  onMore(index: number, anchor: HTMLElement): void;
  /** The backend is unreachable: the status is only what it last said. */
  statusStale?: boolean;
}

export function rowId(treeId: string, index: number): string {
  return `${treeId}-row-${index}`;
}

function onHostDragStart(event: DragEvent<HTMLDivElement>, hostId: string): void {
  event.dataTransfer.setData(HOST_DRAG_TYPE, hostId);
  event.dataTransfer.effectAllowed = 'copy';
}

/**
 * One treeitem of the library. Its action buttons are for the mouse (tabIndex -1, shown on hover
 * and on the focused row): the keyboard has Enter, F2/E, Delete and the context-menu key instead,
 * so the tree stays a single tab stop.
 */
export const LibraryRowView = memo(function LibraryRowView({ row, index, treeId, start, active, menuOpen, onActivate, onToggle, onConnect, onEdit, onMore, statusStale }: LibraryRowViewProps) {
  const id = rowId(treeId, index);
  const group = isGroupRow(row);
  const style = { transform: `translateY(${start}px)`, height: ROW_HEIGHT, paddingLeft: 4 + row.depth * INDENT } as CSSProperties;
  if (row.kind === 'profile' && row.color) (style as Record<string, string>)['--row-color'] = `var(--color-${row.color})`;

  const stop = (event: MouseEvent) => event.stopPropagation();
  const className = ['lib-row', `lib-${row.kind}`, active ? 'is-active' : '', menuOpen ? 'menu-open' : '', row.kind === 'profile' && row.color ? 'has-color' : ''].filter(Boolean).join(' ');

  return (
    <div
      id={id}
      role="treeitem"
      className={className}
      style={style}
      data-index={index}
      data-key={row.key}
      tabIndex={active ? 0 : -1}
      aria-level={row.depth + 1}
      aria-posinset={row.posinset}
      aria-setsize={row.setsize}
      aria-selected={active}
      aria-expanded={group ? row.expanded : undefined}
      // The name is the row's visible text (name, then route or count, then tags), so it says what
      // is shown (axe label-content-name-mismatch); the status goes in the description.
      aria-labelledby={group ? `${id}-name ${id}-count` : [`${id}-name`, `${id}-detail`, row.tags.length > 0 ? `${id}-tags` : ''].filter(Boolean).join(' ')}
      aria-describedby={`${id}-desc`}
      data-label={row.label}
      draggable={row.kind === 'host' ? true : undefined}
      onDragStart={row.kind === 'host' ? (e) => onHostDragStart(e, row.id) : undefined}
      onClick={() => (group ? onToggle(index) : onActivate(index))}
      onDoubleClick={group ? undefined : () => onConnect(row)}
      onContextMenu={
        group
          ? undefined
          : (e) => {
              e.preventDefault();
              onMore(index, e.currentTarget);
            }
      }
    >
      {group ? (
        <>
          <ChevronRight className={`lib-chevron${row.expanded ? ' open' : ''}`} size={14} aria-hidden />
          {row.kind === 'folder' && <Folder className="lib-folder-icon" size={14} aria-hidden />}
          <span id={`${id}-name`} className="lib-name">
            {row.label}
          </span>{' '}
          <span id={`${id}-count`} className="lib-count">
            {row.count}
          </span>
          <span id={`${id}-desc`} className="sr-only">
            {row.count === 1 ? '1 entry' : `${row.count} entries`}
          </span>
        </>
      ) : (
        <>
          <span className="lib-dot" data-status={row.status} title={STATUS_LABELS[row.status]} aria-hidden />
          <span id={`${id}-name`} className="lib-name">
            {row.label}
          </span>{' '}
          <span id={`${id}-detail`} className="lib-detail" title={row.detail}>
            {row.detail}
          </span>{' '}
          {row.tags.length > 0 && (
            <span id={`${id}-tags`} className="lib-tags">
              {/* Spaces between the chips, so their text reads (and names the row) as words. */}
              {row.tags.slice(0, MAX_TAGS).map((tag) => (
                <span key={tag} className="lib-tag">
                  {tag}{' '}
                </span>
              ))}
              {row.tags.length > MAX_TAGS && <span className="lib-tag more">+{row.tags.length - MAX_TAGS}</span>}
            </span>
          )}
          <span id={`${id}-desc`} className="sr-only">
            {[statusStale ? `${STATUS_LABELS[row.status]} when last heard from (backend unreachable)` : STATUS_LABELS[row.status], row.tags.length > MAX_TAGS ? `tags ${row.tags.join(', ')}` : ''].filter(Boolean).join('; ')}
          </span>
          <span className="lib-actions" onClick={stop} onDoubleClick={stop}>
            <button type="button" tabIndex={-1} className="lib-action" aria-label={`Connect ${row.label}`} title="Connect (Enter)" onClick={() => onConnect(row)}>
              <Play size={14} aria-hidden />
            </button>
            <button type="button" tabIndex={-1} className="lib-action" aria-label={`Edit ${row.label}`} title="Edit (F2)" onClick={() => onEdit(row)}>
              <Pencil size={14} aria-hidden />
            </button>
            <button
              type="button"
              tabIndex={-1}
              className="lib-action"
              aria-label={`More actions for ${row.label}`}
              title="More…"
              aria-haspopup="menu"
              aria-expanded={menuOpen}
              onClick={(e) => onMore(index, e.currentTarget)}
            >
              <Ellipsis size={14} aria-hidden />
            </button>
          </span>
        </>
      )}
    </div>
  );
});
