// @vitest-environment happy-dom
/**
 * Flood frames with the real xterm.js (DOM renderer in happy-dom) and a clock of the test's own:
 * what the rows show after each write says whether a frame was drawn.
 */
import { Terminal } from '@xterm/xterm';
import { afterEach, describe, expect, it } from 'vitest';
import { FLOOD_BYTES, FLOOD_FRAME_MS, INPUT_GRACE_MS, spaceFloodFrames } from '../../../../../app/renderer/features/terminals/floodFrames';
import { waitFor } from '@testing-library/react';

let term: Terminal | null = null;
let container: HTMLElement | null = null;

afterEach(() => {
  term?.dispose();
  container?.remove();
  term = null;
  container = null;
});

function open(): Terminal {
  container = document.createElement('div');
  document.body.append(container);
  term = new Terminal({ cols: 80, rows: 10 });
  term.open(container);
  return term;
}

const rows = () => container!.querySelector('.xterm-rows')?.textContent ?? '';
const written = (t: Terminal, data: string) => new Promise<void>((resolve) => t.write(data, resolve));
/** A few of happy-dom's animation frames. */
const frames = (n = 5) => new Promise<void>((resolve) => setTimeout(resolve, n * 20));

/** `n` bytes of lines, then the marker on a line of its own. */
function flood(n: number, marker: string): string {
  const line = `${'x'.repeat(78)}\r\n`;
  return line.repeat(Math.ceil(n / line.length)) + marker;
}

/**
 * A terminal with spaced frames on the test's clock (`clock.ms`); `put` writes as the terminal
 * host does (counted, then written) and waits for xterm's callback. With `first`, that first
 * screen is drawn before it returns.
 */
async function spacedTerminal(first?: string) {
  const t = open();
  const clock = { ms: 1000 };
  const spacing = spaceFloodFrames(t, window, () => clock.ms)!;
  const put = async (data: string) => {
    spacing.written(data.length);
    await written(t, data);
  };
  if (first !== undefined) {
    await put(first);
    await waitFor(() => expect(rows()).toContain(first));
  }
  return { t, clock, spacing, put };
}

describe('spaceFloodFrames', () => {
  it('finds the render debouncer of the xterm this app ships (so the spacing is on, not silently off)', () => {
    expect(spaceFloodFrames(open())).not.toBeNull();
  });

  it('draws ordinary output on the next frame, however soon after the last one', async () => {
    const { clock, put } = await spacedTerminal('hello ');
    clock.ms += 5;
    await put('again');
    await waitFor(() => expect(rows()).toContain('hello again'));
  });

  it('holds frames FLOOD_FRAME_MS apart while a flood is written, then draws what it held', async () => {
    const { clock, put } = await spacedTerminal('start');
    await put(flood(FLOOD_BYTES + 1024, 'MARK-1'));
    clock.ms += FLOOD_FRAME_MS - 1;
    await frames();
    // Parsed (the write called back) but not drawn: the rows still show the first screen.
    expect(rows()).toContain('start');
    expect(rows()).not.toContain('MARK-1');

    clock.ms += 1;
    await waitFor(() => expect(rows()).toContain('MARK-1'));
    expect(rows()).not.toContain('start');

    // The flood is over: the next small write draws at once again.
    clock.ms += 1;
    await put(' end');
    await waitFor(() => expect(rows()).toContain('MARK-1 end'));
  });

  it('draws every frame of a flood for a moment after a keystroke (Ctrl-C looks quiet at once)', async () => {
    const { clock, spacing, put } = await spacedTerminal('start');
    spacing.typed();
    await put(flood(FLOOD_BYTES * 2, 'MARK-3'));
    // Same instant as the last frame, a flood's worth written: drawn all the same.
    await waitFor(() => expect(rows()).toContain('MARK-3'));

    // The moment over, a flood is spaced again.
    clock.ms += INPUT_GRACE_MS;
    await put(' ok');
    await waitFor(() => expect(rows()).toContain('MARK-3 ok'));
    await put(flood(FLOOD_BYTES * 2, 'MARK-4'));
    await frames();
    expect(rows()).toContain('MARK-3 ok');
    expect(rows()).not.toContain('MARK-4');
    clock.ms += FLOOD_FRAME_MS;
    await waitFor(() => expect(rows()).toContain('MARK-4'));
  });

  it('still draws a selection made, and its clearing', async () => {
    const { t, clock, put } = await spacedTerminal('hello world');
    const selection = () => container!.querySelector('.xterm-selection')!.children.length;
    // Scrolling with nothing selected: the selection's redraws are skipped, not lost for good.
    clock.ms += FLOOD_FRAME_MS;
    await put(flood(FLOOD_BYTES, 'scrolled'));
    await waitFor(() => expect(rows()).toContain('scrolled'));
    await frames();
    t.select(0, t.buffer.active.viewportY, 5);
    await waitFor(() => expect(selection()).toBeGreaterThan(0));
    t.clearSelection();
    await waitFor(() => expect(selection()).toBe(0));
  });

  it('does not redraw every row on a scroll for a selection that is only a click', async () => {
    const { t, clock, put } = await spacedTerminal();
    const renderService = (t as unknown as { _core: { _renderService: { handleSelectionChanged(...args: unknown[]): void } } })._core._renderService;
    const original = renderService.handleSelectionChanged.bind(renderService);
    let redraws = 0;
    renderService.handleSelectionChanged = (...args) => {
      redraws++;
      original(...args);
    };
    // A click: start and end on one cell.
    t.select(3, 0, 0);
    clock.ms += FLOOD_FRAME_MS;
    await put(flood(FLOOD_BYTES, 'scrolled'));
    await waitFor(() => expect(rows()).toContain('scrolled'));
    await frames();
    expect(redraws).toBe(0);
    // A real selection is drawn.
    t.select(0, t.buffer.active.viewportY, 5);
    await waitFor(() => expect(redraws).toBe(1));
  });

  it('stops spacing frames once disposed', async () => {
    const { spacing, put } = await spacedTerminal('start');
    spacing.dispose();
    await put(flood(FLOOD_BYTES * 2, 'MARK-2'));
    await waitFor(() => expect(rows()).toContain('MARK-2'));
  });

  it('does nothing to an xterm whose internals are not as expected', () => {
    const stranger = { _core: { _renderService: {} } } as unknown as Terminal;
    expect(spaceFloodFrames(stranger)).toBeNull();
  });
});
