/**
 * The Electron app:// protocol handler, in plain Node with real files: every response it can
 * return (a page, an asset, HEAD, 404, 405, a read error, a bad URL) carries the CSP and the
 * other security headers, and nothing outside the renderer directory is ever served.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { appProtocolHandler } from '../../../../app/main/transports/appProtocol';
import { securityHeaders } from '../../../../app/main/transports/securityHeaders';

const root = mkdtempSync(path.join(tmpdir(), 'hl-appproto-'));
const rendererDir = path.join(root, 'renderer');
mkdirSync(path.join(rendererDir, 'assets'), { recursive: true });
writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><div id="root"></div>');
writeFileSync(path.join(rendererDir, 'assets', 'app.js'), 'console.log(1)');
writeFileSync(path.join(root, 'secret.txt'), 'not for the renderer');

function expectSecurityHeaders(response: Response): void {
  for (const [name, value] of Object.entries(securityHeaders())) expect(response.headers.get(name), name).toBe(value);
  // The app's own pages make no WebSocket connection in Electron: connect-src is 'self' only.
  expect(response.headers.get('Content-Security-Policy')).toContain("connect-src 'self';");
}

describe('app:// protocol handler', () => {
  const handle = appProtocolHandler(rendererDir);

  it('serves the renderer\'s files with their types and the security headers', async () => {
    const page = await handle(new Request('app://hopline/'));
    expect(page.status).toBe(200);
    expect(page.headers.get('Content-Type')).toBe('text/html; charset=utf-8');
    expect(await page.text()).toContain('<div id="root">');
    expectSecurityHeaders(page);

    const script = await handle(new Request('app://hopline/assets/app.js'));
    expect(script.status).toBe(200);
    expect(script.headers.get('Content-Type')).toBe('text/javascript; charset=utf-8');
    expectSecurityHeaders(script);

    const head = await handle(new Request('app://hopline/index.html', { method: 'HEAD' }));
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    expectSecurityHeaders(head);
  });

  it('answers 404 with the security headers for anything missing, outside the root or on another host', async () => {
    for (const url of ['app://hopline/missing.js', 'app://hopline/../secret.txt', 'app://hopline/%2e%2e/secret.txt', 'app://hopline/assets/..%2f..%2fsecret.txt', 'app://hopline/assets/', 'app://evil/index.html', 'app://hopline.evil/index.html']) {
      const response = await handle(new Request(url));
      expect(response.status, url).toBe(404);
      expect(await response.text()).not.toContain('not for the renderer');
      expectSecurityHeaders(response);
    }
  });

  it('answers other methods with 405, a bad URL with 400 and a failed read with 500, all with the headers', async () => {
    const post = await handle(new Request('app://hopline/index.html', { method: 'POST', body: 'x' }));
    expect(post.status).toBe(405);
    expect(post.headers.get('Allow')).toBe('GET, HEAD');
    expectSecurityHeaders(post);

    // Electron always hands a parseable URL; a Request cannot even be built with a bad one.
    const bad = await handle({ url: 'not a url', method: 'GET' } as Request);
    expect(bad.status).toBe(400);
    expectSecurityHeaders(bad);

    const failing = appProtocolHandler(rendererDir, () => Promise.reject(new Error('EACCES')));
    const error = await failing(new Request('app://hopline/index.html'));
    expect(error.status).toBe(500);
    expect(await error.text()).not.toContain('EACCES');
    expectSecurityHeaders(error);
  });
});
