import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveStaticFile } from '../../../../app/main/transports/staticFiles';

function makeRoot() {
  const base = mkdtempSync(path.join(tmpdir(), 'hl-static-'));
  const root = path.join(base, 'renderer');
  mkdirSync(path.join(root, 'assets'), { recursive: true });
  writeFileSync(path.join(root, 'index.html'), '<html></html>');
  writeFileSync(path.join(root, 'assets', 'app.js'), 'x');
  writeFileSync(path.join(base, 'secret.txt'), 'do not serve');
  symlinkSync(path.join(base, 'secret.txt'), path.join(root, 'assets', 'link.txt'));
  return root;
}

describe('resolveStaticFile', () => {
  const root = makeRoot();

  it('serves index.html for / and files by path with their content type', () => {
    expect(resolveStaticFile(root, '/')).toMatchObject({ contentType: 'text/html; charset=utf-8' });
    expect(resolveStaticFile(root, '/assets/app.js')?.filePath).toBe(path.join(root, 'assets', 'app.js'));
  });

  it.each(['/../secret.txt', '/assets/../../secret.txt', '/%2e%2e/secret.txt', '/..%2fsecret.txt', '/assets/link.txt', '/assets', '/nope.js', '/%00', '/%E0%A4%A', '/..\\secret.txt'])('refuses %s', (p) => {
    expect(resolveStaticFile(root, p)).toBeNull();
  });
});
