import { defaultRangeExtractor, useVirtualizer, type Range } from '@tanstack/react-virtual';
import { FileInput, Plus, Route, Search } from 'lucide-react';
import { useCallback, useEffect, useId, useLayoutEffect, useMemo, useRef, useState, type KeyboardEvent, type Ref } from 'react';
import { HoplineError } from '../../../shared/model/errors';
import type { HostSummary } from '../../../shared/model/host';
import type { ProfileSummary } from '../../../shared/model/profile';
import { toPlainText } from '../../../shared/model/plainText';
import { profilesUsingHost, replacementCandidates } from '../../stores/hostsLogic';
import { buildLibraryRows, firstItemIndex, isGroupRow, isItemRow, parentIndex, type LibraryItemRow, type LibraryRow } from '../../stores/libraryLogic';
import { formatChord, isMac } from '../../stores/shortcuts';
import { useAppStore } from '../../stores/useAppStore';
import { useCircuitsStore } from '../../stores/useCircuitsStore';
import { useForwardsStore } from '../../stores/useForwardsStore';
import { useHostsStore } from '../../stores/useHostsStore';
import { useProfilesStore } from '../../stores/useProfilesStore';
import { HostInUseConfirm } from './HostInUseConfirm';
import { LibraryRowView, ROW_HEIGHT } from './LibraryRow';
import './library.css';

export interface LibrarySidebarProps {
  onConnectProfile(profile: ProfileSummary): void;
  onConnectHost(host: HostSummary): void;
  onEditProfile(profile: ProfileSummary): void;
  onEditHost(host: HostSummary): void;
  onDeleteProfile(profile: ProfileSummary): Promise<void>;
  /** With `replaceWith`, that host takes the deleted one's place in every circuit that uses it. */
  onDeleteHost(host: HostSummary, replaceWith?: string): Promise<void>;
  onAddHost(): void;
  onImport(): void;
  onNewCircuit(): void;
  /** The search box, for a "focus the library" shortcut. */
  searchRef?: Ref<HTMLInputElement>;
}

export const COLLAPSED_STORAGE_KEY = 'hopline.library.collapsed';

function loadCollapsed(): Set<string> {
  try {
    const saved: unknown = JSON.parse(globalThis.localStorage?.getItem(COLLAPSED_STORAGE_KEY) ?? '[]');
    return new Set(Array.isArray(saved) ? saved.filter((k): k is string => typeof k === 'string') : []);
  } catch {
    return new Set();
  }
}

function saveCollapsed(collapsed: ReadonlySet<string>): void {
  try {
    globalThis.localStorage?.setItem(COLLAPSED_STORAGE_KEY, JSON.stringify([...collapsed]));
  } catch {
    // Storage full or disabled: the state lasts for this window only.
  }
}

function setRef<T>(ref: Ref<T> | undefined, value: T | null): void {
  if (typeof ref === 'function') ref(value);
  else if (ref) (ref as { current: T | null }).current = value;
}

/** Why a delete was refused, in words: the main side's message (e.g. "used by 2 profiles"), without its code. */
function plainReason(error: unknown): string {
  return error instanceof HoplineError ? toPlainText(error.message) : 'something went wrong on our side.';
}

type Target = { kind: 'profile'; profile: ProfileSummary } | { kind: 'host'; host: HostSummary };

function targetOf(row: LibraryItemRow): Target {
  return row.kind === 'profile' ? { kind: 'profile', profile: row.profile } : { kind: 'host', host: row.host };
}

function targetName(target: Target): string {
  return target.kind === 'profile' ? target.profile.name : target.host.name;
}

interface MenuState {
  index: number;
  key: string;
  top: number;
  right: number;
}

/**
 * The sidebar library: saved circuits and hosts in one virtualized tree with folders, live
 * status, search over every hop, and a keyboard model of one tab stop (an ARIA tree).
 */
