/**
 * patches/ssh2+1.17.0.patch is applied (patch-package runs on npm install / npm ci): without it
 * these fail. On a real ssh2 client and server over loopback: a channel has setWindowLimit, and a
 * publickey attempt with `certificate` names the certificate algorithm and carries the
 * certificate blob (sshd then checks the signature: test/integration/certificates.test.ts).
 */
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ssh2, { type ClientChannel, type Connection, type ServerHostKeyAlgorithm } from 'ssh2';
import { afterAll, describe, expect, it } from 'vitest';
import { CERT_HOST_KEY_ALGORITHMS } from '../../../../../app/main/services/engine/hostKeyPolicy';
import { hasWindowLimit } from '../../../../../app/main/services/engine/ssh2Patch';
import { parseCertificateLine } from '../../../../../app/main/services/engine/sshCertificate';
import { testHostKey } from '../../../../helpers/hostKey';

const { Client, Server } = ssh2;
const dir = mkdtempSync(join(tmpdir(), 'hopline-ssh2patch-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Seen {
  method: string;
  algo?: string;
  data?: Buffer;
  signature?: Buffer;
}

async function serve(onAuth: (seen: Seen) => boolean): Promise<{ port: number; close(): void }> {
  const server = new Server({ hostKeys: [testHostKey().private] }, (conn: Connection) => {
    conn.on('authentication', (ctx) => {
      const c = ctx as unknown as { method: string; key?: { algo: string; data: Buffer }; signature?: Buffer };
      if (onAuth({ method: c.method, algo: c.key?.algo, data: c.key?.data, signature: c.signature })) ctx.accept();
      else ctx.reject(['publickey', 'password']);
    });
    conn.on('ready', () =>
      conn.on('session', (accept) => {
        const session = accept();
        session.on('pty', (ok) => ok?.());
        session.on('shell', (ok) => ok());
      }),
    );
    conn.on('error', () => undefined);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { port: (server.address() as AddressInfo).port, close: () => server.close() };
}

describe('patches/ssh2+1.17.0.patch', () => {
  it('is present for the pinned ssh2 version and applied to node_modules', () => {
    const pinned = (JSON.parse(readFileSync('package.json', 'utf8')) as { dependencies: Record<string, string>; scripts: Record<string, string> });
    expect(existsSync(`patches/ssh2+${pinned.dependencies['ssh2']}.patch`)).toBe(true);
    expect(pinned.scripts['postinstall']).toBe('patch-package');
    expect(readFileSync('node_modules/ssh2/lib/Channel.js', 'utf8')).toContain('setWindowLimit(window, buffer)');
  });

  it('gives channels setWindowLimit (real connection)', async () => {
    const server = await serve((s) => s.method === 'password');
    const client = new Client();
    client.on('error', () => undefined);
    try {
      client.connect({ host: '127.0.0.1', port: server.port, username: 'u', password: 'p', hostVerifier: () => true });
      await once(client, 'ready');
      const channel = await new Promise<ClientChannel>((resolve, reject) => client.shell((err, ch) => (err ? reject(err) : resolve(ch))));
      expect(hasWindowLimit(channel)).toBe(true);
      expect(() => channel.setWindowLimit!(0)).toThrow(/Invalid window limit/);
      expect(channel.setWindowLimit!(128 * 1024, 16 * 1024)).toBe(channel);
      expect(channel.readableHighWaterMark).toBe(16 * 1024);
      expect(channel.stderr.readableHighWaterMark).toBe(16 * 1024);
    } finally {
      client.end();
      server.close();
    }
  });

  it('accepts the certificate host-key algorithms in a client\'s list, and falls back to a plain key the server has', async () => {
    const server = await serve((s) => s.method === 'password');
    const client = new Client();
    client.on('error', () => undefined);
    try {
      const negotiated = new Promise<string>((resolve) => client.once('handshake', (n: { serverHostKey: string }) => resolve(n.serverHostKey)));
      client.connect({ host: '127.0.0.1', port: server.port, username: 'u', password: 'p', hostVerifier: () => true, algorithms: { serverHostKey: [...CERT_HOST_KEY_ALGORITHMS, 'ssh-ed25519'] as ServerHostKeyAlgorithm[] } });
      await once(client, 'ready');
      // ssh2's server has no certificate: the plain key is used (certificates live: hostCertificates.test.ts).
      expect(await negotiated).toBe('ssh-ed25519');
    } finally {
      client.end();
      server.close();
    }
  });

  it('offers a certificate the agent holds (ssh-add of a key with KEY-cert.pub beside it)', async () => {
    const keyFile = join(dir, 'agent-key');
    const keygen = (...args: string[]) => execFileSync('ssh-keygen', ['-q', ...args], { stdio: 'pipe' });
    keygen('-t', 'ed25519', '-N', '', '-f', join(dir, 'ca-agent'));
    keygen('-t', 'ed25519', '-N', '', '-f', keyFile);
    keygen('-s', join(dir, 'ca-agent'), '-I', 'agent-held', '-n', 'u', `${keyFile}.pub`);
    const cert = parseCertificateLine(readFileSync(`${keyFile}-cert.pub`, 'utf8'));
    const socket = join(dir, 'agent.sock');
    const agent = spawn('ssh-agent', ['-D', '-a', socket], { stdio: 'ignore' });
    const seen: Seen[] = [];
    const server = await serve((s) => {
      seen.push(s);
      return false;
    });
    const client = new Client();
    client.on('error', () => undefined);
    try {
      for (let i = 0; i < 100 && !existsSync(socket); i++) await new Promise((r) => setTimeout(r, 20));
      execFileSync('ssh-add', [keyFile], { env: { ...process.env, SSH_AUTH_SOCK: socket }, stdio: 'pipe' });
      client.connect({ host: '127.0.0.1', port: server.port, username: 'u', hostVerifier: () => true, agent: socket, authHandler: ['agent'] } as never);
      await once(client, 'error');
    } finally {
      client.end();
      server.close();
      agent.kill();
    }
    const offered = seen.filter((s) => s.method === 'publickey').map((s) => s.algo);
    expect(offered).toEqual(['ssh-ed25519', 'ssh-ed25519-cert-v01@openssh.com']);
    expect(seen.find((s) => s.algo === 'ssh-ed25519-cert-v01@openssh.com')?.data?.equals(cert.blob)).toBe(true);
  });

  for (const keyType of ['ed25519', 'rsa'] as const) {
    it(`offers a ${keyType} certificate under its certificate algorithm`, async () => {
      const keyFile = join(dir, keyType);
      const keygen = (...args: string[]) => execFileSync('ssh-keygen', ['-q', ...args], { stdio: 'pipe' });
      keygen('-t', 'ed25519', '-N', '', '-f', join(dir, `ca-${keyType}`));
      keygen('-t', keyType, '-N', '', '-f', keyFile);
      keygen('-s', join(dir, `ca-${keyType}`), '-I', 'k', '-n', 'u', `${keyFile}.pub`);
      const cert = parseCertificateLine(readFileSync(`${keyFile}-cert.pub`, 'utf8'));
      const seen: Seen[] = [];
      const server = await serve((s) => {
        seen.push(s);
        return false;
      });
      const client = new Client();
      client.on('error', () => undefined);
      try {
        client.connect({
          host: '127.0.0.1',
          port: server.port,
          username: 'u',
          hostVerifier: () => true,
          authHandler: (_m: unknown, _p: unknown, next: (a: unknown) => void) =>
            seen.length ? next(false) : next({ type: 'publickey', username: 'u', key: readFileSync(keyFile), certificate: cert.blob }),
        } as never);
        await once(client, 'error');
      } finally {
        client.end();
        server.close();
      }
      const pk = seen.find((s) => s.method === 'publickey');
      // ssh2 1.17's server lists "…nistp521rsa-sha2-512,rsa-sha2-256…" (a missing comma), so
      // only rsa-sha2-256 is offered here; against sshd the patch picks rsa-sha2-512 (lab test).
      expect(pk?.algo).toBe(keyType === 'rsa' ? 'rsa-sha2-256-cert-v01@openssh.com' : 'ssh-ed25519-cert-v01@openssh.com');
      expect(pk?.data?.equals(cert.blob)).toBe(true);
    });
  }
});
