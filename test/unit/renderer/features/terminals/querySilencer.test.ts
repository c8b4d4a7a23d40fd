// @vitest-environment happy-dom
/* eslint-disable no-control-regex -- these tests are about escape sequences. */
import { Terminal } from '@xterm/xterm';
import { afterEach, describe, expect, it } from 'vitest';
import { isColourQuery, silenceQueries } from '../../../../../app/renderer/features/terminals/querySilencer';
import { WINDOW_OPTIONS_OFF } from '../../../../../app/renderer/features/terminals/terminalSettings';

const terms: Terminal[] = [];
afterEach(() => terms.splice(0).forEach((t) => t.dispose()));

/** A real xterm (no renderer needed to parse): what it "types" back for some output. */
async function replies(output: string, silenced: boolean, windowOptions = WINDOW_OPTIONS_OFF): Promise<string[]> {
  const term = new Terminal({ allowProposedApi: true, windowOptions: { ...windowOptions } });
  terms.push(term);
  const host = document.createElement('div');
  document.body.append(host);
  term.open(host);
  if (silenced) silenceQueries(term.parser);
  const typed: string[] = [];
  term.onData((d) => typed.push(d));
  await new Promise<void>((resolve) => term.write(output, resolve));
  return typed;
}

describe('query sequences from the remote', () => {
  it('xterm answers DECRQSS by itself; silenced, it does not', async () => {
    const decrqss = '\x1bP$q"p\x1b\\';
    expect((await replies(decrqss, false)).join('')).toMatch(/^\x1bP1\$r/);
    expect(await replies(decrqss, true)).toEqual([]);
    expect(await replies('\x1bP$qm\x1b\\\x1bP$qr\x1b\\', true)).toEqual([]);
  });

  it('colour queries (OSC 4, 10, 11, 12 with ?) get no reply', async () => {
    // xterm would answer each with the palette.
    expect((await replies('\x1b]11;?\x1b\\', false)).join('')).toMatch(/^\x1b\]11;rgb:/);
    expect((await replies('\x1b]4;1;?\x07', false)).join('')).toMatch(/^\x1b\]4;1;rgb:/);
    expect(await replies('\x1b]11;?\x1b\\\x1b]10;?\x07\x1b]12;?\x07\x1b]4;1;?\x07', true)).toEqual([]);
  });

  it('window reports (CSI t) stay off', async () => {
    // What one enabled option would let through.
    expect((await replies('\x1b[18t', true, { ...WINDOW_OPTIONS_OFF, getWinSizeChars: true })).join('')).toMatch(/^\x1b\[8;\d+;\d+t$/);
    expect(await replies('\x1b[21t\x1b[14t\x1b[18t\x1b[13t', true)).toEqual([]);
  });

  it('device attributes and the cursor position report still answer: shells need them', async () => {
    const typed = (await replies('\x1b[c\x1b[6n', true)).join('');
    expect(typed).toContain('\x1b[?1;2c');
    expect(typed).toMatch(/\x1b\[\d+;\d+R/);
  });

  it('tells a colour query from a colour setting', () => {
    expect(isColourQuery(11, '?')).toBe(true);
    expect(isColourQuery(11, 'rgb:00/00/00')).toBe(false);
    expect(isColourQuery(12, ' ? ')).toBe(true);
    expect(isColourQuery(10, 'red;?')).toBe(true);
    expect(isColourQuery(4, '1;?')).toBe(true);
    expect(isColourQuery(4, '1;red;2;blue')).toBe(false);
    // OSC 4's index fields are not specs.
    expect(isColourQuery(4, '?;red')).toBe(false);
  });
});
