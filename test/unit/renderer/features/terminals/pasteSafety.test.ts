import { describe, expect, it } from 'vitest';
import { hasLineBreak, needsPasteConfirmation, pasteLines, sanitizePaste } from '../../../../../app/renderer/features/terminals/pasteSafety';

describe('paste sanitising', () => {
  it('takes ESC out, so a pasted ESC[201~ cannot end bracketed paste early', () => {
    expect(sanitizePaste('ls\x1b[201~; rm -rf ~')).toEqual({ text: 'ls[201~; rm -rf ~', removed: 1 });
    expect(sanitizePaste('\x1b[200~x\x1b[201~').text).toBe('[200~x[201~');
  });

  it('removes every C0 control but tab, CR and LF, and DEL and the C1 range (8-bit CSI included)', () => {
    const c0 = Array.from({ length: 32 }, (_, i) => String.fromCharCode(i)).join('');
    expect(sanitizePaste(`a${c0}b`).text).toBe('a\t\n\rb');
    expect(sanitizePaste('a\x7fb\x9b31mc\x85d').text).toBe('ab31mcd');
    expect(sanitizePaste('a\x03\x04\x1a').removed).toBe(3);
  });

  it('keeps ordinary text, tabs, line breaks and non-ASCII untouched', () => {
    const text = 'for f in *; do\n\techo "$f" — ✓ 日本 🚀\r\ndone';
    expect(sanitizePaste(text)).toEqual({ text, removed: 0 });
  });

  it('asks before text with a line break, unless the profile says not to', () => {
    expect(needsPasteConfirmation('ls -l', true)).toBe(false);
    expect(needsPasteConfirmation('ls -l\n', true)).toBe(true);
    expect(needsPasteConfirmation('a\rb', true)).toBe(true);
    expect(needsPasteConfirmation('a\nb', false)).toBe(false);
    expect(hasLineBreak('a\tb')).toBe(false);
  });

  it('splits lines at CRLF, CR and LF alike', () => {
    expect(pasteLines('a\r\nb\rc\nd')).toEqual(['a', 'b', 'c', 'd']);
  });
});
