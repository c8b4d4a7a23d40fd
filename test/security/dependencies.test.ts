/**
 * The dependency policy of SECURITY.md, checked:
 * - ssh2 is pinned to one exact version, at least 1.15.0 (the first with strict key exchange
 *   against Terrapin, CVE-2023-48795), and that version is what the lock file resolves and what
 *   is installed, with no second, older copy anywhere in the tree.
 * - The engine's ssh2 client really offers strict KEX on the wire (its KEXINIT, captured on a
 *   loopback socket) and a real ssh2 server agrees to it in a handshake with the engine.
 * - `npm run audit` tells "could not check" apart from "clean" and "found something".
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import ssh2 from 'ssh2';
import { afterAll, describe, expect, it } from 'vitest';
import { CircuitEngine } from '../../app/main/services/engine/circuitEngine';
import { PromptBroker } from '../../app/main/services/engine/promptBroker';
import type { HopSpec } from '../../app/main/services/engine/hopSpec';
import { HoplineError } from '../../app/shared/model/errors';
import { testHostKey } from '../helpers/hostKey';

const { Server } = ssh2;
const STRICT_KEX_CLIENT = 'kex-strict-c-v00@openssh.com';
const MIN_SSH2 = [1, 15, 0];

const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { dependencies: Record<string, string> };
const lock = JSON.parse(readFileSync('package-lock.json', 'utf8')) as { packages: Record<string, { version?: string; dependencies?: Record<string, string> }> };
const work = mkdtempSync(path.join(tmpdir(), 'hl-deps-'));

function atLeast(version: string, min: number[]): boolean {
  const parts = version.split('.').map(Number);
  for (let i = 0; i < min.length; i++) {
    if ((parts[i] ?? 0) !== min[i]) return (parts[i] ?? 0) > min[i]!;
  }
  return true;
}

/** An engine that rejects every unknown host key, so nothing is ever sent past the handshake. */
async function openAndReject(port: number): Promise<unknown> {
  const broker = new PromptBroker();
  const engine = new CircuitEngine({ hostKeyFiles: { userFiles: [], appFile: path.join(work, 'known_hosts') }, prompts: broker });
  broker.onDidRequest((request) => void broker.decideHostKey(request.id, 'reject'));
  const spec: HopSpec = { name: 'loopback', host: '127.0.0.1', port, user: 'nobody', auth: [{ kind: 'password' }], connectTimeoutMs: 5000 };
  try {
    return await engine.open([spec]).catch((error: unknown) => error);
  } finally {
    await engine.dispose();
  }
}

describe('ssh2 pin', () => {
  const pinned = pkg.dependencies.ssh2!;

  it('is one exact version, at least 1.15.0', () => {
    expect(pinned).toMatch(/^\d+\.\d+\.\d+$/);
    expect(atLeast(pinned, MIN_SSH2), `ssh2 ${pinned} predates strict KEX (1.15.0)`).toBe(true);
  });

  it('is what the lock file records and resolves, and what is installed, with no other copy', () => {
    expect(lock.packages['']!.dependencies!.ssh2).toBe(pinned);
    const copies = Object.entries(lock.packages).filter(([key]) => key === 'node_modules/ssh2' || key.endsWith('/node_modules/ssh2'));
    expect(copies.map(([key, entry]) => [key, entry.version])).toEqual([['node_modules/ssh2', pinned]]);
    const installed = JSON.parse(readFileSync('node_modules/ssh2/package.json', 'utf8')) as { version: string };
    expect(installed.version).toBe(pinned);
  });
});

