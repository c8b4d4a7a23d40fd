import { describe, expect, it } from 'vitest';
import { displayName, MAX_NAME_BYTES, safeLocalName, utf8Length } from '../../../../app/shared/model/remoteNames';

describe('displayName', () => {
  it('keeps ordinary names and ordinary Unicode (accents, CJK, emoji, spaces) as they are', () => {
    for (const name of ['report.txt', 'Résumé final.pdf', '日本語のファイル', 'фото 2024', 'notes 📝.md', '👨‍👩‍👧 family.jpg', 'a b']) expect(displayName(name)).toBe(name);
  });

  it('shows C0, DEL and C1 controls as \\xNN, newline and tab included (a name has no lines)', () => {
    expect(displayName('a\x1b[2Jb\x07\x7f\x9b\n\t\r')).toBe('a\\x1b[2Jb\\x07\\x7f\\x9b\\x0a\\x09\\x0d');
  });

  it('shows bidi marks, embeddings, overrides and isolates as \\u{…}, so "exe.txt" cannot pose as "txt.exe"', () => {
    expect(displayName('invoice\u202Efdp.exe')).toBe('invoice\\u{202e}fdp.exe');
    expect(displayName('\u2066a\u2069\u200e\u200f\u061c\u202a\u202c')).toBe('\\u{2066}a\\u{2069}\\u{200e}\\u{200f}\\u{61c}\\u{202a}\\u{202c}');
  });

  it('shows zero-width and other invisible format characters, so look-alike names differ on screen', () => {
    expect(displayName('pass\u200Bwd')).toBe('pass\\u{200b}wd');
    expect(displayName('a\u200Cb\u200Dc\u2060d\uFEFFe\u00ADf')).toBe('a\\u{200c}b\\u{200d}c\\u{2060}d\\u{feff}e\\xadf');
    expect(displayName('tag\u{E0041}')).toBe('tag\\u{e0041}');
    expect(displayName('line\u2028para\u2029')).toBe('line\\u{2028}para\\u{2029}');
    expect(displayName('\u3164')).toBe('\\u{3164}');
  });

  it('escapes a backslash, so an escape on screen is never a literal name', () => {
    expect(displayName('a\\x1b')).toBe('a\\\\x1b');
    expect(displayName('a\x1b')).not.toBe(displayName('a\\x1b'));
  });

  it('shows a lone surrogate as an escape', () => {
    expect(displayName('a\uD800b')).toBe('a\\u{d800}b');
  });

  it('caps the length without cutting an escape or a surrogate pair, and bounds the work', () => {
    const long = displayName('\x1b'.repeat(100_000), 50);
    expect(long.length).toBeLessThanOrEqual(50);
    expect(long.endsWith('\\x1b…')).toBe(true);
    const emoji = displayName('😀'.repeat(100), 11);
    expect(emoji).toBe(`${'😀'.repeat(5)}…`);
    expect(displayName('x'.repeat(2000)).length).toBe(1024);
  });
});

describe('safeLocalName', () => {
  const refused = (name: string, windows = false): string => {
    const verdict = safeLocalName(name, { windows });
    expect(verdict.ok, `"${name}" should be refused`).toBe(false);
    return verdict.ok ? '' : verdict.reason;
  };

  it('accepts ordinary names, hidden files, Unicode and Linux-legal colons', () => {
    for (const name of ['a.txt', '.bashrc', 'Résumé.pdf', '日本', 'x'.repeat(255), 'é'.repeat(127), '2024-01-01T10:00:00.log', 'CONFIG', 'console.log', 'com10', 'lpt', '...x']) {
      expect(safeLocalName(name), name).toEqual({ ok: true });
    }
  });

  it("refuses '', '.', '..'", () => {
    expect(refused('')).toMatch(/empty/);
    expect(refused('.')).toMatch(/folder itself/);
    expect(refused('..')).toMatch(/folder itself/);
  });

  it('refuses separators, NUL, absolute and drive names', () => {
    for (const name of ['../x', 'a/b', '/etc/passwd', 'a\\b', '..\\..\\x', '\\\\server\\share']) expect(refused(name)).toMatch(/separator/);
    expect(refused('a\0b')).toMatch(/NUL/);
    expect(refused('C:x')).toMatch(/drive/);
    expect(refused('c:')).toMatch(/drive/);
  });

  it('refuses Windows device names in any case, with or without an extension', () => {
    for (const name of ['CON', 'con', 'Prn.txt', 'aux.tar.gz', 'NUL', 'nul.', 'COM1', 'com9.log', 'LPT1', 'lpt9.txt', 'COM\u00B9', 'CONIN$', 'conout$.x', 'con .txt']) {
      expect(refused(name)).toMatch(/device|dot or a space/);
    }
  });

  it('refuses a trailing dot or space', () => {
    expect(refused('name.')).toMatch(/dot or a space/);
    expect(refused('name ')).toMatch(/dot or a space/);
    expect(refused('...')).toMatch(/dot or a space/);
  });

  it('refuses names over 255 bytes of UTF-8', () => {
    expect(refused('x'.repeat(MAX_NAME_BYTES + 1))).toMatch(/255 bytes/);
    expect(refused('é'.repeat(128))).toMatch(/255 bytes/);
    expect(refused('😀'.repeat(64))).toMatch(/255 bytes/);
  });

  it("refuses Windows' forbidden characters only when asked for Windows rules", () => {
    for (const name of ['ab:c', 'a<b', 'a>b', 'a"b', 'a|b', 'a?b', 'a*b', 'a\x01b']) {
      expect(safeLocalName(name).ok, name).toBe(true);
      expect(refused(name, true)).toMatch(/Windows does not allow/);
    }
  });
});

describe('utf8Length', () => {
  it('counts bytes as UTF-8 does', () => {
    expect(utf8Length('abc')).toBe(3);
    expect(utf8Length('é')).toBe(2);
    expect(utf8Length('日')).toBe(3);
    expect(utf8Length('😀')).toBe(4);
    expect(utf8Length('\uD800')).toBe(3);
    for (const s of ['Résumé 日本 😀', 'x'.repeat(300)]) expect(utf8Length(s)).toBe(new TextEncoder().encode(s).length);
  });
});
