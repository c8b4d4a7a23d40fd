/**
 * The CSP and the other security headers on every response web mode can give: each file of the
 * built renderer (walked from dist/renderer, so a new asset is covered without touching this
 * test), the root, HEAD, the token redirect, 401, 403 (Host and Origin), 404 and 405. Against
 * the real built server in its own process (dist/ is used: run under the lab lock).
 *
 * The Electron side's protocol handler is covered in test/unit/main/transports/appProtocol.test.ts
 * and test/security/electronShell.test.ts.
 */
import { readFileSync, readdirSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { securityHeaders } from '../../app/main/transports/securityHeaders';
import { startWebProcess, type WebProcess } from '../helpers/webProcess';

const RENDERER = 'dist/renderer';

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function request(port: number, method: string, urlPath: string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: urlPath, method, headers }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString('latin1')));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(method === 'POST' ? 'x' : undefined);
  });
}

/** Parses a CSP header into directive -> sources. */
function directives(csp: string): Map<string, string[]> {
  return new Map(
    csp
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .filter((parts) => parts[0])
      .map((parts) => [parts[0]!, parts.slice(1)]),
  );
}

function expectLockedDown(answer: Answer, what: string, port: number): void {
  const expected = securityHeaders();
  for (const [name, value] of Object.entries(expected)) {
    if (name === 'Content-Security-Policy') continue;
    expect(answer.headers[name.toLowerCase()], `${what}: ${name}`).toBe(value);
  }
  const csp = answer.headers['content-security-policy'];
  expect(typeof csp, `${what}: Content-Security-Policy`).toBe('string');
  const d = directives(csp as string);
  expect(d.get('default-src'), what).toEqual(["'none'"]);
  expect(d.get('script-src'), what).toEqual(["'self'"]);
  expect(d.get('object-src'), what).toEqual(["'none'"]);
  expect(d.get('base-uri'), what).toEqual(["'none'"]);
  expect(d.get('frame-ancestors'), what).toEqual(["'none'"]);
  expect(d.get('form-action'), what).toEqual(["'none'"]);
  // The only thing beyond 'self' a page may connect to is this server's own WebSocket.
  for (const source of d.get('connect-src') ?? []) expect(["'self'", `ws://127.0.0.1:${port}`, `ws://localhost:${port}`], what).toContain(source);
  expect(csp as string, what).not.toContain('unsafe-eval');
}

function rendererFiles(dir = RENDERER): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? rendererFiles(full) : [`/${path.relative(RENDERER, full).split(path.sep).join('/')}`];
  });
}

describe('CSP on every response web mode serves', () => {
  let web: WebProcess;
  let cookie: string;

  beforeAll(async () => {
    web = await startWebProcess();
    const first = await request(web.port, 'GET', `/?token=${web.token}`);
    cookie = String(first.headers['set-cookie']?.[0] ?? '').split(';')[0]!;
  });
  afterAll(async () => {
    await web?.stop();
  });

  it('is on every file of the built renderer, on GET and HEAD', async () => {
    const files = rendererFiles();
    expect(files).toContain('/index.html');
    expect(files.some((f) => f.endsWith('.js'))).toBe(true);
    for (const file of ['/', ...files]) {
      const got = await request(web.port, 'GET', file, { Cookie: cookie });
      expect(got.status, file).toBe(200);
      expectLockedDown(got, `GET ${file}`, web.port);
      const head = await request(web.port, 'HEAD', file, { Cookie: cookie });
      expect(head.status, file).toBe(200);
      expectLockedDown(head, `HEAD ${file}`, web.port);
    }
    // Pages open a WebSocket to this server, so connect-src names it; nothing else is allowed.
    const page = await request(web.port, 'GET', '/', { Cookie: cookie });
    expect(directives(page.headers['content-security-policy'] as string).get('connect-src')).toEqual(["'self'", `ws://127.0.0.1:${web.port}`]);
  });

  it('is on the token redirect, 401, 403, 404 and 405 answers', async () => {
    const cases: [string, Promise<Answer>, number][] = [
      ['token redirect', request(web.port, 'GET', `/?token=${web.token}`), 303],
      ['no token', request(web.port, 'GET', '/'), 401],
      ['wrong token', request(web.port, 'GET', '/index.html?token=nope'), 401],
      ['foreign Host', request(web.port, 'GET', '/', { Cookie: cookie, Host: `evil.example:${web.port}` }), 403],
      ['foreign Origin', request(web.port, 'GET', '/', { Cookie: cookie, Origin: 'http://evil.example' }), 403],
      ['missing file', request(web.port, 'GET', '/no/such/file.js', { Cookie: cookie }), 404],
      ['traversal', request(web.port, 'GET', '/..%2f..%2fpackage.json', { Cookie: cookie }), 404],
      ['directory', request(web.port, 'GET', '/assets/', { Cookie: cookie }), 404],
      ['POST', request(web.port, 'POST', '/index.html', { Cookie: cookie }), 405],
      ['DELETE', request(web.port, 'DELETE', '/index.html', { Cookie: cookie }), 405],
    ];
    for (const [what, pending, status] of cases) {
      const answer = await pending;
      expect(answer.status, what).toBe(status);
      expectLockedDown(answer, what, web.port);
    }
  });

  it('needs nothing inline: the built page has no inline script for the CSP to block', () => {
    const html = readFileSync(path.join(RENDERER, 'index.html'), 'utf8');
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attributes, body] of scripts) {
      expect(attributes).toMatch(/\bsrc=/);
      expect(body!.trim()).toBe('');
    }
    expect(html).not.toMatch(/\son[a-z]+\s*=/i);
  });
});
