/**
 * The gateway benchmark (issue 15): a second external `ssh` session to the target while the
 * circuit is already up. Hopline: web mode holds the 3-hop circuit (opened over the contract, as
 * a user opens it in the app) and ssh reaches the target through `hopline proxy --profile`, which
 * rides the app's circuit over the control socket. OpenSSH: a ControlMaster to the target (made
 * through the same jump hosts) and `ssh` reusing it. Both are the whole `ssh … true` process.
 *
 * Not like for like by design, as the issue asks: ControlMaster reuse skips the target's SSH
 * handshake and auth (one more channel on the master's connection), while through the proxy the
 * external ssh does its own handshake and auth with the target, end to end, over the app's hops.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { HostInput } from '../../app/shared/model/host';
import { TERMINAL_DEFAULTS } from '../../app/shared/model/profile';
import { createServiceClients } from '../../app/shared/rpc/serviceClients';
import { startWebProcess, type WebProcess } from '../helpers/webProcess';
import { connectWs, type TestWsClient } from '../helpers/wsClient';
import type { LabStatus } from '../lab/lab';
import type { BenchResult } from './engineBench';

const ROUNDS = 9;
const PROFILE = 'bench gateway';
const CLI = path.resolve('dist/main/cli.cjs');

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};

/** Runs a command with no terminal to ask on (setsid, stdin closed), timing it. */
function timeDetached(cmd: string, args: string[], env: NodeJS.ProcessEnv): { ms: number; stderr: string; status: number | null } {
  const started = process.hrtime.bigint();
  const run = spawnSync('setsid', ['-w', cmd, ...args], { env, encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'], timeout: 60_000 });
  return { ms: Number(process.hrtime.bigint() - started) / 1e6, stderr: run.stderr, status: run.status };
}

export async function runGatewayBenchmark(status: LabStatus): Promise<BenchResult> {
  const addr = (name: string) => status.hosts.find((h) => h.name === name)!.address;
  const home = mkdtempSync(path.join(tmpdir(), 'hl-bench-gw-'));
  const dataDir = mkdtempSync(path.join(tmpdir(), 'hl-bench-gw-data-'));
  const env = { PATH: process.env.PATH!, HOME: home };
  const target = `bench@${addr('target')}`;
  const jump = `bench@${addr('bastion-mfa')},bench@${addr('bastion-key')}`;
  const cmConfig = path.join(home, 'cm_config');
  // Include first: after a Host line it would apply to that host only.
  // The target's master (ControlMaster reuse) and the last bastion's (OpenSSH's own gateway:
  // `ssh -W` over a master to bastion-key, the like-for-like of what the app's circuit does).
  const masterFor = (address: string): string => `Host ${address}\n  ControlMaster auto\n  ControlPath ${path.join(home, 'cm-%C')}\n  ControlPersist 60\n`;
  writeFileSync(cmConfig, `Include ${status.sshConfig}\n${masterFor(addr('target'))}${masterFor(addr('bastion-key'))}`);
  let web: WebProcess | undefined;
  let client: TestWsClient | undefined;
  let master = false;
  let bastionMaster = false;
  const lastBastion = `bench@${addr('bastion-key')}`;
  try {
    web = await startWebProcess({ dataDir, env: { PATH: process.env.PATH, HOME: home, DBUS_SESSION_BUS_ADDRESS: `unix:path=${path.join(home, 'no-bus')}` } });
    client = await connectWs(web.port, web.token);
    const api = createServiceClients(client.rpc);
    // Key auth only: the one thing the app may ask is whether to trust each lab host key.
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
    const profile = await api.profiles.save({ name: PROFILE, folder: '', tags: [], hostIds: ids, terminal: TERMINAL_DEFAULTS });
    const circuit = await api.circuits.open({ hostIds: ids, profileId: profile.id });
    if (circuit.state !== 'open') throw new Error(`the app's circuit is ${circuit.state}`);

    const proxy = (verbose: boolean) => `ProxyCommand=${process.execPath} ${CLI} proxy${verbose ? ' -v' : ''} --data-dir ${dataDir} --profile '${PROFILE}' %h %p`;
    // Once, verbose: the proxy must ride the app's circuit, or this measures something else.
    const check = timeDetached('ssh', ['-F', status.sshConfig, '-o', proxy(true), target, 'true'], env);
    if (check.status !== 0 || !check.stderr.includes("riding the app's circuit")) throw new Error(`hopline proxy did not ride the app's circuit (${check.status}): ${check.stderr}`);

    const made = timeDetached('ssh', ['-F', cmConfig, '-J', jump, target, 'true'], env);
    if (made.status !== 0) throw new Error(`ControlMaster failed: ${made.stderr}`);
    master = true;

    const ours: number[] = [];
    const theirs: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const a = timeDetached('ssh', ['-F', status.sshConfig, '-o', proxy(false), target, 'true'], env);
      const b = timeDetached('ssh', ['-F', cmConfig, '-J', jump, target, 'true'], env);
      if (a.status !== 0 || b.status !== 0) throw new Error(`second session failed: hopline proxy ${a.status} ${a.stderr} / ControlMaster ${b.status} ${b.stderr}`);
      ours.push(a.ms);
      theirs.push(b.ms);
    }
    // What the proxy's own process start costs (node + loading the CLI's warm path), for the
    // reader: `hopline proxy` with no arguments prints its usage and exits; beside it, node alone
    // starting and doing nothing (the floor for any proxy written in Node).
    const starts: number[] = [];
    const bare: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      starts.push(timeDetached(process.execPath, [CLI, 'proxy'], env).ms);
      bare.push(timeDetached(process.execPath, ['-e', '0'], env).ms);
    }
    // And what a second session costs with no reuse at all: OpenSSH's `ssh -J` building every hop again.
    const fresh: number[] = [];
    for (let i = 0; i < 3; i++) fresh.push(timeDetached('ssh', ['-F', status.sshConfig, '-J', jump, target, 'true'], env).ms);
    // OpenSSH's own like-for-like: the bastions held by a ControlMaster, and each new session's
    // ProxyCommand an `ssh -W` over it, so the session does its own handshake with the target too.
    const bastionUp = timeDetached('ssh', ['-F', cmConfig, '-J', `bench@${addr('bastion-mfa')}`, lastBastion, 'true'], env);
    if (bastionUp.status !== 0) throw new Error(`ControlMaster to bastion-key failed: ${bastionUp.stderr}`);
    bastionMaster = true;
    const viaW = `ProxyCommand=ssh -F ${cmConfig} -W %h:%p ${lastBastion}`;
    const overW: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const w = timeDetached('ssh', ['-F', status.sshConfig, '-o', viaW, target, 'true'], env);
      if (w.status !== 0) throw new Error(`ssh -W over the bastion's master failed: ${w.stderr}`);
      overW.push(w.ms);
    }
    const h = median(ours);
    const o = median(theirs);
    const ratio = h / o;
    return {
      name: 'second ssh session on a warm circuit (ssh via hopline proxy ÷ ssh ControlMaster reuse)',
      ratio,
      goal: '≤ 1.0',
      met: ratio <= 1.0,
      detail: `hopline proxy ${h.toFixed(0)} ms, ControlMaster ${o.toFixed(0)} ms (median of ${ROUNDS}; whole \`ssh target true\`); of that, the proxy process starting (\`hopline proxy\` printing its usage) ${median(starts).toFixed(0)} ms, node alone (\`node -e 0\`) ${median(bare).toFixed(0)} ms; for scale, a fresh \`ssh -J\` (no reuse) ${median(fresh).toFixed(0)} ms, and OpenSSH's like-for-like (ProxyCommand \`ssh -W\` over a ControlMaster to bastion-key) ${median(overW).toFixed(0)} ms`,
    };
  } finally {
    if (master) spawnSync('ssh', ['-F', cmConfig, '-O', 'exit', target], { env, stdio: 'ignore' });
    if (bastionMaster) spawnSync('ssh', ['-F', cmConfig, '-O', 'exit', lastBastion], { env, stdio: 'ignore' });
    await client?.close();
    await web?.stop();
    rmSync(home, { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
  }
}
