/**
 * Network faults in the lab, as the user meets them: web mode in its own process, terminals over
 * a real WebSocket (JSON contract + binary frames, output acked as xterm would), saved hosts
 * with short keepalives (1 s × 3). Each fault must end exactly the affected terminals, naming
 * the hop that failed, within keepalive interval × count (asserted with slack, measured and
 * printed); everything else keeps working; and nothing is left behind: no socket or child
 * process in this process, no circuit, terminal, socket or child in the web process, and no SSH
 * session on any lab host.
 *
 * Topology (lab.ts): this computer -> bastion-mfa -> bastion-key -> target, one veth per arrow.
 * Hop 1's TCP runs from the root namespace to bastion-mfa; hop 2 is a direct-tcpip channel, so
 * its TCP runs from bastion-mfa's sshd to bastion-key, across the "mfa-key" veth: that is the
 * link between the bastions. A circuit of bastion-mfa alone never crosses it.
 */
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { WireError } from '../../app/shared/model/errors';
import type { HostInput } from '../../app/shared/model/host';
import { checkLeaksAfterEach, TCP_AND_CHILD_RESOURCES } from '../helpers/leakCheck';
import { startWebProcess, type WebProcess } from '../helpers/webProcess';
import { labConnections, labFreezeSshd, labKillSshd, labRestartSshd, labRestore, labSessionPids, labSetLink, type LabHostName, type LabStatus } from '../lab/lab';
import { requirement } from '../setup/requirements';
import { connectWeb, TextTerminal, waitUntil, type WebClient } from '../helpers/webTerminalClient';

const lab = inject('lab');
const runs = requirement('the real-OpenSSH lab', lab ? null : (inject('labMissing') ?? 'lab not up'));

const KEEPALIVE_SEC = 1;
const KEEPALIVE_COUNT = 3;
/**
 * ssh2 sends a keepalive every interval and gives up at the tick after `count` unanswered ones,
 * so a silent loss is noticed between count and count + 1 intervals after it happened. The bound
 * is twice interval × count plus 2 s: generous for a loaded CI machine, still far below the
 * minutes TCP itself would take.
 */
const BOUND_MS = 2 * KEEPALIVE_SEC * 1000 * KEEPALIVE_COUNT + 2000;
const LAB_HOSTS: LabHostName[] = ['bastion-mfa', 'bastion-key', 'target'];

/** Sockets the process holds, from its fd table (root may read any process's). */
function socketCount(pid: number): number {
  let sockets = 0;
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      if (readlinkSync(`/proc/${pid}/fd/${fd}`).startsWith('socket:')) sockets++;
    } catch {
      // Closed between readdir and readlink.
    }
  }
  return sockets;
}

