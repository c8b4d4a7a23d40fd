/**
 * The lab itself: real OpenSSH in network namespaces. The target must be unreachable from the
 * client and reachable through both bastions; bastion-mfa must ask for a password and a TOTP code.
 */
import net from 'node:net';
import { spawnSync } from 'node:child_process';
import { afterEach, describe, expect, inject, it } from 'vitest';
import type { Client } from 'ssh2';
import { totpCode, type LabStatus } from '../lab/lab';
import { requirement } from '../setup/requirements';
import { connectHop, execText, forwardTo } from '../helpers/ssh';

const lab = inject('lab');
const runs = requirement('the real-OpenSSH lab', lab ? null : (inject('labMissing') ?? 'lab not up'));

function tcpOutcome(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.setTimeout(3000, () => {
      socket.destroy();
      resolve('timeout');
    });
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
  });
}

describe.runIf(runs)('lab', () => {
  const status = lab as LabStatus;
  const host = (name: string) => status.hosts.find((h) => h.name === name)!;
  const opened: Client[] = [];
  afterEach(() => {
    for (const c of opened.splice(0).reverse()) c.end();
  });

  it('is up, with a status listing hosts, fingerprints and the TOTP secret', () => {
    expect(status.hosts.map((h) => h.name)).toEqual(['bastion-mfa', 'bastion-key', 'target']);
    for (const h of status.hosts) {
      expect(h.hostKeys.length).toBeGreaterThanOrEqual(2);
      for (const k of h.hostKeys) expect(k.sha256).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    }
    expect(status.users.ops.totpSecret).toMatch(/^[A-Z2-7]{32}$/);
    const routes = spawnSync('ip', ['route', 'show', 'type', 'unreachable'], { encoding: 'utf8' }).stdout;
    expect(routes).toContain(status.range);
  });

  it('reaches bastion-mfa directly but not bastion-key or the target', async () => {
    expect(await tcpOutcome(host('bastion-mfa').address, 22)).toBe('connected');
    expect(['EHOSTUNREACH', 'ENETUNREACH']).toContain(await tcpOutcome(host('bastion-key').address, 22));
    expect(['EHOSTUNREACH', 'ENETUNREACH']).toContain(await tcpOutcome(host('target').address, 22));
  });

  it('reaches the target through both bastions with the lab key (ssh2)', async () => {
    const b1 = await connectHop({ host: host('bastion-mfa'), user: 'bench', privateKey: status.clientKey });
    opened.push(b1);
    const b2 = await connectHop({ host: host('bastion-key'), user: 'bench', privateKey: status.clientKey, sock: await forwardTo(b1, host('bastion-key')) });
    opened.push(b2);
    const t = await connectHop({ host: host('target'), user: 'bench', privateKey: status.clientKey, sock: await forwardTo(b2, host('target')) });
    opened.push(t);
    const out = await execText(t, 'hostname -I; id -un');
    expect(out.code).toBe(0);
    expect(out.stdout.split(/\s+/)).toEqual(expect.arrayContaining(['198.18.3.2', 'bench']));
  });

  it('asks ops for Password: then Verification code: on bastion-mfa, and lets the circuit through', async () => {
    const asked: string[] = [];
    const b1 = await connectHop({
      host: host('bastion-mfa'),
      user: 'ops',
      onKeyboard: (prompts) => {
        asked.push(...prompts);
        return prompts.map((p) => (p.startsWith('Password') ? status.users.ops.password : totpCode(status.users.ops.totpSecret)));
      },
    });
    opened.push(b1);
    expect(asked).toEqual(['Password: ', 'Verification code: ']);
    const b2 = await connectHop({ host: host('bastion-key'), user: 'ops', privateKey: status.clientKey, sock: await forwardTo(b1, host('bastion-key')) });
    opened.push(b2);
    const t = await connectHop({ host: host('target'), user: 'ops', password: status.users.ops.password, sock: await forwardTo(b2, host('target')) });
    opened.push(t);
    expect((await execText(t, 'id -un')).stdout.trim()).toBe('ops');
  });

  it('refuses a wrong one-time code', async () => {
    const wrong = String((Number(totpCode(status.users.ops.totpSecret)) + 500_000) % 1_000_000).padStart(6, '0');
    const attempt = connectHop({
      host: host('bastion-mfa'),
      user: 'ops',
      onKeyboard: (prompts) => prompts.map((p) => (p.startsWith('Password') ? status.users.ops.password : wrong)),
    });
    await expect(attempt).rejects.toThrow(/authentication methods failed/i);
  });
});
