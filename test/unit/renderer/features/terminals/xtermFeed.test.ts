// @vitest-environment happy-dom
import { Terminal } from '@xterm/xterm';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { backgroundScheduler, MAX_SLICE_BYTES, SLICE_BYTES, SLICE_TARGET_MS, typing, TYPING_QUIET_MS, XtermFeed, type WritableTerminal } from '../../../../../app/renderer/features/terminals/xtermFeed';

/** Records writes; "parses" them (runs their callbacks, in order) only when told. */
class FakeTerm implements WritableTerminal {
  readonly writes: { data: Uint8Array | string; callback?: () => void }[] = [];
  private parsed = 0;
  write(data: Uint8Array | string, callback?: () => void): void {
    this.writes.push({ data, callback });
  }
  /** Parses everything written so far. */
  parseAll(): void {
    while (this.parsed < this.writes.length) this.writes[this.parsed++]!.callback?.();
  }
  get unparsed(): number {
    return this.writes.length - this.parsed;
  }
  bytes(): number[] {
    return this.writes.flatMap((w) => (typeof w.data === 'string' ? [...w.data].map((c) => c.charCodeAt(0)) : [...w.data]));
  }
}

/** Background tasks run only when the test says the page is idle. */
class ManualScheduler {
  readonly tasks: (() => void)[] = [];
  readonly schedule = (task: () => void): void => void this.tasks.push(task);
  runNext(): boolean {
    const task = this.tasks.shift();
    task?.();
    return task !== undefined;
  }
}

const bytes = (n: number, seed = 0) => Uint8Array.from({ length: n }, (_, i) => (i + seed) % 251);

describe('XtermFeed, shown terminal', () => {
  it('writes small output straight through, with its ack callback', () => {
    const term = new FakeTerm();
    const feed = new XtermFeed(term, () => {
      throw new Error('a shown terminal never waits for the background');
    });
    const done = vi.fn();
    feed.write(bytes(100), done);
    expect(term.writes).toHaveLength(1);
    term.parseAll();
    expect(done).toHaveBeenCalledOnce();
  });

  it('splits a big frame into slices, the ack on the last one only', () => {
    const term = new FakeTerm();
    const feed = new XtermFeed(term);
    const data = bytes(5 * SLICE_BYTES + 17);
    const done = vi.fn();
    feed.write(data, done);
    expect(term.writes.map((w) => (w.data as Uint8Array).byteLength)).toEqual([SLICE_BYTES, SLICE_BYTES, SLICE_BYTES, SLICE_BYTES, SLICE_BYTES, 17]);
    expect(term.writes.slice(0, -1).every((w) => w.callback === undefined)).toBe(true);
    expect(term.bytes()).toEqual([...data]);
    // Views, not copies.
    expect((term.writes[1]!.data as Uint8Array).buffer).toBe(data.buffer);
    term.parseAll();
    expect(done).toHaveBeenCalledOnce();
  });
});

describe('XtermFeed, slice size from the parse rate', () => {
  /** Writes 64 KiB frames that xterm parses at `bytesPerMs` (the fake clock moves as it "parses"). */
  function feedAt(bytesPerMs: number, frames: number) {
    const term = new FakeTerm();
    let clock = 0;
    const feed = new XtermFeed(term, undefined, () => 0, () => clock);
    for (let i = 0; i < frames; i++) {
      const frame = bytes(64 * 1024, i);
      const from = term.writes.length;
      feed.write(frame);
      for (const w of term.writes.slice(from)) {
        clock += (typeof w.data === 'string' ? w.data.length : w.data.byteLength) / bytesPerMs;
        w.callback?.();
      }
    }
    return { term, feed };
  }

  it('starts at the smallest slice, before anything was measured', () => {
    expect(new XtermFeed(new FakeTerm()).currentSliceBytes).toBe(SLICE_BYTES);
  });

  it('a fast log grows the slices to the whole frame', () => {
    // 40 MiB/s: a 64 KiB frame in 1.6 ms.
    const { term, feed } = feedAt(40 * 1024, 30);
    expect(feed.currentSliceBytes).toBe(MAX_SLICE_BYTES);
    // The last frames went to xterm whole.
    expect((term.writes.at(-1)!.data as Uint8Array).byteLength).toBe(64 * 1024);
  });

  it('a slow flood (`yes`) keeps them small: what parses in the target time', () => {
    // 1.5 MiB/s: 4 KiB takes 2.7 ms.
    const { feed } = feedAt(1.5 * 1024, 6);
    expect(feed.currentSliceBytes).toBe(Math.max(SLICE_BYTES, Math.round(1.5 * 1024 * SLICE_TARGET_MS)));
  });

  it('content that turns slow shrinks the slices within two frames', () => {
    const term = new FakeTerm();
    let clock = 0;
    const feed = new XtermFeed(term, undefined, () => 0, () => clock);
    const run = (bytesPerMs: number, frames: number): void => {
      for (let i = 0; i < frames; i++) {
        const from = term.writes.length;
        feed.write(bytes(64 * 1024, i));
        for (const w of term.writes.slice(from)) {
          clock += (w.data as Uint8Array).byteLength / bytesPerMs;
          w.callback?.();
        }
      }
    };
    run(40 * 1024, 30);
    expect(feed.currentSliceBytes).toBe(MAX_SLICE_BYTES);
    // The first slow frame's measurement still holds the tail of the fast ones; the next is all slow.
    run(1024, 2);
    expect(feed.currentSliceBytes).toBe(SLICE_BYTES);
  });

  it('time xterm sat idle between writes is not parse time', () => {
    const term = new FakeTerm();
    let clock = 0;
    const feed = new XtermFeed(term, undefined, () => 0, () => clock);
    for (let i = 0; i < 30; i++) {
      clock += 100; // an idle stretch before each frame arrives
      const from = term.writes.length;
      feed.write(bytes(64 * 1024, i));
      for (const w of term.writes.slice(from)) {
        clock += (w.data as Uint8Array).byteLength / (40 * 1024);
        w.callback?.();
      }
    }
    expect(feed.currentSliceBytes).toBe(MAX_SLICE_BYTES);
  });
});