/** Child processes of any thread of the process. */
function childPids(pid: number): number[] {
  return readdirSync(`/proc/${pid}/task`).flatMap((tid) => readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').split(/\s+/).filter(Boolean).map(Number));
}

interface Ended {
  terminalId: string;
  reason: WireError;
  at: number;
}

describe.runIf(runs)('network faults in the lab (web mode, keepalive 1 s × 3)', () => {
  const status = lab as LabStatus;
  const addr = (name: string) => status.hosts.find((h) => h.name === name)!.address;
  let web: WebProcess;
  let home: string;
  let dataDir: string;
  const ids: Record<LabHostName, string> = { 'bastion-mfa': '', 'bastion-key': '', target: '' };
  /** The web process's sockets with one WebSocket client connected and nothing open. */
  let baselineSockets = 0;
  const opened: WebClient[] = [];
  /** Failed circuits keep their live hops for a reconnect until closed: the cleanup closes them. */
  const failedCircuits = new Set<string>();
  const timings: string[] = [];

  const client = async (): Promise<WebClient> => {
    const c = await connectWeb(web.port, web.token);
    opened.push(c);
    return c;
  };

  const host = (name: LabHostName): HostInput => ({
    name, address: addr(name), port: 22, user: 'bench', auth: [{ kind: 'publickey', keyFile: status.clientKey }],
    agentForward: false, keepaliveIntervalSec: KEEPALIVE_SEC, keepaliveCountMax: KEEPALIVE_COUNT, connectTimeoutSec: 10, proxy: null,
  });

  /** A client with the ends and failures it hears about, each stamped with when it arrived. */
  const watched = async () => {
    const c = await client();
    const ends: Ended[] = [];
    const exits: unknown[] = [];
    const failures: { circuitId: string; error: WireError; at: number }[] = [];
    c.api.terminals.onDidEnd((e) => ends.push({ ...e, at: Date.now() }));
    c.api.terminals.onDidExit((e) => exits.push(e));
    c.api.circuits.onDidFail((f) => {
      failures.push({ ...f, at: Date.now() });
      failedCircuits.add(f.circuitId);
    });
    const open = async (hops: LabHostName[]) => (await c.api.circuits.open({ hostIds: hops.map((h) => ids[h]) })).id;
    const terminal = async (circuitId: string) => {
      const { terminalId, streamId } = await c.api.terminals.open({ circuitId, cols: 80, rows: 24 });
      return new TextTerminal(c, terminalId, streamId);
    };
    return { c, ends, exits, failures, open, terminal };
  };

  /** Waits for these terminals to end; returns how long after `since` the last one did. */
  const allEnded = async (ends: Ended[], terms: TextTerminal[], since: number): Promise<number> => {
    const mine = () => terms.map((t) => ends.find((e) => e.terminalId === t.terminalId));
    await waitUntil(() => mine().every(Boolean), `${terms.length} terminal(s) to end`, BOUND_MS + 10_000, 10);
    return Math.max(...mine().map((e) => e!.at)) - since;
  };

  beforeAll(async () => {
    home = mkdtempSync(path.join(tmpdir(), 'hl-faults-home-'));
    dataDir = mkdtempSync(path.join(tmpdir(), 'hl-faults-data-'));
    copyFileSync(status.knownHosts, path.join(dataDir, 'known_hosts'));
    web = await startWebProcess({ dataDir, env: { PATH: process.env.PATH, HOME: home, DBUS_SESSION_BUS_ADDRESS: `unix:path=${path.join(home, 'no-bus')}` } });
    const setup = await connectWeb(web.port, web.token);
    try {
      for (const name of LAB_HOSTS) ids[name] = (await setup.api.hosts.save(host(name))).id;
      expect(await setup.api.circuits.list()).toEqual([]);
      baselineSockets = socketCount(web.child.pid!);
    } finally {
      await setup.close();
    }
  });

  afterAll(async () => {
    await labRestore();
    await web?.stop();
    for (const dir of [home, dataDir]) if (dir) rmSync(dir, { recursive: true, force: true });
    if (timings.length > 0) console.info(`network faults (keepalive ${KEEPALIVE_SEC} s × ${KEEPALIVE_COUNT}, bound ${BOUND_MS} ms):\n  ${timings.join('\n  ')}`);
  });

  // No WebSocket, socket or child process of this process outlives a test.
  checkLeaksAfterEach(TCP_AND_CHILD_RESOURCES, async () => {
    // Whatever a test broke comes back before anything is checked, so a failure never cascades.
    await labRestore();
    for (const c of opened.splice(0)) {
      expect(c.errors, 'no error frame came back').toEqual([]);
      await c.close();
    }
    // The web process holds nothing for the test either: no circuit, no terminal, no socket
    // beyond its listener and one client's, no child; and no lab host still serves a session.
    const check = await connectWeb(web.port, web.token);
    try {
      for (const id of failedCircuits) await check.api.circuits.close(id);
      failedCircuits.clear();
      await waitUntil(async () => (await check.api.circuits.list()).length === 0 && (await check.api.terminals.list()).length === 0, 'no circuit or terminal left in web mode', 10_000);
      await waitUntil(() => socketCount(web.child.pid!) === baselineSockets, `web mode's sockets back to ${baselineSockets} (now ${socketCount(web.child.pid!)})`, 10_000);
      expect(childPids(web.child.pid!)).toEqual([]);
    } finally {
      await check.close();
    }
    // A session the fault cut off ends once its own TCP learns so (after a link comes back, on
    // TCP's retransmission schedule), hence the long wait.
    await waitUntil(() => LAB_HOSTS.every((h) => labSessionPids(h).length === 0), `no SSH session left on the lab hosts (${LAB_HOSTS.map((h) => `${h}: ${labSessionPids(h).length}`).join(', ')})`, 60_000, 200);
  });

  it('the link between the bastions goes down: terminals beyond it end naming bastion-key by keepalive; a circuit sharing bastion-mfa keeps working; after the link is back the circuit opens again', { timeout: 120_000 }, async () => {
    const { c, ends, exits, failures, open, terminal } = await watched();
    const throughLink = await open(['bastion-mfa', 'bastion-key', 'target']);
    const toKey = await open(['bastion-mfa', 'bastion-key']);
    const mfaOnly = await open(['bastion-mfa']);
    const affected = [await terminal(throughLink), await terminal(throughLink), await terminal(toKey)];
    const bystander = await terminal(mfaOnly);
    for (const t of [...affected, bystander]) await t.roundTrip('before');
    // One TCP connection from this computer (hop 1 shared by all three circuits), one from
    // bastion-mfa to bastion-key (hop 2 shared by the two circuits that go further).
    expect(labConnections('client', 'bastion-mfa')).toBe(1);
    expect(labConnections('bastion-mfa', 'bastion-key')).toBe(1);

    const cut = Date.now();
    labSetLink('mfa-key', false);
    try {
      const tookMs = await allEnded(ends, affected, cut);
      timings.push(`link bastion-mfa <-> bastion-key down: 3 terminals on 2 circuits ended after ${tookMs} ms`);
      expect(tookMs).toBeLessThanOrEqual(BOUND_MS);
      for (const t of affected) {
        expect(ends.find((e) => e.terminalId === t.terminalId)!.reason).toMatchObject({ code: 'HOP_LOST', hop: { index: 1, name: 'bastion-key' }, message: expect.stringMatching(/keepalive/) });
      }
      // A circuit's own 'failed' event may follow its terminals' ends by a moment (on a loaded machine, one turn of the event loop is enough).
      await waitUntil(() => failures.length >= 2, 'both circuits through the link to report their failure', 3000);
      expect(failures.map((f) => [f.circuitId, f.error.code, f.error.hop]).sort()).toEqual(
        [[throughLink, 'HOP_LOST', { index: 1, name: 'bastion-key' }], [toKey, 'HOP_LOST', { index: 1, name: 'bastion-key' }]].sort(),
      );
      // The bystander shares the surviving hop and never heard a thing.
      expect(ends.map((e) => e.terminalId)).not.toContain(bystander.terminalId);
      await bystander.roundTrip('after-cut');
      expect((await c.api.circuits.list()).map((x) => [x.id, x.state])).toEqual([[mfaOnly, 'open']]);
      expect((await c.api.terminals.list()).map((t) => t.terminalId)).toEqual([bystander.terminalId]);
      // Hopline closed the dead hop's channel on the shared bastion, so bastion-mfa's sshd let go
      // of its TCP connection to bastion-key (no forwarded channel leaks on a live hop).
      await waitUntil(() => labConnections('bastion-mfa', 'bastion-key') === 0, 'bastion-mfa to drop its connection to bastion-key', 5000);
      // The loss was silent: bastion-key still serves the session it cannot know is dead (it
      // goes once the link is back, checked after the test), so keepalives alone noticed.
      expect(labSessionPids('bastion-key').length).toBeGreaterThan(0);
    } finally {
      labSetLink('mfa-key', true);
    }
    const linkBack = Date.now();
    await waitUntil(() => labSessionPids('bastion-key').length === 0 && labSessionPids('target').length === 0, 'the cut-off sessions on bastion-key and the target to end', 60_000, 100);
    timings.push(`  ... the sessions cut off on bastion-key and the target ended ${Date.now() - linkBack} ms after the link came back`);

    const again = await open(['bastion-mfa', 'bastion-key', 'target']);
    const fresh = await terminal(again);
    await fresh.roundTrip('reconnected');
    await bystander.roundTrip('still');
    expect(exits).toEqual([]);
    for (const id of [again, mfaOnly]) await c.api.circuits.close(id);
  });

  it("the target's sshd restarts: a graceful restart keeps every session; a crash ends the terminals on the target naming it, while one on bastion-key keeps working; a new circuit opens", { timeout: 120_000 }, async () => {
    const { c, ends, exits, failures, open, terminal } = await watched();
    const toTarget = await open(['bastion-mfa', 'bastion-key', 'target']);
    const toKey = await open(['bastion-mfa', 'bastion-key']);
    const onTarget = [await terminal(toTarget), await terminal(toTarget)];
    const onKey = await terminal(toKey);
    for (const t of [...onTarget, onKey]) await t.roundTrip('before');

    // `systemctl restart ssh` replaces the listener only; OpenSSH sessions are processes of
    // their own and carry on, so nothing may end.
    await labRestartSshd('target');
    for (const t of [...onTarget, onKey]) await t.roundTrip('after-graceful');
    expect(ends).toEqual([]);

    // A crash (every sshd process and shell of the target killed), then sshd comes back.
    const crash = Date.now();
    await labKillSshd('target');
    await labRestartSshd('target');
    const tookMs = await allEnded(ends, onTarget, crash);
    timings.push(`target sshd crashed and restarted: 2 terminals ended after ${tookMs} ms`);
    expect(tookMs).toBeLessThanOrEqual(BOUND_MS);
    for (const t of onTarget) {
      expect(ends.find((e) => e.terminalId === t.terminalId)!.reason).toMatchObject({ code: 'HOP_LOST', hop: { index: 2, name: 'target' } });
    }
    expect(failures.map((f) => [f.circuitId, f.error.code, f.error.hop])).toEqual([[toTarget, 'HOP_LOST', { index: 2, name: 'target' }]]);
    expect(ends).toHaveLength(2);
    await onKey.roundTrip('after-crash');

    const again = await open(['bastion-mfa', 'bastion-key', 'target']);
    const fresh = await terminal(again);
    await fresh.roundTrip('reconnected');
    expect(exits).toEqual([]);
    for (const id of [again, toKey]) await c.api.circuits.close(id);
  });

  it("bastion-mfa's sshd is killed (listener, sessions and shells): every terminal through it ends naming it; once restarted a circuit opens", { timeout: 120_000 }, async () => {
    const { c, ends, failures, open, terminal } = await watched();
    const circuits = [await open(['bastion-mfa', 'bastion-key', 'target']), await open(['bastion-mfa', 'bastion-key']), await open(['bastion-mfa'])];
    const terms = [await terminal(circuits[0]!), await terminal(circuits[0]!), await terminal(circuits[1]!), await terminal(circuits[2]!)];
    for (const t of terms) await t.roundTrip('before');

    const kill = Date.now();
    await labKillSshd('bastion-mfa');
    try {
      const tookMs = await allEnded(ends, terms, kill);
      timings.push(`bastion-mfa sshd killed: 4 terminals on 3 circuits ended after ${tookMs} ms`);
      expect(tookMs).toBeLessThanOrEqual(BOUND_MS);
      for (const e of ends) expect(e.reason).toMatchObject({ code: 'HOP_LOST', hop: { index: 0, name: 'bastion-mfa' } });
      expect(ends).toHaveLength(4);
      expect(failures.map((f) => f.circuitId).sort()).toEqual([...circuits].sort());
      for (const f of failures) expect(f.error).toMatchObject({ code: 'HOP_LOST', hop: { index: 0, name: 'bastion-mfa' } });
      expect(await c.api.circuits.list()).toEqual([]);
    } finally {
      await labRestartSshd('bastion-mfa');
    }
    const again = await open(['bastion-mfa', 'bastion-key', 'target']);
    await (await terminal(again)).roundTrip('reconnected');
    await c.api.circuits.close(again);
  });

  it('bastion-mfa hangs (every process stopped, its TCP still open): only keepalives can tell, and every terminal through it ends naming it', { timeout: 120_000 }, async () => {
    const { c, ends, open, terminal } = await watched();
    const circuits = [await open(['bastion-mfa', 'bastion-key', 'target']), await open(['bastion-mfa'])];
    const terms = [await terminal(circuits[0]!), await terminal(circuits[1]!)];
    for (const t of terms) await t.roundTrip('before');

    const hang = Date.now();
    labFreezeSshd('bastion-mfa', true);
    try {
      const tookMs = await allEnded(ends, terms, hang);
      timings.push(`bastion-mfa frozen: 2 terminals on 2 circuits ended after ${tookMs} ms`);
      expect(tookMs).toBeLessThanOrEqual(BOUND_MS);
      for (const e of ends) expect(e.reason).toMatchObject({ code: 'HOP_LOST', hop: { index: 0, name: 'bastion-mfa' }, message: expect.stringMatching(/keepalive/) });
      expect(await c.api.circuits.list()).toEqual([]);
      // Web mode let go of its connection to the hung bastion, though the bastion never answered.
      await waitUntil(() => labConnections('client', 'bastion-mfa') === 0, 'web mode to drop its connection to the hung bastion-mfa', 5000);
    } finally {
      labFreezeSshd('bastion-mfa', false);
    }
    const again = await open(['bastion-mfa', 'bastion-key', 'target']);
    await (await terminal(again)).roundTrip('reconnected');
    await c.api.circuits.close(again);
  });
});
