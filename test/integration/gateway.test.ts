/**
 * The gateway for OpenSSH tools, against the lab with real OpenSSH: web mode holds the MFA
 * circuit (bastion-mfa -> bastion-key -> target, opened over the contract), and real ssh, scp
 * and rsync reach the target through `hopline proxy` with no prompt at all (no tty, no askpass:
 * only the control socket can get them there). Another uid is refused by the control socket;
 * without the app, the proxy builds the hops itself, asking through HOPLINE_ASKPASS; and
 * `hopline ssh-config` is read by `ssh -G` and used as it is.
 */
import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { controlPaths, readLine, writeLine, type ControlReply, type GatewaySession } from '../../app/main/services/gateway/controlProtocol';
import type { HostInput } from '../../app/shared/model/host';
import type { CircuitSummary } from '../../app/shared/model/hop';
import { TERMINAL_DEFAULTS } from '../../app/shared/model/profile';
import type { PromptRequest } from '../../app/shared/model/prompt';
import { createServiceClients } from '../../app/shared/rpc/serviceClients';
import { startWebProcess, type WebProcess } from '../helpers/webProcess';
import { connectWs, type TestWsClient } from '../helpers/wsClient';
import { labKillSshd, labRestartSshd, labRestore, totpCode, type LabStatus } from '../lab/lab';
import { requirement } from '../setup/requirements';

const lab = inject('lab');
const runs = requirement('the real-OpenSSH lab', lab ? null : (inject('labMissing') ?? 'lab not up'));
const CLI = path.resolve('dist/main/cli.cjs');
const PROFILE = 'lab mfa';

