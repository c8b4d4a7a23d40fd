/**
 * The files views (issue 16): one per circuit, each with the folder it shows, the entries read so
 * far, and how the user sorts, filters and selects them. A folder is read in pages
 * (openDir, readDir until done) and the rows appear as pages arrive: the first page at once, the
 * rest batched a few times a second, so a folder of 100,000 entries neither waits nor re-sorts a
 * thousand times. A listing that is no longer wanted (the user went elsewhere, the view closed)
 * is closed on the main side.
 *
 * With Follow terminal on, a view goes wherever a shell of its circuit moves (OSC 7, reported by the
 * terminals store), without touching the keyboard focus.
 *
 * Operations (mkdir, rename, remove, chmod) reject with the service's typed error; the view says
 * it with ErrorMessage, naming the hop when a hop was lost.
 */
import { create } from 'zustand';
import type { RemoteEntry } from '../../shared/model/remoteFile';
import { filesApi } from './filesApi';
import { DEFAULT_SORT, EMPTY_SELECTION, joinPath, parentPath, pruneSelection, type Selection, type SortOrder } from './filesLogic';
import { latestCwdOf, type ShellCwdReport } from './shellCwdLogic';
import { useTerminalsStore } from './useTerminalsStore';
import { useTransfersStore } from './useTransfersStore';

export interface FilesView {
  circuitId: string;
  /** The canonical folder shown; null until the first listing opened. */
  path: string | null;
  home: string | null;
  /** Entries as the server sent them (the view sorts and filters: filesLogic.visibleRows). */
  entries: readonly RemoteEntry[];
  loading: boolean;
  /** Why the listing stopped early (an entry cap or time bound on the main side). */
  truncated: string | null;
  /** Entries the server sent that were dropped as unusable. */
  dropped: number;
  /** Why the last navigation or listing failed; the last good listing stays shown. */
  error: unknown;
  sort: SortOrder;
  filter: string;
  showHidden: boolean;
  selection: Selection;
  /** Changes when a different folder starts showing (the list scrolls back to its top). */
  shown: number;
  /**
   * Follow terminal: the view goes wherever a shell of its circuit moves (OSC 7). Off until the
   * user turns it on; each view has its own.
   */
  follow: boolean;
  /** The last shell move (ShellCwdReport.seq) the view went to, so each move is followed once. */
  followedSeq: number;
}

interface FilesState {
  views: Readonly<Record<string, FilesView>>;
  /**
   * Makes the circuit's view (if new) and lists its home folder, or `at` (a view brought back
   * after a reload): if that folder cannot be listed any more, home, with the reason shown.
   */
  open(circuitId: string, at?: string): void;
  /** The view closed: stop its listing and forget it. */
  close(circuitId: string): void;
  navigate(circuitId: string, path: string): Promise<void>;
  refresh(circuitId: string): Promise<void>;
  up(circuitId: string): Promise<void>;
  goHome(circuitId: string): Promise<void>;
  setSort(circuitId: string, sort: SortOrder): void;
  setFilter(circuitId: string, filter: string): void;
  setShowHidden(circuitId: string, showHidden: boolean): void;
  setSelection(circuitId: string, selection: Selection): void;
  /** Turns Follow terminal on (going at once to where the circuit's shell last moved) or off. */
  setFollow(circuitId: string, follow: boolean): void;
  clearError(circuitId: string): void;
  mkdir(circuitId: string, name: string): Promise<void>;
  rename(circuitId: string, from: string, to: string): Promise<void>;
  remove(circuitId: string, names: readonly string[], recursive: boolean): Promise<void>;
  chmod(circuitId: string, name: string, mode: number): Promise<void>;
}

/** How often rows of a folder still being read are committed (after the first page, at once). */
export const FLUSH_MS = 120;

/** A listing in progress: what it has read and not yet committed. Never rendered. */
interface Listing {
  gen: number;
  dirId: string | null;
  buffer: RemoteEntry[];
  timer: ReturnType<typeof setTimeout> | undefined;
}

/** Per circuit: the listing under way. Outside zustand because no view renders it. */
const listings = new Map<string, Listing>();
let generation = 0;

function newView(circuitId: string): FilesView {
  return {
    circuitId,
    path: null,
    home: null,
    entries: [],
    loading: false,
    truncated: null,
    dropped: 0,
    error: null,
    sort: DEFAULT_SORT,
    filter: '',
    showHidden: false,
    selection: EMPTY_SELECTION,
    shown: 0,
    follow: false,
    followedSeq: 0,
  };
}

/** Where the circuit's shells last moved (the terminals store), or null when none said. */
export function shellCwdOf(circuitId: string): ShellCwdReport | null {
  const { tabs, cwds } = useTerminalsStore.getState();
  return latestCwdOf({ tabs }, cwds, circuitId);
}

