/**
 * Saved forwards "start with the circuit", composed as the app runs them (issue 15): web mode
 * (the built dist/main/web.cjs: compose.ts wires startSavedForwards to the profiles document and
 * the forwards service), the lab's 3 hops with the key-only `bench` user. A profile is saved over
 * the contract with two -L forwards, one marked to start with the circuit; opening the profile's
 * circuit binds that one only, and a connection to it reads the target sshd's banner through the
 * three hops. Closing the circuit unbinds it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { ForwardStatus } from '../../app/shared/model/forward';
import type { HostInput } from '../../app/shared/model/host';
import { TERMINAL_DEFAULTS } from '../../app/shared/model/profile';
import { createServiceClients } from '../../app/shared/rpc/serviceClients';
import { freePort } from '../helpers/ports';
import { startWebProcess, type WebProcess } from '../helpers/webProcess';
import { connectWs, type TestWsClient } from '../helpers/wsClient';
import type { LabStatus } from '../lab/lab';
import { requirement } from '../setup/requirements';

const lab = inject('lab');
const runs = requirement('the real-OpenSSH lab', lab ? null : (inject('labMissing') ?? 'lab not up'));

/** The first line 127.0.0.1:port sends. */
function firstLine(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let text = '';
    socket.setTimeout(20_000, () => socket.destroy(new Error(`no line from 127.0.0.1:${port} within 20 s`)));
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('latin1');
      const end = text.indexOf('\n');
      if (end < 0) return;
      socket.destroy();
      resolve(text.slice(0, end).trimEnd());
    });
    socket.on('error', reject);
    socket.on('close', () => reject(new Error(`127.0.0.1:${port} closed before a line: ${JSON.stringify(text)}`)));
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe.runIf(runs)('saved forwards start with the profile\'s circuit (web mode, lab, 3 hops)', () => {
  const status = lab as LabStatus;
  const addr = (name: string) => status.hosts.find((h) => h.name === name)!.address;
  let home: string;
  let web: WebProcess;
  let client: TestWsClient;

  beforeAll(async () => {
    home = mkdtempSync(path.join(tmpdir(), 'hl-saved-fwd-'));
    web = await startWebProcess({ dataDir: path.join(home, 'data'), env: { PATH: process.env.PATH, HOME: home, DBUS_SESSION_BUS_ADDRESS: `unix:path=${path.join(home, 'no-bus')}` } });
    client = await connectWs(web.port, web.token);
  });

  afterAll(async () => {
    await client?.close();
    await web?.stop();
    rmSync(home, { recursive: true, force: true });
  });

  it('opening the profile binds its autoStart -L forward (only that one), which carries the target sshd\'s banner; closing unbinds it', { timeout: 90_000 }, async () => {
    const api = createServiceClients(client.rpc);
    // Key auth only: the app may ask only whether to trust each lab host's key.
    api.prompts.onDidRequest((r) => {
      if (r.kind === 'host-key') void api.prompts.decideHostKey(r.id, 'accept-and-save');
    });
    const ids: string[] = [];
    for (const name of ['bastion-mfa', 'bastion-key', 'target']) {
      const host: HostInput = {
        name, address: addr(name), port: 22, user: 'bench', auth: [{ kind: 'publickey', keyFile: status.clientKey }],
        agentForward: false, keepaliveIntervalSec: 15, keepaliveCountMax: 3, connectTimeoutSec: 10, proxy: null,
      };
      ids.push((await api.hosts.save(host)).id);
    }
    const withCircuit = await freePort();
    const byHand = await freePort();
    const profile = await api.profiles.save({
      name: 'db through the bastions', folder: '', tags: [], hostIds: ids, terminal: TERMINAL_DEFAULTS,
      forwards: [
        // From the target, its own sshd: the banner proves the bytes went through all three hops.
        { kind: 'local', bindPort: withCircuit, host: addr('target'), hostPort: 22, autoStart: true },
        { kind: 'local', bindPort: byHand, host: addr('target'), hostPort: 22, autoStart: false },
      ],
    });
    expect(profile.forwards?.map((f) => f.autoStart)).toEqual([true, false]);
    // Nothing listens before the circuit opens.
    expect(await canConnect(withCircuit)).toBe(false);

    const seen: ForwardStatus[] = [];
    api.forwards.onDidChange((s) => seen.push(s));
    const circuit = await api.circuits.open({ hostIds: ids, profileId: profile.id });
    expect(circuit.state).toBe('open');
    await expect.poll(async () => (await api.forwards.list()).map((f) => ({ circuitId: f.circuitId, state: f.state, boundPort: f.boundPort })), { timeout: 20_000 }).toEqual([
      { circuitId: circuit.id, state: 'listening', boundPort: withCircuit },
    ]);
    const [running] = await api.forwards.list();
    expect(running!.spec).toMatchObject({ kind: 'local', bindPort: withCircuit, host: addr('target'), hostPort: 22, autoStart: true });
    expect(running!.boundAddress).toBe('127.0.0.1');
    expect(seen.some((s) => s.state === 'listening' && s.forwardId === running!.forwardId)).toBe(true);

    expect(await firstLine(withCircuit)).toMatch(/^SSH-2\.0-OpenSSH_/);
    await expect.poll(async () => (await api.forwards.list())[0], { timeout: 5_000 }).toMatchObject({ totalConnections: 1 });
    // The one not marked to start with the circuit is not listening.
    expect(await canConnect(byHand)).toBe(false);

    await api.circuits.close(circuit.id);
    await expect.poll(async () => (await api.forwards.list()).length, { timeout: 10_000 }).toBe(0);
    expect(await canConnect(withCircuit)).toBe(false);
  });
});
