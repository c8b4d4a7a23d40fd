/**
 * A new shell in a tab gets a clean screen (issue 14, item 3), on a real (headless) xterm: the
 * old screen goes up whole into the scrollback, a separator marks the seam, the new shell's
 * output starts below it, and no old row is ever drawn over, whatever the old program left
 * behind (a half-drawn full screen, a scroll region, the alternate screen, a full screen).
 */
import { Terminal } from '@xterm/headless';
import { describe, expect, it } from 'vitest';
import { lastUsedRow, newShellSequence, separatorText, startNewShellScreen } from '../../../../../app/renderer/features/terminals/newShellScreen';

const NOW = new Date(2026, 11, 4, 10, 42, 3);

function term(cols = 40, rows = 10): Terminal {
  return new Terminal({ cols, rows, scrollback: 1000, allowProposedApi: true });
}

function write(t: Terminal, data: string): Promise<void> {
  return new Promise((resolve) => t.write(data, resolve));
}

/** Every line of the buffer (scrollback, then screen), right-trimmed. */
function lines(t: Terminal): string[] {
  const buffer = t.buffer.active;
  return Array.from({ length: buffer.length }, (_, y) => buffer.getLine(y)!.translateToString(true).trimEnd());
}

/** The screen's rows only. */
function screenRows(t: Terminal): string[] {
  return lines(t).slice(t.buffer.active.baseY);
}

/** Reconnect: the transition, then the new shell's first output, in order as the feed delivers them. */
async function reconnect(t: Terminal, newShell: string): Promise<void> {
  const feed = { write: (data: string, done?: () => void) => t.write(data, done) };
  await new Promise<void>((resolve) => {
    startNewShellScreen(t, { write: (data, done) => feed.write(data, () => (done?.(), resolve())) }, () => true, NOW);
  });
  await write(t, newShell);
}

describe('a new shell in the same tab', () => {
  it('keeps a shell session readable above the separator, and starts the new prompt on a clean screen', async () => {
    const t = term();
    await write(t, 'ops@hl-target:~$ echo one\r\none\r\nops@hl-target:~$ echo two\r\ntwo\r\nops@hl-target:~$ ');
    await write(t, '\r\n'.repeat(12));
    await write(t, 'ops@hl-target:~$ ');
    // The person had scrolled up to read the old output: the new shell brings them down to it.
    t.scrollLines(-5);
    await reconnect(t, 'ops@hl-target:~$ ');
    expect(t.buffer.active.viewportY).toBe(t.buffer.active.baseY);
    const sep = separatorText(40, NOW);
    expect(sep).toBe('── reconnected 10:42:03 ──');
    expect(lines(t).slice(0, 5)).toEqual(['ops@hl-target:~$ echo one', 'one', 'ops@hl-target:~$ echo two', 'two', 'ops@hl-target:~$']);
    expect(lines(t).slice(-11, -8)).toEqual(['ops@hl-target:~$', sep, 'ops@hl-target:~$']);
    // The screen: the separator on top, the new prompt below it, nothing else.
    expect(screenRows(t)).toEqual([sep, 'ops@hl-target:~$', '', '', '', '', '', '', '', '']);
    expect(t.buffer.active.cursorY).toBe(1);
  });

  it('never draws over what a dead full-screen program left below the cursor, in a scroll region', async () => {
    const t = term();
    // `top`-like: a scroll region, rows drawn everywhere, the cursor left high up.
    const drawn = Array.from({ length: 10 }, (_, i) => `row ${i + 1} ${'x'.repeat(10)}`);
    await write(t, `\x1b[2;9r${drawn.map((line, i) => `\x1b[${i + 1};1H${line}`).join('')}\x1b[3;5H`);
    await reconnect(t, 'new-shell-here$ ');
    const all = lines(t);
    const sepAt = all.indexOf(separatorText(40, NOW));
    expect(all.slice(sepAt - 10, sepAt)).toEqual(drawn);
    expect(all[sepAt + 1]).toBe('new-shell-here$');
    // The separator's row is the screen's top row: the new shell sees a clean screen below it.
    expect(sepAt).toBe(t.buffer.active.baseY);
    expect(screenRows(t).slice(2).every((row) => row === '')).toBe(true);
  });

  it('leaves the alternate screen and resets modes; the normal screen is what goes to the scrollback', async () => {
    const t = term();
    await write(t, 'before vim\r\n$ vim\r\n\x1b[?1049h\x1b[?25l\x1b[1;31mVIM SCREEN');
    await reconnect(t, '$ ');
    expect(t.buffer.active.type).toBe('normal');
    expect(lines(t)).toContain('before vim');
    expect(lines(t).some((line) => line.includes('VIM SCREEN'))).toBe(false);
    expect(screenRows(t)[1]).toBe('$');
    // The new prompt is not red: the old pen was reset.
    expect(t.buffer.active.getLine(t.buffer.active.baseY + 1)!.getCell(0)!.isFgDefault()).toBe(true);
  });

  it('works on an empty screen and on a full one', async () => {
    const empty = term();
    await reconnect(empty, '$ ');
    expect(screenRows(empty).slice(0, 2)).toEqual([separatorText(40, NOW), '$']);
    expect(empty.buffer.active.baseY).toBe(0);

    const full = term(40, 5);
    await write(full, ['a', 'b', 'c', 'd', 'e'].join('\r\n'));
    expect(lastUsedRow(full)).toBe(5);
    await reconnect(full, '$ ');
    expect(lines(full).slice(0, 7)).toEqual(['a', 'b', 'c', 'd', 'e', separatorText(40, NOW), '$']);
  });

  it('cuts the separator to the width, and copes with a one-row terminal', () => {
    expect([...separatorText(12, NOW)]).toHaveLength(11);
    expect(newShellSequence(1, 40, 1, NOW)).toContain('reconnected');
  });
});