/** A following view goes to its circuit's latest shell move, once per move. */
function followShell(circuitId: string): void {
  const v = view(circuitId);
  const cwd = shellCwdOf(circuitId);
  if (!v?.follow || !cwd || cwd.seq <= v.followedSeq) return;
  patch(circuitId, { followedSeq: cwd.seq });
  // A folder the shell can enter but SFTP cannot list shows its error; the last listing stays.
  void list(circuitId, cwd.path);
}

function view(circuitId: string): FilesView | undefined {
  return useFilesStore.getState().views[circuitId];
}

function patch(circuitId: string, change: Partial<FilesView> | ((v: FilesView) => Partial<FilesView>)): void {
  useFilesStore.setState((s) => {
    const v = s.views[circuitId];
    if (!v) return {};
    const next = typeof change === 'function' ? change(v) : change;
    return { views: { ...s.views, [circuitId]: { ...v, ...next } } };
  });
}

/** Ends the circuit's listing under way (if any): its pages are no longer wanted. */
function stopListing(circuitId: string): void {
  const listing = listings.get(circuitId);
  if (!listing) return;
  listings.delete(circuitId);
  clearTimeout(listing.timer);
  if (listing.dirId) void filesApi().closeDir(listing.dirId).catch(() => undefined);
}

function current(circuitId: string, gen: number): boolean {
  return listings.get(circuitId)?.gen === gen;
}

/**
 * Lists `path`. A new folder clears the rows and streams in; the same folder again (Refresh)
 * keeps the old rows until the new listing is whole, so nothing jumps.
 */
async function list(circuitId: string, path: string): Promise<void> {
  stopListing(circuitId);
  const gen = ++generation;
  const listing: Listing = { gen, dirId: null, buffer: [], timer: undefined };
  listings.set(circuitId, listing);
  patch(circuitId, { loading: true });
  const api = filesApi();
  let opened: { dirId: string; path: string };
  try {
    opened = await api.openDir(circuitId, path);
  } catch (error) {
    if (current(circuitId, gen)) {
      listings.delete(circuitId);
      patch(circuitId, { loading: false, error });
    }
    return;
  }
  if (!current(circuitId, gen)) {
    void api.closeDir(opened.dirId).catch(() => undefined);
    return;
  }
  listing.dirId = opened.dirId;
  const sameFolder = view(circuitId)?.path === opened.path;
  if (!sameFolder) {
    patch(circuitId, (v) => ({ path: opened.path, entries: [], truncated: null, dropped: 0, error: null, selection: EMPTY_SELECTION, shown: v.shown + 1 }));
  }
  let committed = 0;
  let dropped = 0;
  const flush = (): void => {
    clearTimeout(listing.timer);
    listing.timer = undefined;
    if (!current(circuitId, gen) || listing.buffer.length === 0) return;
    const batch = listing.buffer;
    listing.buffer = [];
    committed += batch.length;
    patch(circuitId, (v) => ({ entries: [...v.entries, ...batch] }));
  };
  try {
    for (;;) {
      const page = await api.readDir(opened.dirId);
      if (!current(circuitId, gen)) return;
      dropped += page.dropped ?? 0;
      if (sameFolder) {
        listing.buffer.push(...page.entries);
      } else {
        listing.buffer.push(...page.entries);
        if (committed === 0) flush();
        // A big folder re-sorts less often while it streams in (each commit sorts every row).
        else listing.timer ??= setTimeout(flush, committed < 5000 ? FLUSH_MS : FLUSH_MS * 4);
      }
      if (page.done) {
        listings.delete(circuitId);
        clearTimeout(listing.timer);
        if (sameFolder) {
          const entries = listing.buffer;
          patch(circuitId, (v) => ({ entries, loading: false, truncated: page.truncated ?? null, dropped, error: null, selection: pruneSelection(v.selection, entries) }));
        } else {
          const rest = listing.buffer;
          patch(circuitId, (v) => ({ entries: rest.length > 0 ? [...v.entries, ...rest] : v.entries, loading: false, truncated: page.truncated ?? null, dropped }));
        }
        return;
      }
    }
  } catch (error) {
    if (!current(circuitId, gen)) return;
    if (!sameFolder) flush();
    listings.delete(circuitId);
    // The main side closes a listing that failed; closing again is a harmless no-op.
    void api.closeDir(opened.dirId).catch(() => undefined);
    patch(circuitId, { loading: false, error });
  }
}

async function ensureHome(circuitId: string): Promise<string> {
  const known = view(circuitId)?.home;
  if (known) return known;
  const home = await filesApi().home(circuitId);
  patch(circuitId, { home });
  return home;
}