describe.runIf(runs)('hopline proxy, the control socket and hopline ssh-config (web mode, lab, real OpenSSH)', () => {
  const status = lab as LabStatus;
  const addr = (name: string) => status.hosts.find((h) => h.name === name)!.address;
  let web: WebProcess;
  let client: TestWsClient;
  let home: string;
  let dataDir: string;
  let circuit: CircuitSummary;
  const asked: PromptRequest[] = [];

  /** The environment of every external tool: no agent, no askpass, a HOME of its own. */
  const toolEnv = () => ({ PATH: process.env.PATH!, HOME: home });
  const proxyCommand = () => `${process.execPath} ${CLI} proxy --data-dir ${dataDir} --profile '${PROFILE}' %h %p`;

  /** Run detached from any controlling terminal (setsid), stdin closed: nothing can be asked. */
  function detached(cmd: string, args: string[], env: NodeJS.ProcessEnv = toolEnv()): SpawnSyncReturns<string> {
    return spawnSync('setsid', ['-w', cmd, ...args], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
  }

  beforeAll(async () => {
    home = mkdtempSync(path.join(tmpdir(), 'hl-gw-home-'));
    dataDir = mkdtempSync(path.join(tmpdir(), 'hl-gw-data-'));
    web = await startWebProcess({ dataDir, env: { PATH: process.env.PATH, HOME: home, DBUS_SESSION_BUS_ADDRESS: `unix:path=${path.join(home, 'no-bus')}` } });
    client = await connectWs(web.port, web.token);
    const api = createServiceClients(client.rpc);
    api.prompts.onDidRequest((r) => {
      asked.push(r);
      if (r.kind === 'host-key') void api.prompts.decideHostKey(r.id, 'accept-and-save');
      else void api.prompts.answer(r.id, r.prompts.map((p) => (/Verification/.test(p.text) ? totpCode(status.users.ops.totpSecret) : status.users.ops.password)), r.prompts.map(() => false));
    });
    const host = (name: string, user: string, auth: HostInput['auth']): HostInput => ({
      name, address: addr(name), port: 22, user, auth, agentForward: false, keepaliveIntervalSec: 15, keepaliveCountMax: 3, connectTimeoutSec: 10, proxy: null,
    });
    const ids: string[] = [];
    for (const h of [
      host('bastion-mfa', 'ops', [{ kind: 'keyboard-interactive' }]),
      host('bastion-key', 'ops', [{ kind: 'publickey', keyFile: status.clientKey }]),
      host('target', 'bench', [{ kind: 'publickey', keyFile: status.clientKey }]),
    ]) ids.push((await api.hosts.save(h)).id);
    const profile = await api.profiles.save({ name: PROFILE, folder: '', tags: [], hostIds: ids, terminal: TERMINAL_DEFAULTS });
    circuit = await api.circuits.open({ hostIds: ids, profileId: profile.id });
    expect(circuit.state).toBe('open');
    // The MFA bastion asked its password and code once, here, in the app.
    expect(asked.filter((a) => a.kind === 'keyboard-interactive').length).toBeGreaterThan(0);
  });

  afterAll(async () => {
    await client?.close();
    await web?.stop();
  });

  /** The sessions the app lists now, asked over the control socket as the app's own code would see them. */
  async function appSessions(): Promise<GatewaySession[]> {
    const paths = controlPaths(dataDir);
    const socket = net.connect(paths.socket);
    await new Promise((resolve) => socket.once('connect', resolve));
    writeLine(socket, { v: 1, op: 'list', token: readFileSync(paths.token, 'utf8').trim() });
    const reply = JSON.parse(await readLine(socket)) as ControlReply;
    socket.destroy();
    if (!reply.ok || !('sessions' in reply)) throw new Error(`list failed: ${JSON.stringify(reply)}`);
    return reply.sessions;
  }

  it('real ssh with ProxyCommand `hopline proxy --profile` runs a command on the target with zero prompts, and the app lists the session', async () => {
    const before = asked.length;
    const ssh = spawn('setsid', ['-w', 'ssh', '-F', status.sshConfig, '-o', `ProxyCommand=${proxyCommand()}`, `bench@${addr('target')}`, 'echo via-gateway; hostname; read line'], { env: toolEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    ssh.stdout.on('data', (d: Buffer) => (out += d.toString()));
    ssh.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((resolve) => ssh.once('exit', (code) => resolve(code)));
    // While the remote command waits for a line, the session rides the app's circuit.
    await expect.poll(() => out, { timeout: 20_000 }).toContain('hl-target');
    const sessions = await appSessions();
    expect(sessions).toHaveLength(1);
    expect(sessions[0]).toMatchObject({ circuitId: circuit.id, via: ['bastion-mfa', 'bastion-key'], destination: { host: addr('target'), port: 22 } });
    expect(sessions[0]!.bytesFromRemote).toBeGreaterThan(0);
    expect(sessions[0]!.bytesToRemote).toBeGreaterThan(0);
    ssh.stdin.end('done\n');
    expect(await exited, err).toBe(0);
    expect(out).toBe('via-gateway\nhl-target\n');
    expect(asked.length).toBe(before);
    expect(web.stderr()).toContain(`gateway: an external session rides circuit ${circuit.id}`);
    await expect.poll(appSessions).toEqual([]);
  });

  let config: string;

  it('`hopline ssh-config` prints a Host block that ssh -G reads and a real ssh uses, asking nothing', () => {
    const printed = spawnSync(process.execPath, [CLI, 'ssh-config', '--data-dir', dataDir], { env: toolEnv(), encoding: 'utf8' });
    expect(printed.stderr).toBe('');
    expect(printed.status).toBe(0);
    expect(printed.stdout).toContain('Host lab-mfa\n');
    // The block first (first value wins in ssh_config), then the lab's key and strict settings.
    config = path.join(home, 'ssh_config');
    writeFileSync(config, `${printed.stdout}\n${readFileSync(status.sshConfig, 'utf8')}`);
    const g = spawnSync('ssh', ['-G', '-F', config, 'lab-mfa'], { encoding: 'utf8' });
    expect(g.status, g.stderr).toBe(0);
    const option = (name: string) => g.stdout.split('\n').find((l) => l.startsWith(`${name} `))?.slice(name.length + 1);
    expect(option('hostname')).toBe(addr('target'));
    expect(option('user')).toBe('bench');
    expect(option('port')).toBe('22');
    expect(option('proxycommand')).toBe(`${process.execPath} ${CLI} proxy --data-dir ${dataDir} --profile 'lab mfa' %h %p`);
    // The target's key the app accepted is known to ssh through Hopline's known_hosts.
    expect(option('userknownhostsfile')).toContain(path.join(dataDir, 'known_hosts'));
    const before = asked.length;
    const run = detached('ssh', ['-F', config, 'lab-mfa', 'echo from-config; id -un']);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toBe('from-config\nbench\n');
    expect(asked.length).toBe(before);
  });

  it('scp and rsync -e ssh through it are byte-exact both ways', () => {
    const local = mkdtempSync(path.join(tmpdir(), 'hl-gw-files-'));
    const data = randomBytes(3 * 1024 * 1024 + 12345);
    const sum = (b: Buffer) => createHash('sha256').update(b).digest('hex');
    writeFileSync(path.join(local, 'up.bin'), data);
    const remote = `/tmp/hl-gw-${randomBytes(6).toString('hex')}`;
    try {
      const scpUp = detached('scp', ['-q', '-F', config, path.join(local, 'up.bin'), `lab-mfa:${remote}-scp`]);
      expect(scpUp.stderr).toBe('');
      expect(scpUp.status).toBe(0);
      const remoteSum = detached('ssh', ['-F', config, 'lab-mfa', `sha256sum ${remote}-scp`]);
      expect(remoteSum.stdout.split(' ')[0]).toBe(sum(data));
      const scpDown = detached('scp', ['-q', '-F', config, `lab-mfa:${remote}-scp`, path.join(local, 'down-scp.bin')]);
      expect(scpDown.status, scpDown.stderr).toBe(0);
      expect(sum(readFileSync(path.join(local, 'down-scp.bin')))).toBe(sum(data));

      const rsyncUp = detached('rsync', ['-e', `ssh -F ${config}`, path.join(local, 'up.bin'), `lab-mfa:${remote}-rsync`]);
      expect(rsyncUp.stderr).toBe('');
      expect(rsyncUp.status).toBe(0);
      expect(detached('ssh', ['-F', config, 'lab-mfa', `sha256sum ${remote}-rsync`]).stdout.split(' ')[0]).toBe(sum(data));
      const rsyncDown = detached('rsync', ['-e', `ssh -F ${config}`, `lab-mfa:${remote}-rsync`, path.join(local, 'down-rsync.bin')]);
      expect(rsyncDown.status, rsyncDown.stderr).toBe(0);
      expect(sum(readFileSync(path.join(local, 'down-rsync.bin')))).toBe(sum(data));
    } finally {
      detached('ssh', ['-F', config, 'lab-mfa', `rm -f ${remote}-scp ${remote}-rsync`]);
      rmSync(local, { recursive: true, force: true });
    }
  });

  it('the control socket refuses another uid (nobody), which fails at once with a message and asks nothing', () => {
    // Let nobody reach the data dir itself: the gateway directory (0700) is what must stop it.
    chmodSync(dataDir, 0o755);
    const asNobody = () =>
      spawnSync('setpriv', ['--reuid=nobody', '--regid=nogroup', '--clear-groups', 'setsid', '-w', process.execPath, CLI, 'proxy', '--data-dir', dataDir, '--profile', PROFILE, addr('target'), '22'], {
        env: { PATH: process.env.PATH!, HOME: '/nonexistent' },
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
        timeout: 30_000,
        cwd: '/',
      });
    try {
      const refused = asNobody();
      expect(refused.stdout).toBe('');
      expect(refused.stderr).toBe(`hopline: the app's control socket ${controlPaths(dataDir).socket} refused this user (permission denied): it belongs to another user or another app. Nothing was asked and no hop was built.\n`);
      expect(refused.status).toBe(255);
      // With the directory opened to others, the socket's own mode (0600) still refuses.
      chmodSync(controlPaths(dataDir).dir, 0o711);
      const bySocketMode = asNobody();
      expect(bySocketMode.stderr).toContain('refused this user (permission denied)');
      expect(bySocketMode.status).toBe(255);
    } finally {
      chmodSync(controlPaths(dataDir).dir, 0o700);
      chmodSync(dataDir, 0o700);
    }
  });

  it("rides a failed circuit's kept bastions: with the target down it names the hop that could not reach it, and once the target is back it works, asking nothing", async () => {
    const before = asked.length;
    try {
      await labKillSshd('target');
      // The app's circuit fails on the lost target and keeps its two bastions up for a reconnect.
      await expect.poll(() => detached('ssh', ['-F', config, 'lab-mfa', 'true']).stderr, { timeout: 15_000, interval: 500 }).toContain(
        `hopline: Hop 2 (bastion-key) could not open a channel to ${addr('target')}:22: Connection refused`,
      );
      await labRestartSshd('target');
      const run = detached('ssh', ['-F', config, 'lab-mfa', 'echo back; hostname']);
      expect(run.stderr).toBe('');
      expect(run.stdout).toBe('back\nhl-target\n');
      expect(asked.length).toBe(before);
    } finally {
      await labRestore();
    }
  });

  it('when the app stops, its control socket and token go, and the proxy builds the hops itself: with no tty and no askpass it says so and fails', async () => {
    const paths = controlPaths(dataDir);
    expect(readFileSync(paths.token, 'utf8').trim()).toMatch(/^[0-9a-f]{64}$/);
    await client.close();
    await web.stop();
    expect(readdirSync(paths.dir)).toEqual([]);
    const run = detached('ssh', ['-F', status.sshConfig, '-o', `ProxyCommand=${proxyCommand()}`, `bench@${addr('target')}`, 'true']);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('hopline: No terminal to ask on (set HOPLINE_ASKPASS to answer prompts without one)');
    expect(run.stderr).toContain('Connection closed by UNKNOWN port 65535');
    expect(run.status).toBe(255);
  });

  it('without the app, `hopline proxy --via` builds the hops itself, asking through HOPLINE_ASKPASS', () => {
    const own = mkdtempSync(path.join(tmpdir(), 'hl-gw-own-'));
    const ownData = path.join(own, 'data');
    mkdirSync(ownData);
    copyFileSync(status.knownHosts, path.join(ownData, 'known_hosts'));
    const log = path.join(own, 'asked.log');
    const askpass = path.join(own, 'askpass.sh');
    writeFileSync(askpass, `#!/bin/sh\necho "$1" >> '${log}'\ncase "$1" in\n  *Password*) echo '${status.users.ops.password}' ;;\n  *Verification*) oathtool --totp -b '${status.users.ops.totpSecret}' ;;\nesac\n`);
    chmodSync(askpass, 0o700);
    const command = `${process.execPath} ${CLI} proxy --data-dir ${ownData} -i ${status.clientKey} --via ops@${addr('bastion-mfa')},ops@${addr('bastion-key')} %h %p`;
    const run = detached('ssh', ['-F', status.sshConfig, '-o', `ProxyCommand=${command}`, `bench@${addr('target')}`, 'echo built-here; hostname'], { PATH: process.env.PATH!, HOME: own, HOPLINE_ASKPASS: askpass });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toBe('built-here\nhl-target\n');
    const questions = readFileSync(log, 'utf8');
    expect(questions).toMatch(/hop 1 of 2 · 198\.18\.\d+\.\d+\] Password: /);
    expect(questions).toMatch(/Verification code: /);
    rmSync(own, { recursive: true, force: true });
  });
});
