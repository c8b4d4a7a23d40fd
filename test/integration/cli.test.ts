/**
 * The `hopline` CLI (the built dist/main/cli.cjs) against the lab, and its ssh_config export run
 * by real OpenSSH.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, closeSync, copyFileSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import type { LabStatus } from '../lab/lab';
import { filesUnder } from '../helpers/files';
import { startSecretService } from '../helpers/secretService';
import { requirement } from '../setup/requirements';

const lab = inject('lab');
const runs = requirement('the real-OpenSSH lab', lab ? null : (inject('labMissing') ?? 'lab not up'));

describe.runIf(runs)('hopline CLI', () => {
  const status = lab as LabStatus;
  const addr = (name: string) => status.hosts.find((h) => h.name === name)!.address;

  /** A fresh HOME and data dir, so the user's real ~/.ssh is never read or written. */
  function sandbox(withKnownHosts = true) {
    const home = mkdtempSync(path.join(tmpdir(), 'hl-cli-home-'));
    const dataDir = path.join(home, 'data');
    mkdirSync(dataDir);
    if (withKnownHosts) copyFileSync(status.knownHosts, path.join(dataDir, 'known_hosts'));
    return { home, dataDir };
  }

  function hopline(args: string[], env: Record<string, string>, input?: string) {
    const run = spawnSync(process.execPath, ['dist/main/cli.cjs', ...args], { env: { PATH: process.env.PATH!, ...env }, input: input ?? '', maxBuffer: 64 * 1024 * 1024, timeout: 60_000 });
    return { code: run.status, stdout: run.stdout, stderr: run.stderr.toString() };
  }

  const via = () => ['-i', status.clientKey, '--via', `bench@${addr('bastion-mfa')}`, '--via', `bench@${addr('bastion-key')}`];

  it('runs a command through 3 hops, streaming binary output byte for byte and passing the exit code', () => {
    const { home, dataDir } = sandbox();
    const expected = execFileSync('sh', ['-c', 'seq 1 300000 | gzip -n -c']);
    const run = hopline(['exec', ...via(), '--data-dir', dataDir, `bench@${addr('target')}`, '--', 'seq 1 300000 | gzip -n -c; exit 7'], { HOME: home });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(7);
    expect(Buffer.compare(run.stdout, expected)).toBe(0);
  });

  it('exits as ssh -J does: 255 for a command killed by a signal (said on stderr), 129 for `exit 129`', () => {
    const { home, dataDir } = sandbox();
    const sshJ = (command: string) =>
      spawnSync('ssh', ['-F', status.sshConfig, '-J', `bench@${addr('bastion-mfa')},bench@${addr('bastion-key')}`, `bench@${addr('target')}`, command], { encoding: 'utf8', timeout: 30_000 });
    const killed = hopline(['exec', ...via(), '--data-dir', dataDir, `bench@${addr('target')}`, '--', 'kill -KILL $$'], { HOME: home });
    expect(killed.code).toBe(sshJ('kill -KILL $$').status);
    expect(killed.code).toBe(255);
    expect(killed.stderr).toContain('killed by signal KILL');
    const exited = hopline(['exec', ...via(), '--data-dir', dataDir, `bench@${addr('target')}`, '--', 'exit 129'], { HOME: home });
    expect(exited.code).toBe(sshJ('exit 129').status);
    expect(exited.code).toBe(129);
    expect(exited.stderr).toBe('');
  });

  it('asks MFA and the unknown host key through HOPLINE_ASKPASS, saves the key, and does not ask it again', () => {
    const { home, dataDir } = sandbox(false);
    const askpass = path.join(home, 'askpass.sh');
    const log = path.join(home, 'asked.log');
    writeFileSync(
      askpass,
      `#!/bin/sh\necho "$1" >> '${log}'\ncase "$1" in\n  *Accept*) echo s ;;\n  *Password*) echo '${status.users.ops.password}' ;;\n  *Verification*) oathtool --totp -b '${status.users.ops.totpSecret}' ;;\nesac\n`,
    );
    chmodSync(askpass, 0o700);
    const args = ['exec', '--data-dir', dataDir, `ops@${addr('bastion-mfa')}`, '--', 'id -un'];
    const first = hopline(args, { HOME: home, HOPLINE_ASKPASS: askpass });
    expect(first.stderr).toContain(`can't be established`);
    expect(first.code).toBe(0);
    expect(first.stdout.toString().trim()).toBe('ops');
    const asked = readFileSync(log, 'utf8');
    expect(asked).toMatch(/hop 1 of 1 · 198\.18\.1\.2\] Password: /);
    expect(asked).toMatch(/Verification code: /);
    expect(readFileSync(path.join(dataDir, 'known_hosts'), 'utf8')).toContain(`${addr('bastion-mfa')} ssh-ed25519 `);
    // The saved file is one OpenSSH reads.
    expect(spawnSync('ssh-keygen', ['-F', addr('bastion-mfa'), '-f', path.join(dataDir, 'known_hosts')]).status).toBe(0);

    writeFileSync(log, '');
    const second = hopline(args, { HOME: home, HOPLINE_ASKPASS: askpass });
    expect(second.code).toBe(0);
    expect(readFileSync(log, 'utf8')).not.toContain('Accept');
  });

  it('exits 255 with a message naming the failing hop', () => {
    const { home, dataDir } = sandbox();
    const run = hopline(['exec', '-i', status.clientKey, '--via', `bench@${addr('bastion-mfa')}`, '--data-dir', dataDir, `bench@${addr('bastion-key')}:2999`, '--', 'true'], { HOME: home });
    expect(run.code).toBe(255);
    expect(run.stderr).toMatch(/hop 2 \(198\.18\.2\.2\) at bench@198\.18\.2\.2:2999 is unreachable from hop 1 \(/);
    expect(run.stderr).toContain('run with -v');
    const verbose = hopline(['exec', '-v', '-i', status.clientKey, '--via', `bench@${addr('bastion-mfa')}`, '--data-dir', dataDir, `bench@${addr('bastion-key')}:2999`, '--', 'true'], { HOME: home });
    expect(verbose.code).toBe(255);
    expect(verbose.stderr).toMatch(/authenticated with publickey[\s\S]*failed: HOP_UNREACHABLE/);
    const usage = hopline(['exec', 'only-a-target'], { HOME: home });
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('needs a command after --');
  });

  it('imports an ssh_config with a ProxyJump list as a 3-hop circuit, and its export runs in real OpenSSH', () => {
    const { home, dataDir } = sandbox();
    const config = path.join(home, 'config');
    writeFileSync(
      config,
      [
        'Host b1', `  HostName ${addr('bastion-mfa')}`, '  User bench', `  IdentityFile ${status.clientKey}`,
        'Host b2', `  HostName ${addr('bastion-key')}`, '  User bench', `  IdentityFile ${status.clientKey}`,
        'Host lab-target', `  HostName ${addr('target')}`, '  User bench', `  IdentityFile ${status.clientKey}`, '  ProxyJump b1,b2', '  LocalForward 47931 localhost:80',
        'Match host *.corp', '  User nobody',
        '',
      ].join('\n'),
    );
    const imported = hopline(['import-ssh-config', config, '--data-dir', dataDir], { HOME: home });
    expect(imported.code).toBe(0);
    const text = imported.stdout.toString();
    expect(text).toContain(`Saved to the hosts library (${dataDir}): 3 host(s), 1 profile(s): lab-target.`);
    expect(text).toContain(`lab-target: bench@${addr('bastion-mfa')}:22 -> bench@${addr('bastion-key')}:22 -> bench@${addr('target')}:22 (3 hops)`);
    // LocalForward is imported onto the profile now (not reported as ignored), and exported back.
    expect(text).not.toMatch(/ignored .*LocalForward/);
    expect(text).toMatch(/ignored .*Match/);

    const exported = hopline(['export', 'lab-target', '--config', config], { HOME: home });
    expect(exported.code).toBe(0);
    const [block, jLine] = exported.stdout.toString().split('# as one command line:\n') as [string, string];
    expect(block).toContain('    LocalForward 47931 localhost:80\n');
    expect(jLine).toContain(' -L 47931:localhost:80 ');
    const file = path.join(home, 'exported_config');
    // The block as exported, plus the lab's host-key settings (what the user's own config would hold).
    writeFileSync(file, `${block}\nHost *\n  UserKnownHostsFile ${status.knownHosts}\n  StrictHostKeyChecking yes\n  BatchMode yes\n`);
    const viaConfig = spawnSync('ssh', ['-F', file, 'lab-target', 'hostname -I'], { encoding: 'utf8', timeout: 30_000 });
    expect(viaConfig.stderr).toBe('');
    expect(viaConfig.stdout.trim()).toBe(addr('target'));

    const argv = jLine.trim().split(' ');
    expect(argv[0]).toBe('ssh');
    const viaJ = spawnSync('ssh', ['-F', status.sshConfig, ...argv.slice(1), 'hostname -I'], { encoding: 'utf8', timeout: 30_000 });
    expect(viaJ.stdout.trim()).toBe(addr('target'));
  });

  it('runs a saved profile (--profile), a saved host by name, and exports a profile, after importing them', () => {
    const { home, dataDir } = sandbox();
    const config = path.join(home, 'config');
    writeFileSync(config, [
      'Host b1', `  HostName ${addr('bastion-mfa')}`, '  User bench', `  IdentityFile ${status.clientKey}`,
      'Host b2', `  HostName ${addr('bastion-key')}`, '  User bench', `  IdentityFile ${status.clientKey}`,
      'Host lab-target', `  HostName ${addr('target')}`, '  User bench', `  IdentityFile ${status.clientKey}`, '  ProxyJump b1,b2',
      '',
    ].join('\n'));
    const dry = hopline(['import-ssh-config', config, '--dry-run', '--data-dir', dataDir], { HOME: home });
    expect(dry.code).toBe(0);
    expect(dry.stdout.toString()).not.toContain('Saved to the hosts library');
    const missing = hopline(['exec', '--profile', 'lab-target', '--data-dir', dataDir, '--', 'hostname'], { HOME: home });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no saved profile is named "lab-target"');

    expect(hopline(['import-ssh-config', config, '--data-dir', dataDir], { HOME: home }).code).toBe(0);
    const byProfile = hopline(['exec', '--profile', 'lab-target', '--data-dir', dataDir, '--', 'hostname'], { HOME: home });
    expect(byProfile.stderr).toBe('');
    expect(byProfile.stdout.toString().trim()).toBe('hl-target');
    // Saved hosts by name stand for their settings (user, key) on the command line.
    const byName = hopline(['exec', '--via', 'b1', '--data-dir', dataDir, 'b2', '--', 'hostname'], { HOME: home });
    expect(byName.stdout.toString().trim()).toBe('hl-bastion-key');

    const exported = hopline(['export', 'lab-target', '--data-dir', dataDir], { HOME: home });
    expect(exported.code).toBe(0);
    expect(exported.stdout.toString()).toContain('# ssh_config for profile "lab-target" (3 hops)');
    expect(exported.stdout.toString()).toContain(`-J bench@${addr('bastion-mfa')}:22,bench@${addr('bastion-key')}:22 -p 22 bench@${addr('target')}`);
  });

  it('remembers with --remember in the same keychain as the app, takes a TOTP secret, then asks nothing', async () => {
    const service = await startSecretService();
    try {
      const { home, dataDir } = sandbox();
      const askpass = path.join(home, 'askpass.sh');
      const log = path.join(home, 'asked.log');
      writeFileSync(askpass, `#!/bin/sh\necho "$1" >> '${log}'\ncase "$1" in\n  *TOTP*) echo '${status.users.ops.totpSecret}' ;;\n  *Password*) echo '${status.users.ops.password}' ;;\n  *Verification*) oathtool --totp -b '${status.users.ops.totpSecret}' ;;\nesac\n`);
      chmodSync(askpass, 0o700);
      const env = { HOME: home, HOPLINE_ASKPASS: askpass, DBUS_SESSION_BUS_ADDRESS: service.address };
      const target = `ops@${addr('bastion-mfa')}`;
      const first = hopline(['exec', '--remember', '--data-dir', dataDir, target, '--', 'hostname'], env);
      expect(first.stdout.toString().trim()).toBe('hl-bastion-mfa');
      expect(readFileSync(log, 'utf8')).toMatch(/Password[\s\S]*Verification/);

      const totp = hopline(['secrets', 'set-totp', target, '--data-dir', dataDir], env);
      expect(totp.code).toBe(0);
      expect(totp.stderr).toContain('both factors');
      const list = hopline(['secrets', 'list', '--data-dir', dataDir], env);
      expect(list.stdout.toString()).toBe(`${target}:22: password, totp\n`);

      writeFileSync(log, '');
      const third = hopline(['exec', '--data-dir', dataDir, target, '--', 'hostname'], env);
      expect(third.stdout.toString().trim()).toBe('hl-bastion-mfa');
      expect(readFileSync(log, 'utf8')).toBe('');
      for (const file of [...filesUnder(dataDir), ...filesUnder(home)].filter((f) => !f.endsWith('askpass.sh'))) {
        expect(readFileSync(file, 'latin1')).not.toContain(status.users.ops.password);
      }
    } finally {
      await service.stop();
    }
  });

  /** The lab's host-key settings, as the user's own config would hold them, after an exported block. */
  const labHostKeys = () => `\nHost *\n  UserKnownHostsFile ${status.knownHosts}\n  GlobalKnownHostsFile /dev/null\n  StrictHostKeyChecking yes\n  BatchMode yes\n`;

  it('exports a circuit whose first hop uses a ProxyCommand as ssh_config only (exit 0, why on stderr), which ssh -F runs', () => {
    const { home, dataDir } = sandbox();
    const config = path.join(home, 'config');
    // bastion-key is reached by a ProxyCommand (ssh -W through bastion-mfa): no -J line can say that.
    const proxy = `ssh -F ${status.sshConfig} -W %h:%p bench@${addr('bastion-mfa')}`;
    writeFileSync(config, [
      'Host b2', `  HostName ${addr('bastion-key')}`, '  User bench', `  IdentityFile ${status.clientKey}`, `  ProxyCommand ${proxy}`,
      'Host lab-target', `  HostName ${addr('target')}`, '  User bench', `  IdentityFile ${status.clientKey}`, '  ProxyJump b2',
      '',
    ].join('\n'));
    expect(hopline(['import-ssh-config', config, '--data-dir', dataDir], { HOME: home }).code).toBe(0);
    // Hopline itself opens the circuit (the ProxyCommand, then the jump).
    const run = hopline(['exec', '--profile', 'lab-target', '--data-dir', dataDir, '--', 'hostname'], { HOME: home });
    expect(run.stderr).toBe('');
    expect(run.stdout.toString().trim()).toBe('hl-target');

    for (const args of [['export', 'lab-target', '--data-dir', dataDir], ['export', 'lab-target', '--config', config]]) {
      const exported = hopline(args, { HOME: home });
      expect(exported.code, args.join(' ')).toBe(0);
      const text = exported.stdout.toString();
      expect(text).toContain(`    ProxyCommand ${proxy}`);
      expect(text).not.toContain('# as one command line');
      expect(exported.stderr).toMatch(/^hopline: no ssh -J line: hop 1 .*ProxyCommand.*Save the config above to a file and run: ssh -F FILE lab-target\n$/);
      const file = path.join(home, 'exported_config');
      writeFileSync(file, text + labHostKeys());
      const viaConfig = spawnSync('ssh', ['-F', file, 'lab-target', 'hostname'], { encoding: 'utf8', timeout: 30_000 });
      expect(viaConfig.stderr).toBe('');
      expect(viaConfig.status).toBe(0);
      expect(viaConfig.stdout.trim()).toBe('hl-target');
    }
  });

  /** Runs a command with its stdout a pipe whose reader is already gone (as after `| head -c0`). */
  function withClosedStdout(command: string, args: string[], env: Record<string, string>): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
    return new Promise((resolve, reject) => {
      const child = spawn(command, args, { env: { PATH: process.env.PATH!, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout.destroy();
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
      child.on('error', reject);
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        resolve({ code, signal, stderr });
      });
    });
  }

  /** 150 hosts, 50 jump chains, long names: a report larger than a pipe's buffer (64 KiB), and a real save. */
  function bigConfig(home: string): string {
    const lines: string[] = [];
    const domain = 'a-rather-long-internal-domain-name.region-one.datacenter-two.corp.example.com';
    for (let i = 0; i < 150; i++) {
      lines.push(`Host h${i}`, `  HostName host-number-${i}.${domain}.${domain}`, '  User bench', '  ControlMaster auto');
      if (i % 3 === 2) lines.push(`  ProxyJump h${i - 2},h${i - 1}`);
    }
    const file = path.join(home, 'big_config');
    writeFileSync(file, lines.join('\n') + '\n');
    return file;
  }

  function expectWholeLibrary(dataDir: string): void {
    const names = readdirSync(dataDir);
    expect(names.filter((n) => n.includes('.tmp-'))).toEqual([]);
    const doc = JSON.parse(readFileSync(path.join(dataDir, 'hopline.json'), 'utf8')) as { hosts: unknown[]; profiles: unknown[] };
    expect(doc.hosts).toHaveLength(150);
    expect(doc.profiles).toHaveLength(50);
  }

  it('import into a closed pipe saves the whole library, leaves no temp file, and dies of SIGPIPE quietly as ssh-keygen does', async () => {
    const { home, dataDir } = sandbox();
    const config = bigConfig(home);
    const closed = await withClosedStdout(process.execPath, [path.resolve('dist/main/cli.cjs'), 'import-ssh-config', config, '--data-dir', dataDir], { HOME: home });
    // The OpenSSH tool that prints a report (ssh-keygen) ends the same way on a closed pipe.
    const hosts = path.join(home, 'many_known_hosts');
    writeFileSync(hosts, readFileSync(status.knownHosts, 'utf8').repeat(500));
    const keygen = await withClosedStdout('ssh-keygen', ['-l', '-f', hosts], { HOME: home });
    expect(keygen.signal).toBe('SIGPIPE');
    expect(closed.signal).toBe(keygen.signal);
    expect(closed.stderr).toBe('');
    expectWholeLibrary(dataDir);

    // The user's own pipeline: head takes the first line and leaves.
    const second = sandbox();
    const piped = spawnSync('bash', ['-c', `'${process.execPath}' dist/main/cli.cjs import-ssh-config '${config}' --data-dir '${second.dataDir}' | head -1; echo "status \${PIPESTATUS[0]}" >&2`], {
      env: { PATH: process.env.PATH!, HOME: second.home },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(piped.stdout).toBe(`150 host(s) in ${config}:\n`);
    // 141 = 128 + SIGPIPE, as the shell reports ssh-keygen's death in the same pipeline.
    expect(piped.stderr).toBe('status 141\n');
    expectWholeLibrary(second.dataDir);
    // And the saved library is one the CLI reads back whole.
    const again = hopline(['import-ssh-config', config, '--data-dir', second.dataDir], { HOME: second.home });
    expect(again.code).toBe(0);
    expect(again.stderr).toBe('');
    expect(again.stdout.length).toBeGreaterThan(64 * 1024);

    // A write error that is not a closed pipe (a full disk) is said, and the command fails.
    const full = openSync('/dev/full', 'w');
    try {
      const run = spawnSync(process.execPath, ['dist/main/cli.cjs', 'export', 'h2', '--data-dir', second.dataDir], { env: { PATH: process.env.PATH!, HOME: second.home }, stdio: ['ignore', full, 'pipe'], encoding: 'utf8', timeout: 30_000 });
      expect(run.status).toBe(1);
      expect(run.stderr).toBe('hopline: cannot write to standard output (ENOSPC)\n');
    } finally {
      closeSync(full);
    }
  }, 60_000);

  it('exec into a closed pipe runs the command to its end and exits with its status, as ssh -J does', async () => {
    const { home, dataDir } = sandbox();
    const command = 'seq 1 300000; exit 3';
    const ours = await withClosedStdout(process.execPath, [path.resolve('dist/main/cli.cjs'), 'exec', ...via(), '--data-dir', dataDir, `bench@${addr('target')}`, '--', command], { HOME: home });
    const theirs = await withClosedStdout('ssh', ['-F', status.sshConfig, '-J', `bench@${addr('bastion-mfa')},bench@${addr('bastion-key')}`, `bench@${addr('target')}`, command], { HOME: home });
    expect({ code: theirs.code, signal: theirs.signal }).toEqual({ code: 3, signal: null });
    expect({ code: ours.code, signal: ours.signal }).toEqual({ code: theirs.code, signal: theirs.signal });
    expect(ours.stderr).toBe('');
  });

  it('takes service names as ports (`Port ssh`, -p ssh, host:ssh in -J) as OpenSSH does, and refuses unknown ones', () => {
    const { home, dataDir } = sandbox();
    const config = path.join(home, 'config');
    writeFileSync(config, [
      `Host ${addr('bastion-mfa')}`, `  IdentityFile ${status.clientKey}`,
      'Host b2', `  HostName ${addr('bastion-key')}`, '  User bench', '  Port ssh', `  IdentityFile ${status.clientKey}`,
      'Host lab-target', `  HostName ${addr('target')}`, '  User bench', '  Port ssh', `  IdentityFile ${status.clientKey}`, `  ProxyJump bench@${addr('bastion-mfa')}:ssh,b2`,
      '',
    ].join('\n'));
    // OpenSSH reads the file and runs through it.
    const withKeys = path.join(home, 'config_with_keys');
    writeFileSync(withKeys, readFileSync(config, 'utf8') + labHostKeys());
    const sshWithKeys = spawnSync('ssh', ['-F', withKeys, 'lab-target', 'hostname'], { encoding: 'utf8', timeout: 30_000 });
    expect(sshWithKeys.stderr).toBe('');
    expect(sshWithKeys.stdout.trim()).toBe('hl-target');

    const imported = hopline(['import-ssh-config', config, '--data-dir', dataDir], { HOME: home });
    expect(imported.code).toBe(0);
    expect(imported.stdout.toString()).toContain(`lab-target: bench@${addr('bastion-mfa')}:22 -> bench@${addr('bastion-key')}:22 -> bench@${addr('target')}:22 (3 hops)`);
    const byProfile = hopline(['exec', '--profile', 'lab-target', '--data-dir', dataDir, '--', 'hostname'], { HOME: home });
    expect(byProfile.stdout.toString().trim()).toBe('hl-target');

    // On the command line: -p and host:port in -J, against ssh -J with the same words.
    const jumps = `bench@${addr('bastion-mfa')}:ssh,bench@${addr('bastion-key')}:ssh`;
    const theirs = spawnSync('ssh', ['-F', status.sshConfig, '-J', jumps, '-p', 'ssh', `bench@${addr('target')}`, 'hostname'], { encoding: 'utf8', timeout: 30_000 });
    const ours = hopline(['exec', '-i', status.clientKey, '-J', jumps, '-p', 'ssh', '--data-dir', dataDir, `bench@${addr('target')}`, '--', 'hostname'], { HOME: home });
    expect(theirs.stdout.trim()).toBe('hl-target');
    expect(ours.stderr).toBe('');
    expect(ours.stdout.toString()).toBe(theirs.stdout);

    // An unknown name: both refuse before connecting.
    const theirsBad = spawnSync('ssh', ['-F', status.sshConfig, '-p', 'no-such-service', `bench@${addr('target')}`, 'true'], { encoding: 'utf8', timeout: 30_000 });
    expect(theirsBad.status).toBe(255);
    expect(theirsBad.stderr).toContain("Bad port 'no-such-service'");
    const oursBad = hopline(['exec', '-p', 'no-such-service', '--data-dir', dataDir, `bench@${addr('target')}`, '--', 'true'], { HOME: home });
    expect(oursBad.code).toBe(2);
    expect(oursBad.stderr).toContain('Bad port "no-such-service" (expected a number from 1 to 65535 or a service name)');
    const oursBadJump = hopline(['exec', '-J', `bench@${addr('bastion-mfa')}:no-such-service`, '--data-dir', dataDir, `bench@${addr('target')}`, '--', 'true'], { HOME: home });
    expect(oursBadJump.code).toBe(2);
    expect(oursBadJump.stderr).toContain(`Bad port in "bench@${addr('bastion-mfa')}:no-such-service"`);
  });
});