describe('XtermFeed, hidden terminal', () => {
  it('hands output to xterm one slice at a time, each only in the background and after the last was parsed', () => {
    const term = new FakeTerm();
    const idle = new ManualScheduler();
    const feed = new XtermFeed(term, idle.schedule);
    feed.setHidden(true);
    const first = bytes(2 * SLICE_BYTES + 5, 1);
    const second = bytes(10, 2);
    const done1 = vi.fn();
    const done2 = vi.fn();
    feed.write(first, done1);
    feed.write(second, done2);
    expect(term.writes).toHaveLength(0);
    expect(feed.waiting).toBe(first.byteLength + second.byteLength);
    expect(idle.tasks).toHaveLength(1);

    idle.runNext();
    expect(term.writes).toHaveLength(1);
    // Not parsed yet: nothing more is scheduled, however idle the page is.
    expect(idle.tasks).toHaveLength(0);
    term.parseAll();
    expect(done1).not.toHaveBeenCalled();
    expect(idle.tasks).toHaveLength(1);

    while (idle.runNext()) term.parseAll();
    expect(term.writes.map((w) => (w.data as Uint8Array).byteLength)).toEqual([SLICE_BYTES, SLICE_BYTES, 5, 10]);
    expect(term.bytes()).toEqual([...first, ...second]);
    expect(done1).toHaveBeenCalledOnce();
    expect(done2).toHaveBeenCalledOnce();
    expect(feed.waiting).toBe(0);
  });

  it('shown again: what waited goes to xterm at once, in order, behind the slice already in it', () => {
    const term = new FakeTerm();
    const idle = new ManualScheduler();
    const feed = new XtermFeed(term, idle.schedule);
    feed.setHidden(true);
    const data = bytes(3 * SLICE_BYTES, 3);
    const done = vi.fn();
    feed.write(data, done);
    feed.write('text after', undefined);
    idle.runNext();
    expect(term.unparsed).toBe(1);

    feed.setHidden(false);
    expect(feed.waiting).toBe(0);
    expect(term.writes).toHaveLength(4);
    expect(term.bytes()).toEqual([...data, ...[...'text after'].map((c) => c.charCodeAt(0))]);
    term.parseAll();
    expect(done).toHaveBeenCalledOnce();
    // The slice's own callback found nothing left to pump; a stale task does nothing.
    while (idle.runNext());
    expect(term.writes).toHaveLength(4);
    // Shown, new output goes straight through again.
    feed.write(bytes(3));
    expect(term.writes).toHaveLength(5);
  });

  it('disposed: what waited is dropped, its acks never run, scheduled work does nothing', () => {
    const term = new FakeTerm();
    const idle = new ManualScheduler();
    const feed = new XtermFeed(term, idle.schedule);
    feed.setHidden(true);
    const done = vi.fn();
    feed.write(bytes(SLICE_BYTES * 2), done);
    feed.dispose();
    while (idle.runNext()) term.parseAll();
    feed.write(bytes(1), done);
    expect(term.writes).toHaveLength(0);
    expect(done).not.toHaveBeenCalled();
  });

  it('parses nothing while the user types, and catches up, in order, once typing pauses', () => {
    vi.useFakeTimers();
    try {
      const term = new FakeTerm();
      const idle = new ManualScheduler();
      let quietIn = 300;
      const feed = new XtermFeed(term, idle.schedule, () => quietIn);
      feed.setHidden(true);
      const done = vi.fn();
      const data = bytes(2 * SLICE_BYTES, 4);
      feed.write(data, done);
      idle.runNext();
      // Typing: the background task declines, and looks again when typing may have paused.
      expect(term.writes).toHaveLength(0);
      expect(idle.tasks).toHaveLength(0);
      vi.advanceTimersByTime(299);
      expect(idle.tasks).toHaveLength(0);
      quietIn = 0;
      vi.advanceTimersByTime(1);
      while (idle.runNext()) term.parseAll();
      expect(term.bytes()).toEqual([...data]);
      expect(done).toHaveBeenCalledOnce();
    } finally {
      vi.useRealTimers();
    }
  });

  it('the page-wide typing clock: quiet TYPING_QUIET_MS after the last keystroke', () => {
    typing.note(1000);
    expect(typing.quietIn(1000)).toBe(TYPING_QUIET_MS);
    expect(typing.quietIn(1000 + TYPING_QUIET_MS / 2)).toBe(TYPING_QUIET_MS / 2);
    expect(typing.quietIn(1000 + TYPING_QUIET_MS)).toBe(0);
    typing.lastAt = -Infinity;
  });

  it('splits long text too', () => {
    const term = new FakeTerm();
    const idle = new ManualScheduler();
    const feed = new XtermFeed(term, idle.schedule);
    feed.setHidden(true);
    const text = 'a'.repeat(SLICE_BYTES + 3);
    feed.write(text);
    while (idle.runNext()) term.parseAll();
    expect(term.writes.map((w) => w.data)).toEqual(['a'.repeat(SLICE_BYTES), 'aaa']);
  });
});

