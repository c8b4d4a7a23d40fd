import { Terminal } from '@xterm/headless';
import { describe, expect, it } from 'vitest';
import { endsInGround, MIRROR_LIMITS, mirrorScrollback, PARSE_DELAY_MS, scanPlain, ScreenMirror, SKIP_AFTER_BYTES } from '../../../../../app/main/services/terminals/screenMirror';

const bytes = (text: string) => Buffer.from(text, 'utf8');

function term(cols: number, rows: number, scrollback = 1000): Terminal {
  return new Terminal({ cols, rows, scrollback, allowProposedApi: true });
}

function write(t: Terminal, data: string | Uint8Array): Promise<void> {
  return new Promise((resolve) => t.write(data, resolve));
}

/** Everything a viewer would see or that changes how the next bytes land: cells, cursor, modes. */
function stateOf(t: Terminal, lastLines = Infinity) {
  const buffers = [t.buffer.normal, t.buffer.alternate];
  const cell = t.buffer.active.getNullCell();
  const lines = buffers.map((buffer) => {
    const out: string[] = [];
    for (let y = Math.max(0, buffer.length - lastLines); y < buffer.length; y++) {
      const line = buffer.getLine(y)!;
      const cells: string[] = [];
      for (let x = 0; x < t.cols; x++) {
        line.getCell(x, cell);
        cells.push(
          [cell.getChars() || ' ', cell.getWidth(), cell.getFgColorMode(), cell.getFgColor(), cell.getBgColorMode(), cell.getBgColor(), cell.isBold(), cell.isItalic(), cell.isUnderline(), cell.isInverse(), cell.isDim()].join(','),
        );
      }
      out.push(`${line.isWrapped ? 'W' : '-'}|${cells.join('|')}`);
    }
    return out;
  });
  return {
    active: t.buffer.active.type,
    cursor: [t.buffer.active.cursorX, t.buffer.active.cursorY],
    normalCursor: [t.buffer.normal.cursorX, t.buffer.normal.cursorY],
    modes: { ...t.modes },
    normal: lines[0]!,
    alternate: t.buffer.active.type === 'alternate' ? lines[1] : [],
  };
}

/**
 * The round trip a reloaded page makes: a source terminal (the page that was there) and the
 * mirror are fed the same bytes; the mirror's snapshot goes into a fresh terminal (the new page);
 * then the same live bytes go into both. The two must match cell for cell.
 */
async function roundTrip(cols: number, rows: number, before: string[], after: string[], lastLines = Infinity) {
  const source = term(cols, rows);
  const mirror = new ScreenMirror(cols, rows);
  for (const chunk of before) {
    await write(source, bytes(chunk));
    mirror.write(bytes(chunk));
  }
  const snapshot = await mirror.snapshot();
  const viewer = term(cols, rows);
  await write(viewer, bytes(snapshot));
  for (const chunk of after) {
    await write(source, bytes(chunk));
    await write(viewer, bytes(chunk));
  }
  const result = { source: stateOf(source, lastLines), viewer: stateOf(viewer, lastLines), snapshot };
  source.dispose();
  viewer.dispose();
  mirror.dispose();
  return result;
}

const PROMPT = '\x1b[1;32mbench@hl-target\x1b[0m:\x1b[1;34m~\x1b[0m$ ';