export function LibrarySidebar(props: LibrarySidebarProps) {
  const { onConnectProfile, onConnectHost, onEditProfile, onEditHost, onDeleteProfile, onDeleteHost, onAddHost, onImport, onNewCircuit, searchRef } = props;
  const baseId = useId();
  const treeId = `${baseId}-tree`;
  const profiles = useProfilesStore((s) => s.profiles);
  const profilesLoaded = useProfilesStore((s) => s.loaded);
  const profilesError = useProfilesStore((s) => s.error);
  const hosts = useHostsStore((s) => s.hosts);
  const hostsLoaded = useHostsStore((s) => s.loaded);
  const hostsError = useHostsStore((s) => s.error);
  const circuits = useCircuitsStore((s) => s.circuits);
  const forwarding = useForwardsStore((s) => s.listening);

  const [query, setQuery] = useState('');
  const [collapsed, setCollapsed] = useState<Set<string>>(loadCollapsed);
  const [activeKey, setActiveKey] = useState<string | null>(null);
  const [confirming, setConfirming] = useState<Target | null>(null);
  const [deleting, setDeleting] = useState(false);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const [menu, setMenu] = useState<MenuState | null>(null);

  const inputRef = useRef<HTMLInputElement | null>(null);
  const scrollRef = useRef<HTMLDivElement | null>(null);
  const treeRef = useRef<HTMLDivElement | null>(null);
  const menuRef = useRef<HTMLDivElement | null>(null);
  const cancelRef = useRef<HTMLButtonElement | null>(null);
  const lastIndex = useRef(0);
  const focusPending = useRef(false);

  const rows = useMemo(() => buildLibraryRows({ profiles, hosts, circuits, forwarding, query, collapsed }), [profiles, hosts, circuits, forwarding, query, collapsed]);

  // The active row: the one with the remembered key, else (it went away) the row now at its
  // place, else while searching the first match.
  let activeIndex = activeKey === null ? -1 : rows.findIndex((r) => r.key === activeKey);
  if (activeIndex < 0) activeIndex = query.trim() && activeKey === null ? Math.max(firstItemIndex(rows), 0) : Math.min(lastIndex.current, rows.length - 1);
  if (rows.length === 0) activeIndex = -1;
  useEffect(() => {
    if (activeIndex >= 0) lastIndex.current = activeIndex;
  });

  const rangeExtractor = useCallback(
    (range: Range) => {
      const base = defaultRangeExtractor(range);
      // The focused row stays mounted when scrolled away, so focus is never lost to virtualization.
      return activeIndex >= 0 && activeIndex < range.count && !base.includes(activeIndex) ? [...base, activeIndex].sort((a, b) => a - b) : base;
    },
    [activeIndex],
  );

  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    getItemKey: (i) => rows[i]?.key ?? i,
    overscan: 8,
    initialRect: { width: 280, height: 600 },
    rangeExtractor,
  });

  useLayoutEffect(() => {
    if (!focusPending.current || activeIndex < 0) return;
    focusPending.current = false;
    treeRef.current?.querySelector<HTMLElement>(`[data-index="${activeIndex}"]`)?.focus({ preventScroll: true });
  });

  const focusRow = useCallback(
    (index: number) => {
      const row = rows[index];
      if (!row) return;
      setActiveKey(row.key);
      lastIndex.current = index;
      focusPending.current = true;
      virtualizer.scrollToIndex(index, { align: 'auto' });
    },
    [rows, virtualizer],
  );

  const setExpanded = useCallback((row: LibraryRow, expanded: boolean) => {
    setCollapsed((old) => {
      if (old.has(row.key) === !expanded) return old;
      const next = new Set(old);
      if (expanded) next.delete(row.key);
      else next.add(row.key);
      saveCollapsed(next);
      return next;
    });
  }, []);

  const connect = useCallback((row: LibraryItemRow) => (row.kind === 'profile' ? onConnectProfile(row.profile) : onConnectHost(row.host)), [onConnectProfile, onConnectHost]);
  const edit = useCallback((row: LibraryItemRow) => (row.kind === 'profile' ? onEditProfile(row.profile) : onEditHost(row.host)), [onEditProfile, onEditHost]);

  const onToggle = useCallback(
    (index: number) => {
      const row = rows[index];
      if (!isGroupRow(row)) return;
      // While searching every folder shows expanded; collapsing one would do nothing visible.
      if (!query.trim()) setExpanded(row, !row.expanded);
      focusRow(index);
    },
    [rows, query, setExpanded, focusRow],
  );

  const openMenu = useCallback(
    (index: number, anchor: HTMLElement) => {
      const row = rows[index];
      if (!row) return;
      const rect = anchor.getBoundingClientRect();
      setActiveKey(row.key);
      setMenu({ index, key: row.key, top: rect.bottom + 2, right: Math.max(window.innerWidth - rect.right, 4) });
    },
    [rows],
  );

  const closeMenu = useCallback(
    (refocus: boolean) => {
      setMenu(null);
      if (refocus && activeIndex >= 0) focusRow(activeIndex);
    },
    [activeIndex, focusRow],
  );

  useEffect(() => {
    if (!menu) return;
    menuRef.current?.querySelector<HTMLElement>('[role="menuitem"]')?.focus();
    const onPointer = (event: PointerEvent | MouseEvent) => {
      if (!menuRef.current?.contains(event.target as Node)) setMenu(null);
    };
    document.addEventListener('mousedown', onPointer);
    return () => document.removeEventListener('mousedown', onPointer);
  }, [menu]);

  // The safe choice has the focus when the question appears.
  useEffect(() => {
    if (confirming) cancelRef.current?.focus();
  }, [confirming]);

  const onSearchRef = useCallback(
    (el: HTMLInputElement | null) => {
      inputRef.current = el;
      setRef(searchRef, el);
    },
    [searchRef],
  );

  function askDelete(row: LibraryItemRow) {
    setMenu(null);
    setMessage(null);
    setConfirming(targetOf(row));
  }

  async function confirmDelete(replaceWith?: string) {
    if (!confirming) return;
    const target = confirming;
    const users = target.kind === 'host' ? profilesUsingHost(target.host.id, profiles).length : 0;
    const replacement = hosts.find((h) => h.id === replaceWith)?.name;
    setDeleting(true);
    try {
      if (target.kind === 'profile') await onDeleteProfile(target.profile);
      else if (replaceWith !== undefined) await onDeleteHost(target.host, replaceWith);
      else await onDeleteHost(target.host);
      const took = replacement !== undefined ? ` “${replacement}” took its place in ${users === 1 ? '1 circuit' : `${users} circuits`}.` : '';
      setMessage({ ok: true, text: `Deleted “${targetName(target)}”.${took}` });
      // The row is gone: the focus goes to the row that takes its place.
      setActiveKey(null);
      focusPending.current = true;
    } catch (error) {
      setMessage({ ok: false, text: `Could not delete “${targetName(target)}”: ${plainReason(error)}` });
      if (activeIndex >= 0) focusRow(activeIndex);
    } finally {
      setDeleting(false);
      setConfirming(null);
    }
  }

  function cancelDelete() {
    setConfirming(null);
    if (activeIndex >= 0) focusRow(activeIndex);
  }

  function onTreeKeyDown(event: KeyboardEvent<HTMLDivElement>) {
    const target = event.target as HTMLElement;
    if (target.getAttribute('role') !== 'treeitem') return;
    const index = Number(target.dataset.index);
    const row = rows[index];
    if (!row) return;
    const plain = !event.ctrlKey && !event.metaKey && !event.altKey;
    let handled = true;
    switch (event.key) {
      case 'ArrowDown':
        focusRow(Math.min(index + 1, rows.length - 1));
        break;
      case 'ArrowUp':
        focusRow(Math.max(index - 1, 0));
        break;
      case 'Home':
        focusRow(0);
        break;
      case 'End':
        focusRow(rows.length - 1);
        break;
      case 'ArrowRight':
        if (isGroupRow(row)) {
          if (!row.expanded) setExpanded(row, true);
          else if ((rows[index + 1]?.depth ?? 0) > row.depth) focusRow(index + 1);
        }
        break;
      case 'ArrowLeft':
        if (isGroupRow(row) && row.expanded && !query.trim()) setExpanded(row, false);
        else if (parentIndex(rows, index) >= 0) focusRow(parentIndex(rows, index));
        break;
      case 'Enter':
        if (isItemRow(row)) connect(row);
        else onToggle(index);
        break;
      case ' ':
        if (isGroupRow(row)) onToggle(index);
        else handled = false;
        break;
      case 'F2':
        if (isItemRow(row)) edit(row);
        break;
      case 'Delete':
        if (isItemRow(row)) askDelete(row);
        break;
      case 'ContextMenu':
        if (isItemRow(row)) openMenu(index, target);
        break;
      case 'F10':
        if (event.shiftKey && isItemRow(row)) openMenu(index, target);
        else handled = false;
        break;
      case 'Escape':
        if (query) {
          setQuery('');
          setActiveKey(row.key);
        } else handled = false;
        break;
      default:
        if (plain && (event.key === 'e' || event.key === 'E') && isItemRow(row)) edit(row);
        else if (plain && event.key.length === 1 && event.key !== ' ') {
          // Type to search: the letter goes to the search box, which keeps the focus.
          setQuery((q) => q + event.key);
          setActiveKey(null);
          inputRef.current?.focus();
        } else handled = false;
    }
    if (handled) event.preventDefault();
  }

  function onSearchKeyDown(event: KeyboardEvent<HTMLInputElement>) {
    if (event.key === 'Enter') {
      event.preventDefault();
      const row = isItemRow(rows[activeIndex]) ? rows[activeIndex] : rows[firstItemIndex(rows)];
      if (isItemRow(row)) connect(row);
    } else if (event.key === 'ArrowDown') {
      event.preventDefault();
      if (activeIndex >= 0) focusRow(activeIndex);
    } else if (event.key === 'Escape' && query) {
      event.preventDefault();
      setQuery('');
      setActiveKey(null);
    }
  }

  const empty = hostsLoaded && profilesLoaded && hosts.length === 0 && profiles.length === 0;
  const loadError = profilesError ?? hostsError;
  const menuRow = menu ? rows.find((r) => r.key === menu.key) : undefined;
  const quickConnect = formatChord('Mod+K', isMac());
  // The live dots are the backend's last word: dimmed while it is unreachable, so none claims "connected".
  const backendDown = useAppStore((s) => s.backendDown);

  return (
    <nav className={`library-sidebar${backendDown ? ' lib-backend-down' : ''}`} aria-label="Library">
      <div className="lib-head">
        <h2 className="lib-title">Library</h2>
        <button type="button" className="lib-icon-button" aria-label="Add host" title="Add host" onClick={onAddHost}>
          <Plus size={16} aria-hidden />
        </button>
        <button type="button" className="lib-icon-button" aria-label="Import ssh_config" title="Import ssh_config" onClick={onImport}>
          <FileInput size={16} aria-hidden />
        </button>
        <button type="button" className="lib-icon-button" aria-label="New circuit" title="New circuit" onClick={onNewCircuit}>
          <Route size={16} aria-hidden />
        </button>
      </div>

      {loadError && (
        <p role="alert" className="lib-message error">
          {loadError}
        </p>
      )}

      {empty ? (
        <div className="lib-empty">
          <p>Your library is empty.</p>
          <p className="muted">
            Import the hosts of your <code>~/.ssh/config</code>, add a host by hand, or quick-connect to <code>user@host</code> with <kbd>{quickConnect}</kbd>.
          </p>
          <div className="lib-empty-actions">
            <button type="button" onClick={onImport}>
              <FileInput size={16} aria-hidden /> Import ssh_config
            </button>
            <button type="button" className="secondary" onClick={onAddHost}>
              <Plus size={16} aria-hidden /> Add host
            </button>
          </div>
        </div>
      ) : (
        <>
          <div className="lib-search">
            <Search className="lib-search-icon" size={14} aria-hidden />
            <input
              ref={onSearchRef}
              type="search"
              aria-label="Search library"
              aria-describedby={`${baseId}-search-hint`}
              aria-controls={rows.length > 0 ? treeId : undefined}
              placeholder="Search name, address, tag…"
              value={query}
              onChange={(e) => {
                setQuery(e.target.value);
                setActiveKey(null);
              }}
              onKeyDown={onSearchKeyDown}
            />
            <span id={`${baseId}-search-hint`} className="sr-only">
              Enter connects the first match; Down arrow moves to the list.
            </span>
          </div>

          {confirming && (
            <div className="lib-confirm" role="alertdialog" aria-labelledby={`${baseId}-confirm`} onKeyDown={(e) => e.key === 'Escape' && cancelDelete()}>
              {confirming.kind === 'host' && profilesUsingHost(confirming.host.id, profiles).length > 0 ? (
                // Used by circuits: say which before anything happens, and offer a replacement.
                <HostInUseConfirm
                  host={confirming.host}
                  users={profilesUsingHost(confirming.host.id, profiles)}
                  candidates={replacementCandidates(confirming.host.id, hosts, profiles)}
                  busy={deleting}
                  titleId={`${baseId}-confirm`}
                  cancelRef={cancelRef}
                  onReplace={(replaceWith) => void confirmDelete(replaceWith)}
                  onCancel={cancelDelete}
                />
              ) : (
                <>
                  <p id={`${baseId}-confirm`}>
                    Delete {confirming.kind === 'profile' ? 'circuit' : 'host'} “{targetName(confirming)}”?
                    {confirming.kind === 'host' && ' Its saved secrets go too.'}
                  </p>
                  <div className="lib-confirm-actions">
                    <button type="button" className="danger small" disabled={deleting} onClick={() => void confirmDelete()}>
                      Delete
                    </button>
                    <button type="button" className="secondary small" disabled={deleting} ref={cancelRef} onClick={cancelDelete}>
                      Cancel
                    </button>
                  </div>
                </>
              )}
            </div>
          )}

          <div role="status" className="lib-message-slot">
            {message?.ok && <p className="lib-message">{message.text}</p>}
          </div>
          {message && !message.ok && (
            <p role="alert" className="lib-message error">
              {message.text}
              <button type="button" className="lib-dismiss secondary small" onClick={() => setMessage(null)}>
                Dismiss
              </button>
            </p>
          )}

          {rows.length === 0 ? (
            <p className="lib-no-match muted">No circuit or host matches “{query.trim()}”.</p>
          ) : (
            <div className="lib-scroll" ref={scrollRef} onScroll={menu ? () => setMenu(null) : undefined}>
              <div
                ref={treeRef}
                id={treeId}
                role="tree"
                aria-label="Circuits and hosts"
                className="lib-tree"
                style={{ height: virtualizer.getTotalSize() }}
                onKeyDown={onTreeKeyDown}
              >
                {virtualizer.getVirtualItems().map((item) => {
                  const row = rows[item.index];
                  if (!row) return null;
                  return (
                    <LibraryRowView
                      key={row.key}
                      row={row}
                      index={item.index}
                      treeId={treeId}
                      start={item.start}
                      active={item.index === activeIndex}
                      menuOpen={menu?.key === row.key}
                      onActivate={focusRow}
                      onToggle={onToggle}
                      onConnect={connect}
                      onEdit={edit}
                      onMore={openMenu}
                      statusStale={backendDown}
                    />
                  );
                })}
              </div>
            </div>
          )}
        </>
      )}

      {menu && isItemRow(menuRow) && (
        <div
          ref={menuRef}
          className="lib-menu"
          role="menu"
          aria-label={`Actions for ${menuRow.label}`}
          style={{ top: menu.top, right: menu.right }}
          onKeyDown={(e) => {
            const items = [...(menuRef.current?.querySelectorAll<HTMLElement>('[role="menuitem"]') ?? [])];
            const at = items.indexOf(document.activeElement as HTMLElement);
            if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
              e.preventDefault();
              items[(at + (e.key === 'ArrowDown' ? 1 : items.length - 1)) % items.length]?.focus();
            } else if (e.key === 'Home' || e.key === 'End') {
              e.preventDefault();
              items[e.key === 'Home' ? 0 : items.length - 1]?.focus();
            } else if (e.key === 'Escape') {
              e.preventDefault();
              closeMenu(true);
            } else if (e.key === 'Tab') {
              closeMenu(false);
            }
          }}
        >
          <button type="button" role="menuitem" tabIndex={-1} onClick={() => {
              closeMenu(true);
              connect(menuRow);
            }}>
            Connect
          </button>
          <button type="button" role="menuitem" tabIndex={-1} onClick={() => {
              closeMenu(false);
              edit(menuRow);
            }}>
            Edit…
          </button>
          <button type="button" role="menuitem" tabIndex={-1} className="danger-item" onClick={() => askDelete(menuRow)}>
            Delete…
          </button>
        </div>
      )}
    </nav>
  );
}
