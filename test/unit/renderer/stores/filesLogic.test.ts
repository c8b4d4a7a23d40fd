/**
 * The files view's pure logic (issue 16): remote paths, what a row says (ls-style mode, human
 * sizes, times), which rows show in which order, and how the keyboard and mouse select.
 */
import { describe, expect, it } from 'vitest';
import { baseName, breadcrumb, EMPTY_SELECTION, formatModified, joinPath, modeString, moveCursor, nameProblem, nextSort, octalString, ownerText, parentPath, parseOctal, pruneSelection, resolveTyped, selectOnly, selectRange, toggleOne, visibleRows, type ViewOptions } from '../../../../app/renderer/stores/filesLogic';
import type { RemoteEntry } from '../../../../app/shared/model/remoteFile';
import { formatBytes } from '../../../../app/shared/model/byteSize';

function entry(name: string, extra: Partial<RemoteEntry> = {}): RemoteEntry {
  return { name, type: 'file', size: 0, mtimeMs: 0, mode: 0o100644, uid: 1000, gid: 1000, ...extra };
}
const dir = (name: string, extra: Partial<RemoteEntry> = {}) => entry(name, { type: 'directory', mode: 0o040755, ...extra });
const names = (rows: RemoteEntry[]) => rows.map((r) => r.name);
const opts = (extra: Partial<ViewOptions> = {}): ViewOptions => ({ sort: { key: 'name', descending: false }, filter: '', showHidden: false, ...extra });

describe('remote paths', () => {
  it('joins without doubling the slash, and keeps an absolute name', () => {
    expect(joinPath('/', 'etc')).toBe('/etc');
    expect(joinPath('/home/bench', 'logs')).toBe('/home/bench/logs');
    expect(joinPath('/home/bench/', 'logs')).toBe('/home/bench/logs');
    expect(joinPath('/x', '/abs')).toBe('/abs');
  });
  it('goes up to the root and stays there', () => {
    expect(parentPath('/home/bench')).toBe('/home');
    expect(parentPath('/home')).toBe('/');
    expect(parentPath('/')).toBe('/');
    expect(parentPath('/a/b/')).toBe('/a');
    expect(baseName('/a/b')).toBe('b');
    expect(baseName('/')).toBe('/');
  });
  it('makes a breadcrumb from the root', () => {
    expect(breadcrumb('/home/bench/logs')).toEqual([
      { name: '/', path: '/' },
      { name: 'home', path: '/home' },
      { name: 'bench', path: '/home/bench' },
      { name: 'logs', path: '/home/bench/logs' },
    ]);
    expect(breadcrumb('/')).toEqual([{ name: '/', path: '/' }]);
  });
  it('resolves a typed path: absolute, ~, ~/x, or relative to the folder shown', () => {
    expect(resolveTyped('/var/log', '/home/bench', '/home/bench')).toBe('/var/log');
    expect(resolveTyped('~', '/tmp', '/home/bench')).toBe('/home/bench');
    expect(resolveTyped('~/logs', '/tmp', '/home/bench')).toBe('/home/bench/logs');
    expect(resolveTyped('sub', '/tmp', null)).toBe('/tmp/sub');
    expect(resolveTyped('  ', '/tmp', null)).toBe('/tmp');
  });
});

describe('what a row says', () => {
  it('writes the mode as ls -l does, set-id and sticky bits included', () => {
    expect(modeString(0o040755)).toBe('drwxr-xr-x');
    expect(modeString(0o100644)).toBe('-rw-r--r--');
    expect(modeString(0o120777)).toBe('lrwxrwxrwx');
    expect(modeString(0o104755)).toBe('-rwsr-xr-x');
    expect(modeString(0o104644)).toBe('-rwSr--r--');
    expect(modeString(0o102755)).toBe('-rwxr-sr-x');
    expect(modeString(0o041777)).toBe('drwxrwxrwt');
    expect(modeString(0o041776)).toBe('drwxrwxrwT');
    expect(modeString(0o010600)).toBe('prw-------');
    expect(modeString(0o020620)).toBe('crw--w----');
    expect(modeString(0o140755)).toBe('srwxr-xr-x');
  });
  it('reads and writes octal modes as chmod takes them', () => {
    expect(octalString(0o100644)).toBe('0644');
    expect(octalString(0o104755)).toBe('4755');
    expect(parseOctal('755')).toBe(0o755);
    expect(parseOctal(' 0640 ')).toBe(0o640);
    expect(parseOctal('4755')).toBe(0o4755);
    expect(parseOctal('789')).toBeNull();
    expect(parseOctal('77777')).toBeNull();
    expect(parseOctal('')).toBeNull();
  });
  it('says sizes in binary units with one decimal under ten', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1023)).toBe('1023 B');
    expect(formatBytes(1024)).toBe('1.0 KiB');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(64 * 1024 * 1024)).toBe('64 MiB');
    expect(formatBytes(3.5 * 1024 ** 3)).toBe('3.5 GiB');
    expect(formatBytes(-1)).toBe('?');
  });
  it('writes the modified time the same width in every row, and nothing for no time', () => {
    expect(formatModified(new Date(2026, 11, 4, 9, 5).getTime())).toBe('2026-12-04 09:05');
    expect(formatModified(0)).toBe('');
  });
  it('shows user:group, or the numbers when the server gave no names', () => {
    expect(ownerText(entry('a', { owner: 'root', group: 'adm' }))).toBe('root:adm');
    expect(ownerText(entry('a', { uid: 0, gid: 4 }))).toBe('0:4');
  });
  it('refuses new names that are not one name', () => {
    expect(nameProblem('')).toMatch(/Type a name/);
    expect(nameProblem('a/b')).toMatch(/“\/”/);
    expect(nameProblem('a\0b')).toMatch(/NUL/);
    expect(nameProblem('..')).toMatch(/reserved/);
    expect(nameProblem('report 2026.txt')).toBeNull();
  });
});

