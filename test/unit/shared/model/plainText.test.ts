import { describe, expect, it } from 'vitest';
import { toPlainText } from '../../../../app/shared/model/plainText';

describe('toPlainText', () => {
  it('shows C0, DEL and C1 controls as visible \\xNN escapes, keeping newlines and tabs', () => {
    expect(toPlainText('\x1b]0;pwned\x07 \x1b[2J\x9b31m\x7f\r\n\tok')).toBe('\\x1b]0;pwned\\x07 \\x1b[2J\\x9b31m\\x7f\\x0d\n\tok');
  });

  it('shows bidi overrides, embeddings, isolates and marks as \\uNNNN, so text reads in the order it was sent', () => {
    expect(toPlainText('a\u202eb\u202cc\u2066d\u2069\u200e\u200f\u061c\u202a')).toBe('a\\u202eb\\u202cc\\u2066d\\u2069\\u200e\\u200f\\u061c\\u202a');
  });

  it('leaves markup as the characters it is made of', () => {
    expect(toPlainText('<img src=x onerror=alert(1)>')).toBe('<img src=x onerror=alert(1)>');
  });

  it('cuts long text to at most maxLength characters, the marker included, counting what it dropped', () => {
    const out = toPlainText('x'.repeat(10_000), 200);
    expect(out.length).toBeLessThanOrEqual(200);
    const dropped = Number(/… \((\d+) more characters\)$/.exec(out)![1]);
    expect(out.indexOf('…') + dropped).toBe(10_000);
    expect(toPlainText('x'.repeat(200), 200)).toBe('x'.repeat(200));
  });

  it('counts escapes in the limit (a megabyte of ESC stays bounded)', () => {
    expect(toPlainText('\x1b'.repeat(2 ** 20), 500).length).toBeLessThanOrEqual(500);
  });

  it('is idempotent at the same or a larger limit, so main and renderer can both apply it', () => {
    for (const text of ['\x1b[2J<b>hi</b>\u202e', 'y'.repeat(5000), `${'\x1b'.repeat(300)}${'z'.repeat(300)}`]) {
      const once = toPlainText(text, 200);
      expect(toPlainText(once, 200)).toBe(once);
      expect(toPlainText(once)).toBe(once);
    }
  });

  it('never leaves half a surrogate pair at the cut', () => {
    for (let n = 40; n < 48; n++) {
      const out = toPlainText('😀'.repeat(100), n);
      expect(out.length).toBeLessThanOrEqual(n);
      expect(out).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])/);
    }
  });
});
