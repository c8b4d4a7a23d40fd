/**
 * Web mode's security and robustness, against the real built server in its own process.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { filesUnder } from '../helpers/files';
import { connectWs, upgradeStatus } from '../helpers/wsClient';
import { startWebProcess, type WebProcess } from '../helpers/webProcess';

function get(port: number, path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, headers }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
  });
}

describe('web mode', () => {
  let web: WebProcess;
  let cookie: string;

  beforeAll(async () => {
    web = await startWebProcess();
    const first = await get(web.port, `/?token=${web.token}`);
    cookie = String(first.headers['set-cookie']?.[0] ?? '').split(';')[0]!;
  });
  afterAll(async () => {
    await web?.stop();
  });

  it('listens on 127.0.0.1 only and prints the token once, nowhere else', () => {
    expect(web.stdout().match(/token=/g)).toHaveLength(1);
    expect(web.stderr()).not.toContain(web.token);
    expect(readFileSync(`/proc/${web.child.pid}/cmdline`, 'utf8')).not.toContain(web.token);
    expect(readFileSync(`/proc/${web.child.pid}/environ`, 'utf8')).not.toContain(web.token);
    // Regular files only: the data dir also holds the gateway's directory and control socket.
    for (const file of filesUnder(web.dataDir)) {
      expect(readFileSync(file, 'utf8')).not.toContain(web.token);
    }
    const tcp = readFileSync('/proc/net/tcp', 'utf8');
    const portHex = web.port.toString(16).toUpperCase().padStart(4, '0');
    const listeners = tcp.split('\n').filter((l) => l.includes(`:${portHex} `) && l.trim().split(/\s+/)[3] === '0A');
    expect(listeners.length).toBe(1);
    expect(listeners[0]).toContain(`0100007F:${portHex}`);
  });

  it('trades the token in the URL for an HttpOnly SameSite cookie and a clean redirect', async () => {
    const res = await get(web.port, `/?token=${web.token}`);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/');
    expect(res.headers['set-cookie']?.[0]).toMatch(/HttpOnly; SameSite=Strict; Path=\//);
    const page = await get(web.port, '/', { Cookie: cookie });
    expect(page.status).toBe(200);
    expect(page.body).toContain('<div id="root">');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.headers['content-security-policy']).toContain(`connect-src 'self' ws://127.0.0.1:${web.port}`);
  });

  it('answers 401 to a page request with a missing or wrong token', async () => {
    expect((await get(web.port, '/')).status).toBe(401);
    expect((await get(web.port, '/?token=nope')).status).toBe(401);
    expect((await get(web.port, '/assets/', { Cookie: `hopline_token_${web.port}=nope` })).status).toBe(401);
  });

  it('answers 403 to a foreign Host (DNS rebinding) and a foreign Origin', async () => {
    expect((await get(web.port, `/?token=${web.token}`, { Host: `attacker.example:${web.port}` })).status).toBe(403);
    expect((await get(web.port, '/', { Host: `127.0.0.1:${web.port + 1}`, Cookie: cookie })).status).toBe(403);
    expect((await get(web.port, '/', { Cookie: cookie, Origin: 'http://attacker.example' })).status).toBe(403);
    expect((await get(web.port, '/', { Host: `localhost:${web.port}`, Cookie: cookie })).status).toBe(200);
  });

  it('guards the WebSocket upgrade: token 401, Host 403, Origin 403', async () => {
    const origin = `http://127.0.0.1:${web.port}`;
    expect(await upgradeStatus(web.port, '/rpc', { origin })).toBe(401);
    expect(await upgradeStatus(web.port, '/rpc?token=wrong', { origin })).toBe(401);
    expect(await upgradeStatus(web.port, `/rpc?token=${web.token}`, { origin, host: `evil.example:${web.port}` })).toBe(403);
    expect(await upgradeStatus(web.port, `/rpc?token=${web.token}`, { origin: 'http://evil.example' })).toBe(403);
    expect(await upgradeStatus(web.port, `/rpc?token=${web.token}`, {})).toBe(403);
    expect(await upgradeStatus(web.port, '/rpc', { origin, cookie })).toBe(101);
  });

  it('round-trips a call and delivers an event over the WebSocket', async () => {
    const client = await connectWs(web.port, web.token);
    try {
      const info = (await client.rpc.call('app:info', [])) as { transport: string; dataDir: string; version: string };
      expect(info).toMatchObject({ transport: 'web', dataDir: web.dataDir });
      expect(info.version).toMatch(/^\d+\.\d+\.\d+/);
      const pong = new Promise((resolve) => client.rpc.listen('app:onDidPong', resolve));
      await client.rpc.call('app:ping', [{ nonce: 'e2e' }]);
      await expect(pong).resolves.toMatchObject({ nonce: 'e2e' });
    } finally {
      await client.close();
    }
  });

  it('answers unknown methods, prototype keys, malformed and oversized frames with errors, and keeps working', async () => {
    const client = await connectWs(web.port, web.token);
    try {
      await expect(client.rpc.call('app:doesNotExist', [])).rejects.toMatchObject({ code: 'METHOD_NOT_FOUND' });
      await expect(client.rpc.call('__proto__', [])).rejects.toMatchObject({ code: 'METHOD_NOT_FOUND' });
      await expect(client.rpc.call('app:constructor', [])).rejects.toMatchObject({ code: 'METHOD_NOT_FOUND' });
      await expect(client.rpc.call('app:ping', [JSON.parse('{"__proto__": {"polluted": true}, "nonce": "x"}')])).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });

      const raw = async (data: string | Buffer, binary = false) => {
        const next = client.nextFrame();
        client.sendRaw(data, binary);
        return next;
      };
      expect(await raw('{not json')).toMatchObject({ type: 'error', error: { code: 'BAD_FRAME' } });
      expect(await raw('42')).toMatchObject({ type: 'error', error: { code: 'BAD_FRAME' } });
      expect(await raw(Buffer.from([1, 2, 3]), true)).toMatchObject({ type: 'error', error: { code: 'BAD_FRAME' } });
      expect(await raw(JSON.stringify({ type: 'call', id: 1, channel: 'app:ping', args: [{ nonce: 'x'.repeat(2 * 1024 * 1024) }] }))).toMatchObject({ type: 'error', error: { code: 'FRAME_TOO_LARGE' } });
      const deep = `${'['.repeat(100_000)}"x"${']'.repeat(100_000)}`;
      expect(await raw(`{"type":"call","id":77,"channel":"app:ping","args":[${deep}]}`)).toMatchObject({ type: 'result', id: 77, ok: false, error: { code: 'INVALID_ARGUMENT' } });

      // The same connection, and the server, still answer.
      await expect(client.rpc.call('app:version', [])).resolves.toMatch(/^\d/);
      expect(({}) as Record<string, unknown>).not.toHaveProperty('polluted');
    } finally {
      await client.close();
    }
    const second = await connectWs(web.port, web.token);
    await expect(second.rpc.call('app:version', [])).resolves.toMatch(/^\d/);
    await second.close();
  });
});