describe('which rows, in which order', () => {
  const rows = [entry('b.txt', { size: 30, mtimeMs: 3 }), dir('src'), entry('a10.log', { size: 10, mtimeMs: 1 }), entry('.env', { size: 5 }), entry('a9.log', { size: 20, mtimeMs: 2 }), dir('.git'), entry('link', { type: 'symlink', targetType: 'directory' })];

  it('lists folders (and links to folders) first, then names in natural order, dot files hidden', () => {
    expect(names(visibleRows(rows, opts()))).toEqual(['link', 'src', 'a9.log', 'a10.log', 'b.txt']);
    expect(names(visibleRows(rows, opts({ showHidden: true })))).toEqual(['.git', 'link', 'src', '.env', 'a9.log', 'a10.log', 'b.txt']);
  });
  it('sorts by a column either way, folders still first', () => {
    expect(names(visibleRows(rows, opts({ sort: { key: 'size', descending: false } })))).toEqual(['link', 'src', 'a10.log', 'a9.log', 'b.txt']);
    expect(names(visibleRows(rows, opts({ sort: { key: 'size', descending: true } })))).toEqual(['src', 'link', 'b.txt', 'a9.log', 'a10.log']);
    expect(names(visibleRows(rows, opts({ sort: { key: 'modified', descending: true } }))).slice(2)).toEqual(['b.txt', 'a9.log', 'a10.log']);
  });
  it('filters by a case-insensitive part of the name, and never changes its input', () => {
    const before = names(rows);
    expect(names(visibleRows(rows, opts({ filter: 'LOG' })))).toEqual(['a9.log', 'a10.log']);
    expect(names(visibleRows(rows, opts({ filter: 'env', showHidden: true })))).toEqual(['.env']);
    expect(names(rows)).toEqual(before);
  });
  it('flips the direction on the same column and starts ascending on another', () => {
    expect(nextSort({ key: 'name', descending: false }, 'name')).toEqual({ key: 'name', descending: true });
    expect(nextSort({ key: 'name', descending: true }, 'size')).toEqual({ key: 'size', descending: false });
  });
  it('sorts 100,000 entries quickly, cold (keys are made once per entry)', () => {
    const many = Array.from({ length: 100_000 }, (_, i) => entry(`file-${(i * 7919) % 100_000}.dat`, { size: i }));
    const started = performance.now();
    const sorted = visibleRows(many, opts());
    expect(performance.now() - started).toBeLessThan(1500);
    expect(sorted[0]!.name).toBe('file-0.dat');
    expect(sorted[99_999]!.name).toBe('file-99999.dat');
  });
});

describe('selection', () => {
  const rows = ['a', 'b', 'c', 'd'].map((n) => entry(n));
  it('moves the cursor and clamps at the ends; with no cursor the first (or last) row', () => {
    expect(moveCursor(rows, null, 1)).toBe('a');
    expect(moveCursor(rows, null, -1)).toBe('d');
    expect(moveCursor(rows, 'b', 1)).toBe('c');
    expect(moveCursor(rows, 'b', 10)).toBe('d');
    expect(moveCursor(rows, 'b', -10)).toBe('a');
    expect(moveCursor([], 'b', 1)).toBeNull();
  });
  it('selects one, toggles one, and a range from the anchor in the order shown', () => {
    const one = selectOnly('b');
    expect([...one.names]).toEqual(['b']);
    const two = toggleOne(one, 'd');
    expect([...two.names].sort()).toEqual(['b', 'd']);
    expect([...toggleOne(two, 'b').names]).toEqual(['d']);
    const range = selectRange(one, rows, 'd');
    expect([...range.names]).toEqual(['b', 'c', 'd']);
    expect(range.anchor).toBe('b');
    expect([...selectRange(range, rows, 'a').names]).toEqual(['a', 'b']);
  });
  it('drops names no longer listed, and stays the same object when nothing changed', () => {
    const s = { names: new Set(['a', 'gone']), cursor: 'gone', anchor: 'a' };
    const pruned = pruneSelection(s, rows);
    expect([...pruned.names]).toEqual(['a']);
    expect(pruned.cursor).toBeNull();
    const same = selectOnly('a');
    expect(pruneSelection(same, rows)).toBe(same);
    expect(pruneSelection(EMPTY_SELECTION, [])).toBe(EMPTY_SELECTION);
  });
});