describe('ScreenMirror', () => {
  it('rebuilds scrollback, colours and the cursor, and the live output after it lands where it would have', async () => {
    const lines = Array.from({ length: 60 }, (_, i) => `line ${i} \x1b[3${i % 8}mcolour ${i}\x1b[0m ${'x'.repeat((i * 3) % 150)}\r\n`);
    const { source, viewer, snapshot } = await roundTrip(80, 24, [PROMPT, 'ls --color\r\n', ...lines, PROMPT, 'echo "half a comm'], ['and"\r\nand\r\n', PROMPT, '\x1b[31mred pen stays\r\n', 'still red\x1b[0m plain']);
    expect(snapshot).toContain('colour 59');
    expect(viewer).toEqual(source);
    // Long lines that wrapped are rebuilt as wrapped lines.
    expect(source.normal.some((l) => l.startsWith('W'))).toBe(true);
  });

  it('keeps an unfinished escape sequence and the pen: live bytes after the snapshot continue them', async () => {
    // Split in the middle of an SGR and of a UTF-8 character: the mirror parsed what it was given.
    const euro = bytes('€');
    const { source, viewer } = await roundTrip(40, 10, ['abc \x1b[1;4', `3mbold blue ${euro.subarray(0, 1).toString('latin1')}`], ['text\x1b[0m\r\n']);
    // The source got a broken UTF-8 byte here too; what matters is that both agree.
    expect(viewer.cursor).toEqual(source.cursor);
    expect(viewer.normal).toEqual(source.normal);
  });

  it('rebuilds the alternate screen (a full-screen program) and what is under it', async () => {
    const before = [PROMPT, 'echo "under the alt screen"\r\nunder the alt screen\r\n', PROMPT, 'less file\r\n', '\x1b[?1049h\x1b[H\x1b[2J', '\x1b[7mfile (top)\x1b[0m\r\n', 'first\r\nsecond\r\n', '\x1b[10;1H:'];
    const after = ['\x1b[3;1Hthird changed', '\x1b[10;2H', 'q', '\x1b[?1049l', PROMPT, 'echo back\r\n'];
    const { source, viewer } = await roundTrip(80, 10, before, after.slice(0, 3));
    expect(source.active).toBe('alternate');
    expect(viewer).toEqual(source);
    // And leaving the alternate screen restores the shell's screen and cursor on both.
    const whole = await roundTrip(80, 10, before, after);
    expect(whole.source.active).toBe('normal');
    expect(whole.viewer).toEqual(whole.source);
  });

  it('a snapshot taken in the alternate screen via `printf \\e[?1049h` + text', async () => {
    const { source, viewer } = await roundTrip(80, 24, [PROMPT, "printf '\\e[?1049h'; echo inside\r\n", '\x1b[?1049h', 'inside\r\n', PROMPT], ['typed\r\n', 'more inside']);
    expect(source.active).toBe('alternate');
    expect(viewer).toEqual(source);
  });

  it('restores the scroll region, so a program that scrolls part of the screen keeps doing so', async () => {
    const before = ['\x1b[?1049h\x1b[H\x1b[2J', 'header\r\n', '\x1b[2;9r', '\x1b[9;1H', 'a\r\nb\r\nc\r\n', '\x1b[24;1Hstatus', '\x1b[9;1H'];
    const after = ['d\r\ne\r\nf\r\ng\r\nh\r\ni\r\nj\r\nk\r\nl\r\n', 'end'];
    const { source, viewer } = await roundTrip(40, 24, before, after);
    expect(viewer).toEqual(source);
    // With origin mode too (the cursor is addressed within the region).
    const withOrigin = await roundTrip(40, 24, [...before, '\x1b[?6h', '\x1b[3;5H', 'o'], ['\x1b[1;1Hhome', '\r\nnext\r\n']);
    expect(withOrigin.viewer).toEqual(withOrigin.source);
  });

  it('carries modes such as application cursor keys, bracketed paste and mouse tracking', async () => {
    const { source, viewer } = await roundTrip(80, 24, ['\x1b[?1h\x1b[?2004h\x1b[?1000h', 'x'], ['y']);
    expect(source.modes).toMatchObject({ applicationCursorKeysMode: true, bracketedPasteMode: true, mouseTrackingMode: 'vt200' });
    expect(viewer).toEqual(source);
  });

  it('includes writes still queued when the snapshot was asked for, and none made after', async () => {
    const mirror = new ScreenMirror(40, 10);
    mirror.write(bytes('queued one\r\n'));
    mirror.write(bytes('queued two\r\n'));
    expect(mirror.backlogBytes).toBeGreaterThan(0);
    const snapshot = mirror.snapshot();
    mirror.write(bytes('after the ask\r\n'));
    const text = await snapshot;
    expect(text).toContain('queued one');
    expect(text).toContain('queued two');
    expect(text).not.toContain('after the ask');
    await expect.poll(() => mirror.backlogBytes).toBe(0);
    expect(await mirror.snapshot()).toContain('after the ask');
    mirror.dispose();
  });

  it('parses output PARSE_DELAY_MS after it came, with no snapshot asked for', async () => {
    const mirror = new ScreenMirror(40, 10);
    const started = performance.now();
    mirror.write(bytes('later\r\n'));
    await new Promise((resolve) => setTimeout(resolve, PARSE_DELAY_MS / 2));
    expect(mirror.backlogBytes).toBe(7);
    await expect.poll(() => mirror.backlogBytes, { timeout: 2000, interval: 5 }).toBe(0);
    expect(performance.now() - started).toBeGreaterThanOrEqual(PARSE_DELAY_MS - 5);
    mirror.dispose();
  });

  it('reports its unparsed backlog as it grows and drains', async () => {
    const seen: number[] = [];
    const mirror = new ScreenMirror(40, 10, (n) => seen.push(n));
    mirror.write(bytes('12345'));
    mirror.write(bytes('678'));
    expect(seen).toEqual([5, 8]);
    await mirror.snapshot();
    expect(seen).toEqual([5, 8, 3, 0]);
    mirror.dispose();
  });

  it('follows the PTY size in order with the output, and replays at the new size', async () => {
    const mirror = new ScreenMirror(80, 24);
    const source = term(80, 24);
    const long = `${'w'.repeat(70)}\r\n`;
    mirror.write(bytes(long));
    // Output formatted for 80 columns is parsed at 80 before the resize applies.
    mirror.resize(40, 12);
    expect(mirror.cols).toBe(80);
    await write(source, bytes(long));
    source.resize(40, 12);
    mirror.write(bytes('after resize\r\n'));
    await write(source, bytes('after resize\r\n'));
    const snapshot = await mirror.snapshot();
    expect([mirror.cols, mirror.rows]).toEqual([40, 12]);
    const viewer = term(40, 12);
    await write(viewer, bytes(snapshot));
    await write(viewer, bytes('live'));
    await write(source, bytes('live'));
    expect(stateOf(viewer)).toEqual(stateOf(source));
    // An idle mirror resizes at once.
    mirror.resize(100, 30);
    expect([mirror.cols, mirror.rows]).toEqual([100, 30]);
    for (const t of [source, viewer]) t.dispose();
    mirror.dispose();
  });

  it('keeps a bounded scrollback: the last lines come back, the oldest are gone', async () => {
    const mirror = new ScreenMirror(80, 24);
    const all = Array.from({ length: 3000 }, (_, i) => `row-${i}\r\n`).join('');
    mirror.write(bytes(all));
    const snapshot = await mirror.snapshot();
    expect(snapshot).toContain('row-2999');
    expect(snapshot).toContain(`row-${3000 - mirrorScrollback(80, 24)}\r`);
    expect(snapshot).not.toContain('row-1000\r');
    mirror.dispose();
  });

  it('sizes its scrollback by a cell budget', () => {
    expect(mirrorScrollback(80, 24)).toBe(MIRROR_LIMITS.maxScrollbackLines);
    expect(mirrorScrollback(160, 48)).toBe(Math.floor(MIRROR_LIMITS.cellBudgetBytes / (160 * MIRROR_LIMITS.bytesPerCell)) - 48);
    for (const [cols, rows] of [[80, 24], [160, 48], [300, 100], [2000, 1000]] as const) {
      expect(cols * (rows + mirrorScrollback(cols, rows)) * MIRROR_LIMITS.bytesPerCell).toBeLessThanOrEqual(Math.max(MIRROR_LIMITS.cellBudgetBytes, cols * rows * MIRROR_LIMITS.bytesPerCell));
    }
    expect(mirrorScrollback(2000, 1000)).toBe(0);
  });

  it('once disposed, rejects snapshots (also one still waiting) and ignores writes', async () => {
    const mirror = new ScreenMirror(40, 10);
    mirror.write(bytes('x'));
    const waiting = mirror.snapshot();
    mirror.dispose();
    await expect(waiting).rejects.toThrow(/disposed/);
    await expect(mirror.snapshot()).rejects.toThrow(/disposed/);
    expect(() => {
      mirror.write(bytes('y'));
      mirror.resize(20, 5);
      mirror.dispose();
    }).not.toThrow();
  });

  describe('under a flood of plain text', () => {
    /** 16 KiB chunks of numbered plain lines, `total` bytes in all. */
    const floodChunks = (total: number, width = 60): string[] => {
      const chunks: string[] = [];
      let line = 0;
      for (let at = 0; at < total; at += 16 * 1024) {
        let chunk = '';
        while (chunk.length < 16 * 1024) chunk += `flood ${String(line++).padStart(8, '0')} ${'x'.repeat(width)}\r\n`;
        chunks.push(chunk);
      }
      return chunks;
    };

    /** Feeds the mirror everything at once (so it falls behind) and a source in full; compares the replay. */
    async function flood(cols: number, rows: number, chunks: string[], lastLines = Infinity) {
      const mirror = new ScreenMirror(cols, rows);
      const source = term(cols, rows, mirrorScrollback(cols, rows));
      for (const chunk of chunks) mirror.write(bytes(chunk));
      for (const chunk of chunks) await write(source, bytes(chunk));
      const snapshot = await mirror.snapshot();
      const viewer = term(cols, rows, mirrorScrollback(cols, rows));
      await write(viewer, bytes(snapshot));
      for (const t of [source, viewer]) await write(t, bytes('\x1b[32mlive\x1b[0m'));
      const result = { source: stateOf(source, lastLines), viewer: stateOf(viewer, lastLines), skipped: mirror.skippedBytes };
      for (const t of [source, viewer]) t.dispose();
      mirror.dispose();
      return result;
    }

    it('skips what can no longer show, and replays exactly what parsing it all would have', async () => {
      const chunks = ['\x1b[31mred\x1b[0m \x1b[?1h\x1b[4hprompt$ ', ...floodChunks(2 * SKIP_AFTER_BYTES), '\x1b[1mbold tail\x1b[0m\r\n$ '];
      const { source, viewer, skipped } = await flood(80, 24, chunks);
      expect(skipped).toBeGreaterThan(SKIP_AFTER_BYTES / 2);
      expect(viewer).toEqual(source);
    });

    it('skips nothing after an escape sequence split across chunks, nor text that would still show', async () => {
      // The pen set by the split sequence must reach the flood's lines: nothing after it is skipped.
      const split = ['prompt$ \x1b[3', `1m${floodChunks(16 * 1024)[0]!}`, ...floodChunks(1.5 * SKIP_AFTER_BYTES)];
      const first = await flood(80, 24, split);
      expect(first.skipped).toBe(0);
      expect(first.viewer).toEqual(first.source);
      // Too few lines after it to push the start out of the scrollback: nothing to skip.
      // (The oldest line of a replayed scrollback cannot carry its "wrapped" mark: compared below it.)
      const wide = floodChunks(1.5 * SKIP_AFTER_BYTES, 4000);
      const second = await flood(120, 30, wide, 300);
      expect(second.skipped).toBe(0);
      expect(second.viewer).toEqual(second.source);
    });

    it('tells plain text and complete sequences apart', () => {
      expect(scanPlain(bytes('abc\r\n\tx\by\u00e9\u4e2d\n'))).toEqual({ plain: true, lineFeeds: 2 });
      expect(scanPlain(bytes('a\x1b[0mb')).plain).toBe(false);
      expect(scanPlain(bytes('a\x0eb')).plain).toBe(false);
      // A C1 control in UTF-8 (CSI as U+009B) is not plain; a lone C2 at the end may start one.
      expect(scanPlain(Buffer.from([0x61, 0xc2, 0x9b, 0x33, 0x31, 0x6d])).plain).toBe(false);
      expect(scanPlain(Buffer.from([0x61, 0xc2])).plain).toBe(false);
      expect(endsInGround(bytes('x\x1b[1;31m'))).toBe(true);
      expect(endsInGround(bytes('x\x1b[1;3'))).toBe(false);
      expect(endsInGround(bytes('\x1b]0;title\x07'))).toBe(true);
      expect(endsInGround(bytes('\x1b]0;tit'))).toBe(false);
      expect(endsInGround(bytes('\x1b]0;title\x1b\\'))).toBe(true);
      expect(endsInGround(bytes('\x1b(B'))).toBe(true);
      expect(endsInGround(bytes('\x1b('))).toBe(false);
      expect(endsInGround(bytes('\x1b'))).toBe(false);
    });
  });
});