describe('XtermFeed with a real xterm', () => {
  const terms: Terminal[] = [];
  afterEach(() => terms.splice(0).forEach((t) => t.dispose()));

  async function screenAfter(output: Uint8Array, feedIt: boolean, hidden: boolean): Promise<string[]> {
    const term = new Terminal({ cols: 40, rows: 8, allowProposedApi: true });
    terms.push(term);
    const host = document.createElement('div');
    document.body.append(host);
    term.open(host);
    await new Promise<void>((resolve) => {
      if (!feedIt) return term.write(output, resolve);
      const feed = new XtermFeed(term, (task) => setTimeout(task, 0));
      feed.setHidden(hidden);
      feed.write(output, resolve);
    });
    const buffer = term.buffer.active;
    const lines: string[] = [];
    for (let y = 0; y < buffer.length; y++) {
      const line = buffer.getLine(y)!;
      let cells = '';
      for (let x = 0; x < line.length; x++) {
        const cell = line.getCell(x)!;
        cells += `${cell.getChars() || ' '}${cell.getFgColor()}${cell.isBold()}`;
      }
      lines.push(cells);
    }
    return lines;
  }

  it('UTF-8 characters and escape sequences cut by slice boundaries come out as one write would', async () => {
    // Lines of 3-byte characters and colour sequences, positioned so slices cut through both.
    let text = '';
    for (let i = 0; text.length < 3 * SLICE_BYTES; i++) text += `\x1b[1;3${i % 8}m€${i}✓\x1b[0m line ${i}\r\n`;
    const output = new TextEncoder().encode(text);
    expect(output.byteLength).toBeGreaterThan(3 * SLICE_BYTES);
    const reference = await screenAfter(output, false, false);
    expect(await screenAfter(output, true, false)).toEqual(reference);
    expect(await screenAfter(output, true, true)).toEqual(reference);
  });
});

describe('backgroundScheduler', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('uses scheduler.postTask at background priority where the browser has it', () => {
    const postTask = vi.fn((_task: () => void, _options: unknown) => Promise.resolve());
    vi.stubGlobal('scheduler', { postTask });
    const task = () => undefined;
    backgroundScheduler(task);
    expect(postTask).toHaveBeenCalledWith(task, { priority: 'background' });
  });

  it('falls back to a timer', async () => {
    vi.stubGlobal('scheduler', undefined);
    const ran = await new Promise<boolean>((resolve) => backgroundScheduler(() => resolve(true)));
    expect(ran).toBe(true);
  });
});