describe('strict key exchange (Terrapin)', () => {
  const servers: net.Server[] = [];
  afterAll(async () => {
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  });

  it('is offered by the engine\'s client in its KEXINIT, as captured on the wire', async () => {
    // A loopback server that speaks only the identification line, then reads the client's first
    // binary packet: SSH_MSG_KEXINIT (20), 16 bytes of cookie, then the kex algorithm name-list.
    const kexList = new Promise<string[]>((resolve, reject) => {
      const server = net.createServer((socket) => {
        let buffered = Buffer.alloc(0);
        socket.on('error', () => undefined);
        socket.write('SSH-2.0-HoplineCapture\r\n');
        socket.on('data', (chunk: Buffer) => {
          buffered = Buffer.concat([buffered, chunk]);
          const identEnd = buffered.indexOf('\r\n');
          if (identEnd < 0) return;
          const packet = buffered.subarray(identEnd + 2);
          if (packet.length < 4 || packet.length < 4 + packet.readUInt32BE(0)) return;
          const payload = packet.subarray(5);
          if (payload[0] !== 20) return reject(new Error(`first packet is message ${payload[0]}, not KEXINIT`));
          const listLength = payload.readUInt32BE(17);
          resolve(payload.subarray(21, 21 + listLength).toString('ascii').split(','));
          socket.destroy();
        });
      });
      servers.push(server);
      server.listen(0, '127.0.0.1', () => void openAndReject((server.address() as net.AddressInfo).port));
    });
    const offered = await kexList;
    expect(offered).toContain(STRICT_KEX_CLIENT);
    expect(offered).toContain('curve25519-sha256');
  });

  it('is agreed in a real handshake between the engine and an ssh2 server on loopback', async () => {
    const debug: string[] = [];
    const server = new Server({ hostKeys: [testHostKey().private], debug: (line: string) => debug.push(line) }, (client) => {
      client.on('error', () => undefined);
      client.on('authentication', (ctx) => ctx.reject());
    });
    servers.push(server as unknown as net.Server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const error = await openAndReject((server.address() as net.AddressInfo).port);
    // The host key is refused, so the engine never reaches authentication: nothing secret left.
    expect(error).toBeInstanceOf(HoplineError);
    expect((error as HoplineError).code).toBe('HOST_KEY_REJECTED');
    // The server turns strict mode on only when the client offered kex-strict-c-v00.
    expect(debug.some((line) => line.includes('strict KEX mode enabled'))).toBe(true);
  });
});

describe('npm run audit', () => {
  /** Runs the audit script with a fake `npm` first on PATH that prints `auditJson` and exits `auditCode`. */
  function runAudit(auditJson: unknown, auditCode: number): { status: number | null; out: string } {
    const bin = mkdtempSync(path.join(work, 'bin-'));
    writeFileSync(path.join(bin, 'audit.json'), JSON.stringify(auditJson));
    writeFileSync(path.join(bin, 'npm'), `#!/bin/sh\nif [ "$1" = config ]; then echo https://registry.example/; exit 0; fi\ncat "${path.join(bin, 'audit.json')}"\nexit ${auditCode}\n`);
    chmodSync(path.join(bin, 'npm'), 0o755);
    const run = spawnSync(path.resolve('node_modules/.bin/tsx'), ['test/security/npmAudit.ts'], { encoding: 'utf8', env: { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}` } });
    return { status: run.status, out: `${run.stdout}${run.stderr}` };
  }

  it('fails with the reason, never passes, when the advisory endpoint is unavailable', () => {
    const result = runAudit({ message: '405 Method Not Allowed - POST https://registry.example/-/npm/v1/security/advisories/bulk', statusCode: 405 }, 1);
    expect(result.status).toBe(2);
    expect(result.out).toContain('could NOT check');
    expect(result.out).toContain('405 Method Not Allowed');
  });

  it('fails on a high advisory and passes on a report with none', () => {
    const high = runAudit({ vulnerabilities: { ws: { name: 'ws', severity: 'high', range: '<8.17.1', via: [{ source: 1, title: 'DoS', url: 'https://github.com/advisories/GHSA-3h5v-q93c-6h6q', severity: 'high' }] } } }, 1);
    expect(high.status).toBe(1);
    expect(high.out).toContain('HIGH ws <8.17.1');
    const moderate = runAudit({ vulnerabilities: { x: { name: 'x', severity: 'moderate', range: '*', via: [{ title: 't', url: 'https://github.com/advisories/GHSA-xxxx', severity: 'moderate' }] } } }, 1);
    expect(moderate.status).toBe(0);
    expect(runAudit({ vulnerabilities: {} }, 0).status).toBe(0);
  });
});