export const useFilesStore = create<FilesState>((set, get) => ({
  views: {},
  open(circuitId, at) {
    if (get().views[circuitId]) return;
    set((s) => ({ views: { ...s.views, [circuitId]: newView(circuitId) } }));
    if (at === undefined) {
      void get().goHome(circuitId);
      return;
    }
    void list(circuitId, at).then(async () => {
      const v = view(circuitId);
      // Listed, or the user went elsewhere meanwhile: nothing to fall back from.
      if (!v || v.path !== null || listings.has(circuitId)) return;
      const why = v.error;
      await get().goHome(circuitId);
      // Home's listing clears the error; the user still learns why the folder did not come back.
      if (view(circuitId)?.error === null) patch(circuitId, { error: why });
    });
  },
  close(circuitId) {
    stopListing(circuitId);
    set((s) => {
      if (!s.views[circuitId]) return {};
      const views = { ...s.views };
      delete views[circuitId];
      return { views };
    });
  },
  async navigate(circuitId, path) {
    if (!view(circuitId)) return;
    await list(circuitId, path);
  },
  async refresh(circuitId) {
    const v = view(circuitId);
    if (!v) return;
    if (v.path === null) return get().goHome(circuitId);
    await list(circuitId, v.path);
  },
  async up(circuitId) {
    const path = view(circuitId)?.path;
    if (!path || path === '/') return;
    await list(circuitId, parentPath(path));
  },
  async goHome(circuitId) {
    if (!view(circuitId)) return;
    patch(circuitId, { loading: true });
    let home: string;
    try {
      home = await ensureHome(circuitId);
    } catch (error) {
      patch(circuitId, { loading: false, error });
      return;
    }
    await list(circuitId, home);
  },
  setSort(circuitId, sort) {
    patch(circuitId, { sort });
  },
  setFilter(circuitId, filter) {
    patch(circuitId, { filter });
  },
  setShowHidden(circuitId, showHidden) {
    patch(circuitId, { showHidden });
  },
  setSelection(circuitId, selection) {
    patch(circuitId, { selection });
  },
  setFollow(circuitId, follow) {
    // Turned on: the move the shell made before counts as new, so the view goes there now.
    patch(circuitId, { follow, followedSeq: 0 });
    if (follow) followShell(circuitId);
  },
  clearError(circuitId) {
    patch(circuitId, { error: null });
  },
  async mkdir(circuitId, name) {
    const dir = view(circuitId)?.path;
    if (!dir) return;
    await filesApi().mkdir(circuitId, joinPath(dir, name));
    await get().refresh(circuitId);
    patch(circuitId, (v) => (v.entries.some((e) => e.name === name) ? { selection: { names: new Set([name]), cursor: name, anchor: name } } : {}));
  },
  async rename(circuitId, from, to) {
    const dir = view(circuitId)?.path;
    if (!dir) return;
    await filesApi().rename(circuitId, joinPath(dir, from), joinPath(dir, to));
    await get().refresh(circuitId);
    patch(circuitId, (v) => (v.entries.some((e) => e.name === to) ? { selection: { names: new Set([to]), cursor: to, anchor: to } } : {}));
  },
  async remove(circuitId, names, recursive) {
    const dir = view(circuitId)?.path;
    if (!dir) return;
    try {
      for (const name of names) await filesApi().remove(circuitId, joinPath(dir, name), recursive ? { recursive: true } : undefined);
    } finally {
      // What went before a failure is gone: the listing says so either way.
      await get().refresh(circuitId);
    }
  },
  async chmod(circuitId, name, mode) {
    const dir = view(circuitId)?.path;
    if (!dir) return;
    await filesApi().chmod(circuitId, joinPath(dir, name), mode);
    await get().refresh(circuitId);
  },
}));

/**
 * Feeds the files views from the transfer queue (startStores): an upload that finishes refreshes
 * the view of its circuit, so the new file shows without a manual Refresh.
 */
export function startFilesStore(): () => void {
  const stop = useTransfersStore.subscribe((s, prev) => {
    if (s.byId === prev.byId) return;
    const circuits = new Set<string>();
    for (const id of s.order) {
      const t = s.byId[id]!;
      if (t.direction === 'upload' && t.state === 'done' && prev.byId[id]?.state !== 'done') circuits.add(t.circuitId);
    }
    for (const circuitId of circuits) if (view(circuitId)) void useFilesStore.getState().refresh(circuitId);
  });
  // Follow terminal: a shell of the circuit moved (or a view turned following on meanwhile).
  const stopFollowing = useTerminalsStore.subscribe((s, prev) => {
    if (s.cwds === prev.cwds && s.tabs === prev.tabs) return;
    for (const v of Object.values(useFilesStore.getState().views)) if (v.follow) followShell(v.circuitId);
  });
  return () => {
    stop();
    stopFollowing();
    for (const circuitId of [...listings.keys()]) stopListing(circuitId);
  };
}
