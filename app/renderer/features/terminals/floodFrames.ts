/**
 * Fewer frames during a flood, as iTerm2's adaptive frame rate does. xterm's DOM renderer
 * rebuilds every row it redraws once per animation frame; in a `cat` every row scrolls, so each
 * frame costs the same however few bytes it shows, and at 60 frames a second that is about half
 * of the page's main thread (a CPU profile of the 64 MiB bench cat: 450 ms of every second in
 * style, layout and paint). While more than FLOOD_BYTES arrive between two frames, frames are
 * spaced FLOOD_FRAME_MS apart instead, and the time goes to parsing. Typing, an echo or a prompt
 * write far less than that, so they still draw on the next frame; and for a moment after a
 * keystroke every frame is drawn, flood or not.
 *
 * Every scroll also asks xterm's selection service to redraw the selection on the next frame,
 * and the DOM renderer answers that by redrawing every row a second time, selection or not (in
 * the same profile, 290 ms of the page's 5 s). That path ignores xterm's render pause, so a
 * terminal in a hidden tab, catching up in the background, rebuilt its rows on every scroll
 * too. A redraw from no selection to no selection changes nothing on screen, so it is skipped.
 *
 * xterm has no public knob for either: they are reached through its private fields. If a version
 * of xterm moves them, this does nothing (and a unit test says so) rather than break the terminal.
 */
import type { IDisposable, Terminal } from '@xterm/xterm';

/** Bytes written between two frames that make a flood (60 frames a second of this is ~1 MiB/s). */
export const FLOOD_BYTES = 16 * 1024;
/** The spacing of frames during a flood: 20 a second, still plainly moving. */
export const FLOOD_FRAME_MS = 50;
/**
 * After a keystroke, every frame is drawn for this long: the user is watching for its effect
 * (Ctrl-C on a flood should look quiet as soon as the output stops, not a spaced frame later).
 */
export const INPUT_GRACE_MS = 1000;

interface RenderDebouncer {
  _innerRefresh(): void;
  _animationFrame: number | undefined;
}

type Cell = [number, number] | undefined;

interface SelectionService {
  _refresh(): void;
  _refreshAnimationFrame: number | undefined;
  _model: { finalSelectionStart: Cell; finalSelectionEnd: Cell };
}

interface Core {
  _renderService?: { _renderDebouncer?: Partial<RenderDebouncer> };
  _selectionService?: Partial<SelectionService>;
}

function internalsOf(term: Terminal): { debouncer: RenderDebouncer; selection: SelectionService } | null {
  const core = (term as unknown as { _core?: Core })._core;
  const debouncer = core?._renderService?._renderDebouncer;
  const selection = core?._selectionService;
  if (typeof debouncer?._innerRefresh !== 'function' || typeof selection?._refresh !== 'function' || typeof selection._model !== 'object') return null;
  return { debouncer: debouncer as RenderDebouncer, selection: selection as SelectionService };
}

/** Drops the selection service's redraws from no selection to no selection. */
function skipEmptySelectionRedraws(selection: SelectionService): void {
  const redraw = selection._refresh.bind(selection);
  let shown = false; // a terminal starts with nothing selected
  selection._refresh = () => {
    // As xterm's hasSelection: a click leaves start and end on the same cell, which draws nothing.
    const start = selection._model.finalSelectionStart;
    const end = selection._model.finalSelectionEnd;
    const none = !start || !end || (start[0] === end[0] && start[1] === end[1]);
    if (none && !shown) {
      // As the redraw would: the frame has run, so the next refresh() may ask for another.
      selection._refreshAnimationFrame = undefined;
      return;
    }
    shown = !none;
    redraw();
  };
}

/**
 * Spaces `term`'s frames while it floods. `written(bytes)` is told of every write, `typed()` of
 * every keystroke sent; returns null when xterm's internals are not as expected. Call after
 * `term.open()`.
 */
export function spaceFloodFrames(
  term: Terminal,
  win: Pick<Window, 'requestAnimationFrame'> = window,
  now: () => number = () => performance.now(),
): (IDisposable & { written(bytes: number): void; typed(): void }) | null {
  const internals = internalsOf(term);
  if (!internals) return null;
  const { debouncer } = internals;
  skipEmptySelectionRedraws(internals.selection);
  const draw = debouncer._innerRefresh.bind(debouncer);
  let sinceFrame = 0;
  let lastFrame = -Infinity;
  let graceUntil = -Infinity;
  let disposed = false;
  debouncer._innerRefresh = () => {
    const at = now();
    if (!disposed && sinceFrame >= FLOOD_BYTES && at - lastFrame < FLOOD_FRAME_MS && at >= graceUntil) {
      // Not yet: ask again next frame, with the rows to draw still gathered in the debouncer.
      debouncer._animationFrame = win.requestAnimationFrame(() => debouncer._innerRefresh());
      return;
    }
    sinceFrame = 0;
    lastFrame = at;
    draw();
  };
  return {
    written(bytes) {
      sinceFrame += bytes;
    },
    typed() {
      graceUntil = now() + INPUT_GRACE_MS;
    },
    dispose() {
      disposed = true;
    },
  };
}
