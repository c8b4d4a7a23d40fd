/**
 * The real-OpenSSH lab: Debian's sshd in network namespaces this module makes itself.
 *
 *   root ns (the client) --198.18.1.0/24-- bastion-mfa --198.18.2.0/24-- bastion-key --198.18.3.0/24-- target
 *
 * - bastion-mfa: keyboard-interactive through PAM: `Password:` (pam_unix) then `Verification code:`
 *   (pam_google_authenticator). User `mixed` needs `publickey,keyboard-interactive`.
 * - bastion-key: public key only. target: key or password, a normal shell.
 * - `bench`: key-only on every host, so benchmarks compare like with like.
 *
 * Safety: before any interface exists, the whole 198.18.0.0/16 range (RFC 2544's benchmarking
 * range) is routed to `unreachable` in the root namespace; the namespaces have no default route
 * and forwarding off. So no lab packet can leave the machine, and the inner hosts are reachable
 * only by hopping. Users, passwords and the PAM file exist only inside each sshd's private mount
 * namespace (bind mounts over /etc/passwd, /etc/shadow, /etc/group, /etc/pam.d/sshd); the host's
 * files are never modified.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';

export const LAB_DIR = '/run/hopline-lab';
export const LAB_RANGE = '198.18.0.0/16';
const STATE_FILE = path.join(LAB_DIR, 'lab.json');
const SSHD = '/usr/sbin/sshd';

export type LabHostName = 'bastion-mfa' | 'bastion-key' | 'target';

interface HostPlan {
  name: LabHostName;
  ns: string;
  address: string;
  /** Which lab host (or the client, in the root namespace) can reach it. */
  reachableFrom: 'client' | LabHostName;
}

const HOSTS: HostPlan[] = [
  { name: 'bastion-mfa', ns: 'hl-mfa', address: '198.18.1.2', reachableFrom: 'client' },
  { name: 'bastion-key', ns: 'hl-key', address: '198.18.2.2', reachableFrom: 'bastion-mfa' },
  { name: 'target', ns: 'hl-target', address: '198.18.3.2', reachableFrom: 'bastion-key' },
];

/** Links: [namespace or null for root, interface, address/prefix] for each end. */
const LINKS: [[string | null, string, string], [string, string, string]][] = [
  [[null, 'hl-root', '198.18.1.1/24'], ['hl-mfa', 'hl-mfa-up', '198.18.1.2/24']],
  [['hl-mfa', 'hl-mfa-dn', '198.18.2.1/24'], ['hl-key', 'hl-key-up', '198.18.2.2/24']],
  [['hl-key', 'hl-key-dn', '198.18.3.1/24'], ['hl-target', 'hl-tgt-up', '198.18.3.2/24']],
];

/** Every lab sshd listens on these ports. */
export const LAB_PORTS = [22, 2222, 2223] as const;

const USERS = [
  { name: 'ops', uid: 48100 },
  { name: 'bench', uid: 48101 },
  { name: 'mixed', uid: 48102 },
] as const;
const GID = 48100;

export interface LabHostStatus {
  name: LabHostName;
  namespace: string;
  address: string;
  port: number;
  reachableFrom: 'client' | LabHostName;
  hostKeys: { type: string; sha256: string; publicKey: string }[];
  sshdLog: string;
  pid: number | null;
  alive: boolean;
}

export interface LabStatus {
  up: boolean;
  dir: string;
  range: string;
  hosts: LabHostStatus[];
  users: {
    ops: { password: string; totpSecret: string; note: string };
    bench: { note: string };
    mixed: { password: string; totpSecret: string; note: string };
  };
  /** Private key (no passphrase) that every lab user accepts where public key auth is on. */
  clientKey: string;
  /**
   * Private key of the user CA every lab sshd trusts (TrustedUserCAKeys): `ssh-keygen -s` it to
   * make certificates. Absent in a lab started before certificates were added.
   */
  userCa?: string;
  /**
   * Private key of the host CA: each host's ed25519 key carries a certificate it signed
   * (HostCertificate; principals: the host's address). Nothing trusts it until a test writes an
   * `@cert-authority` line for `hostCa.pub`. Absent in a lab started before host certificates.
   */
  hostCa?: string;
  /** known_hosts with every lab host key, by address. */
  knownHosts: string;
  /** ssh_config for real OpenSSH (`ssh -F`): the lab key and known_hosts, strict host keys, batch mode. */
  sshConfig: string;
}

function run(cmd: string, args: string[], input?: string): string {
  return execFileSync(cmd, args, { encoding: 'utf8', input, stdio: ['pipe', 'pipe', 'pipe'] });
}

function tryRun(cmd: string, args: string[]): void {
  spawnSync(cmd, args, { stdio: 'ignore' });
}

function ip(...args: string[]): string {
  return run('ip', args);
}

function inNs(ns: string | null, ...args: string[]): string {
  return ns ? ip('netns', 'exec', ns, ...args) : run(args[0]!, args.slice(1));
}

/** Why the lab cannot run on this machine, or null if it can. */
export function labUnavailableReason(): string | null {
  if (process.platform !== 'linux') return 'the lab needs Linux network namespaces';
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return 'the lab needs root (network namespaces, sshd)';
  for (const tool of [SSHD, '/usr/bin/ssh-keygen', '/usr/bin/oathtool', '/usr/bin/unshare']) {
    if (!existsSync(tool)) return `${tool} is missing (install openssh-server, openssh-client, oathtool, util-linux)`;
  }
  if (!existsSync('/etc/pam.d/sshd')) return '/etc/pam.d/sshd is missing (openssh-server not installed?)';
  if (spawnSync('ip', ['-V']).status !== 0) return 'iproute2 (ip) is missing';
  return null;
}

function base32(bytes: Buffer): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += alphabet[(value << (5 - bits)) & 31];
  return out;
}

/** The current TOTP code for a lab secret, from oathtool (what a person's authenticator app shows). */
export function totpCode(secret: string, offsetSeconds = 0): string {
  const args = ['--totp', '-b'];
  if (offsetSeconds !== 0) args.push(`--now=@${Math.floor(Date.now() / 1000) + offsetSeconds}`);
  return run('oathtool', [...args, secret]).trim();
}

function sshdConfig(host: HostPlan, dir: string): string {
  const common = [
    // Extra ports give distinct endpoints on one host, for deep (8-hop) circuits without a cycle.
    ...LAB_PORTS.map((port) => `ListenAddress ${host.address}:${port}`),
    `HostKey ${dir}/ssh_host_ed25519_key`,
    `HostKey ${dir}/ssh_host_ecdsa_key`,
    // On the ed25519 key: real ssh that knows only that key's plain form then gets the certificate
    // of the same type and drops it back to a key it knows (a certificate on another type would
    // look like a changed key to it). After labReplaceHostKey sshd ignores the unmatched certificate.
    `HostCertificate ${dir}/ssh_host_ed25519_key-cert.pub`,
    // Absent unless a test asks for an ECDSA certificate instead (sshd logs and skips a missing one).
    `HostCertificate ${dir}/ssh_host_ecdsa_key-cert.pub`,
    `PidFile ${dir}/sshd.pid`,
    'LogLevel VERBOSE',
    `AuthorizedKeysFile ${LAB_DIR}/authorized_keys/%u`,
    // A user CA (labUp): certificates it signs log in as their principals; plain keys still work.
    `TrustedUserCAKeys ${LAB_DIR}/user_ca.pub`,
    'PermitRootLogin no',
    `AllowUsers ${USERS.map((u) => u.name).join(' ')}`,
    'AllowTcpForwarding yes',
    'AllowAgentForwarding yes',
    'X11Forwarding no',
    'PrintMotd no',
    'PrintLastLog no',
    'UseDNS no',
    'MaxAuthTries 20',
    'MaxStartups 200:30:400',
    'MaxSessions 200',
    'ClientAliveInterval 0',
    'Subsystem sftp internal-sftp',
  ];
  switch (host.name) {
    case 'bastion-mfa':
      return [
        ...common,
        'UsePAM yes',
        'KbdInteractiveAuthentication yes',
        'PasswordAuthentication no',
        'PubkeyAuthentication yes',
        'AuthenticationMethods keyboard-interactive',
        'Match User bench',
        '  AuthenticationMethods publickey',
        'Match User mixed',
        '  AuthenticationMethods publickey,keyboard-interactive',
        '',
      ].join('\n');
    case 'bastion-key':
      return [...common, 'UsePAM no', 'KbdInteractiveAuthentication no', 'PasswordAuthentication no', 'PubkeyAuthentication yes', 'AuthenticationMethods publickey', ''].join('\n');
    case 'target':
      return [...common, 'UsePAM no', 'KbdInteractiveAuthentication no', 'PasswordAuthentication yes', 'PubkeyAuthentication yes', ''].join('\n');
  }
}

const MFA_PAM = [
  '# Hopline lab: password, then a TOTP code. Bind-mounted over /etc/pam.d/sshd inside the lab',
  "# sshd's private mount namespace only.",
  'auth     required pam_unix.so',
  'auth     required pam_google_authenticator.so',
  'account  required pam_unix.so',
  'session  required pam_unix.so',
  '',
].join('\n');

function readState(): LabStatus | null {
  try {
    return JSON.parse(readFileSync(STATE_FILE, 'utf8')) as LabStatus;
  } catch {
    return null;
  }
}

function pidAlive(pid: number | null): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function readPid(file: string): number | null {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

async function waitFor(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`lab: timed out waiting for ${what}`);
}

/** Removes everything the lab made. Safe to call when nothing is up, or after a crash. */
export function labDown(): void {
  for (const host of HOSTS) {
    const pid = readPid(path.join(LAB_DIR, 'hosts', host.name, 'sshd.pid'));
    if (pid && pidAlive(pid)) tryRun('kill', ['-TERM', String(pid)]);
    // Every process left in the namespace (sshd sessions, shells) goes too.
    const pids = spawnSync('ip', ['netns', 'pids', host.ns], { encoding: 'utf8' }).stdout?.split(/\s+/).filter(Boolean) ?? [];
    for (const p of pids) tryRun('kill', ['-KILL', p]);
    tryRun('ip', ['netns', 'del', host.ns]);
  }
  // Root-namespace ends of the veths vanish with their peers; delete explicitly in case a peer was never moved.
  for (const [[ns, iface]] of LINKS) if (ns === null) tryRun('ip', ['link', 'del', iface]);
  const state = readState() as (LabStatus & { createdRunSshd?: boolean }) | null;
  if (state?.createdRunSshd) rmSync('/run/sshd', { recursive: true, force: true });
  // The unreachable route goes last, so the range is never routable while interfaces exist.
  tryRun('ip', ['route', 'del', 'unreachable', LAB_RANGE]);
  rmSync(LAB_DIR, { recursive: true, force: true });
}

export async function labUp(): Promise<LabStatus> {
  const reason = labUnavailableReason();
  if (reason) throw new Error(`lab: ${reason}`);
  labDown();

  // 1. Fence the range before anything else exists.
  ip('route', 'add', 'unreachable', LAB_RANGE);

  // 2. Files.
  mkdirSync(LAB_DIR, { recursive: true, mode: 0o755 });
  chmodSync(LAB_DIR, 0o755);
  const etc = path.join(LAB_DIR, 'etc');
  const homes = path.join(LAB_DIR, 'home');
  const akDir = path.join(LAB_DIR, 'authorized_keys');
  const clientDir = path.join(LAB_DIR, 'client');
  for (const d of [etc, homes, akDir, clientDir]) mkdirSync(d, { recursive: true, mode: 0o755 });
  chmodSync(clientDir, 0o700);

  const opsPassword = randomBytes(12).toString('base64url');
  const mixedPassword = randomBytes(12).toString('base64url');
  const opsTotp = base32(randomBytes(20));
  const mixedTotp = base32(randomBytes(20));

  const hash = (pw: string): string => run('openssl', ['passwd', '-6', '-stdin'], `${pw}\n`).trim();
  const shadowFields = ':19000:0:99999:7:::';
  writeFileSync(path.join(etc, 'passwd'), readFileSync('/etc/passwd', 'utf8').trimEnd() + '\n' + USERS.map((u) => `${u.name}:x:${u.uid}:${GID}:Hopline lab ${u.name}:${homes}/${u.name}:/bin/bash`).join('\n') + '\n', { mode: 0o644 });
  writeFileSync(path.join(etc, 'group'), readFileSync('/etc/group', 'utf8').trimEnd() + `\nhoplinelab:x:${GID}:\n`, { mode: 0o644 });
  writeFileSync(
    path.join(etc, 'shadow'),
    readFileSync('/etc/shadow', 'utf8').trimEnd() + '\n' + [`ops:${hash(opsPassword)}${shadowFields}`, `bench:*${shadowFields}`, `mixed:${hash(mixedPassword)}${shadowFields}`].join('\n') + '\n',
    { mode: 0o640 },
  );

  run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'hopline-lab-client', '-f', path.join(clientDir, 'id_ed25519')]);
  const clientPub = readFileSync(path.join(clientDir, 'id_ed25519.pub'), 'utf8');
  run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'hopline-lab-user-ca', '-f', path.join(clientDir, 'user_ca')]);
  writeFileSync(path.join(LAB_DIR, 'user_ca.pub'), readFileSync(path.join(clientDir, 'user_ca.pub')), { mode: 0o644 });
  run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'hopline-lab-host-ca', '-f', path.join(clientDir, 'host_ca')]);
  for (const user of USERS) {
    const home = path.join(homes, user.name);
    mkdirSync(home, { mode: 0o700 });
    chownSync(home, user.uid, GID);
    writeFileSync(path.join(akDir, user.name), clientPub, { mode: 0o644 });
  }
  for (const [user, secret] of [['ops', opsTotp], ['mixed', mixedTotp]] as const) {
    const uid = USERS.find((u) => u.name === user)!.uid;
    const file = path.join(homes, user, '.google_authenticator');
    // No DISALLOW_REUSE and no RATE_LIMIT: tests log in several times within one 30 s step.
    writeFileSync(file, `${secret}\n" TOTP_AUTH\n" WINDOW_SIZE 3\n`, { mode: 0o600 });
    chownSync(file, uid, GID);
  }

  let createdRunSshd = false;
  if (!existsSync('/run/sshd')) {
    mkdirSync('/run/sshd', { mode: 0o755 });
    createdRunSshd = true;
  }

  // 3. Namespaces and links.
  for (const host of HOSTS) {
    ip('netns', 'add', host.ns);
    inNs(host.ns, 'ip', 'link', 'set', 'lo', 'up');
    inNs(host.ns, 'sysctl', '-q', '-w', 'net.ipv4.ip_forward=0');
  }
  for (const [[nsA, ifA, addrA], [nsB, ifB, addrB]] of LINKS) {
    ip('link', 'add', ifA, 'type', 'veth', 'peer', 'name', ifB);
    if (nsA) ip('link', 'set', ifA, 'netns', nsA);
    ip('link', 'set', ifB, 'netns', nsB);
    inNs(nsA, 'ip', 'addr', 'add', addrA, 'dev', ifA);
    inNs(nsB, 'ip', 'addr', 'add', addrB, 'dev', ifB);
    inNs(nsA, 'ip', 'link', 'set', ifA, 'up');
    inNs(nsB, 'ip', 'link', 'set', ifB, 'up');
  }

  // 4. sshd per host, each in a private mount namespace with the lab's users and PAM file.
  const hostStatuses: LabHostStatus[] = [];
  const knownHostLines: string[] = [];
  for (const host of HOSTS) {
    const dir = path.join(LAB_DIR, 'hosts', host.name);
    mkdirSync(dir, { recursive: true, mode: 0o755 });
    for (const type of ['ed25519', 'ecdsa']) run('ssh-keygen', ['-q', '-t', type, '-N', '', '-C', host.name, '-f', path.join(dir, `ssh_host_${type}_key`)]);
    signHostCertificate(host, DEFAULT_HOST_CERTIFICATE);
    writeFileSync(path.join(dir, 'sshd_config'), sshdConfig(host, dir), { mode: 0o644 });
    const pamFile = path.join(dir, 'pam-sshd');
    writeFileSync(pamFile, host.name === 'bastion-mfa' ? MFA_PAM : 'auth required pam_unix.so\naccount required pam_unix.so\nsession required pam_unix.so\n', { mode: 0o644 });
    const logFile = path.join(dir, 'sshd.log');
    writeFileSync(logFile, '', { mode: 0o644 });
    // Login records go to lab files, not the host's wtmp/lastlog/btmp.
    const records = ['/var/log/wtmp', '/var/log/btmp', '/var/log/lastlog', '/run/utmp'].filter((f) => existsSync(f));
    const binds = [
      [path.join(etc, 'passwd'), '/etc/passwd'],
      [path.join(etc, 'group'), '/etc/group'],
      [path.join(etc, 'shadow'), '/etc/shadow'],
      [pamFile, '/etc/pam.d/sshd'],
      ...records.map((f) => {
        const copy = path.join(dir, path.basename(f));
        writeFileSync(copy, '');
        return [copy, f];
      }),
    ];
    // Its own UTS namespace too, so `hostname` on each lab host says which one it is.
    const script = ['set -e', `hostname 'hl-${host.name}'`, ...binds.map(([from, to]) => `mount --bind '${from}' '${to}'`), `exec ${SSHD} -f '${dir}/sshd_config' -E '${logFile}'`, ''].join('\n');
    writeFileSync(path.join(dir, 'start.sh'), script, { mode: 0o644 });
    run('ip', ['netns', 'exec', host.ns, 'unshare', '--mount', '--uts', '--propagation', 'private', '--', '/bin/sh', '-c', script]);
    await waitFor(() => readFileSync(logFile, 'utf8').split('Server listening').length > LAB_PORTS.length, `${host.name} sshd to listen (see ${logFile})`);

    const hostKeys = ['ed25519', 'ecdsa'].map((type) => {
      const publicKey = readFileSync(path.join(dir, `ssh_host_${type}_key.pub`), 'utf8').trim();
      const sha256 = run('ssh-keygen', ['-l', '-E', 'sha256', '-f', path.join(dir, `ssh_host_${type}_key.pub`)]).split(' ')[1]!;
      const keyPart = publicKey.split(' ').slice(0, 2).join(' ');
      knownHostLines.push(`${host.address} ${keyPart}`, ...LAB_PORTS.filter((p) => p !== 22).map((p) => `[${host.address}]:${p} ${keyPart}`));
      return { type: publicKey.split(' ')[0]!, sha256, publicKey };
    });
    hostStatuses.push({ name: host.name, namespace: host.ns, address: host.address, port: 22, reachableFrom: host.reachableFrom, hostKeys, sshdLog: logFile, pid: readPid(path.join(dir, 'sshd.pid')), alive: true });
  }
  const knownHosts = path.join(clientDir, 'known_hosts');
  writeFileSync(knownHosts, knownHostLines.join('\n') + '\n', { mode: 0o600 });
  // For real OpenSSH: -o options do not reach the `ssh -W` processes that -J starts, a config file does.
  const sshConfig = path.join(clientDir, 'ssh_config');
  writeFileSync(sshConfig, `Host *\n  IdentityFile ${path.join(clientDir, 'id_ed25519')}\n  IdentitiesOnly yes\n  UserKnownHostsFile ${knownHosts}\n  GlobalKnownHostsFile /dev/null\n  StrictHostKeyChecking yes\n  BatchMode yes\n`, { mode: 0o600 });

  const status: LabStatus & { createdRunSshd: boolean } = {
    up: true,
    dir: LAB_DIR,
    range: LAB_RANGE,
    hosts: hostStatuses,
    users: {
      ops: { password: opsPassword, totpSecret: opsTotp, note: 'bastion-mfa: password + TOTP (keyboard-interactive); bastion-key: key; target: key or password' },
      bench: { note: 'key-only on every host' },
      mixed: { password: mixedPassword, totpSecret: mixedTotp, note: 'bastion-mfa: publickey,keyboard-interactive; elsewhere key or password' },
    },
    clientKey: path.join(clientDir, 'id_ed25519'),
    userCa: path.join(clientDir, 'user_ca'),
    hostCa: path.join(clientDir, 'host_ca'),
    knownHosts,
    sshConfig,
    createdRunSshd,
  };
  writeFileSync(STATE_FILE, JSON.stringify(status, null, 2), { mode: 0o600 });
  await waitForTcp(HOSTS[0]!.address, 22);
  return status;
}

function waitForTcp(host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port, timeout: 5000 });
    socket.once('connect', () => {
      socket.destroy();
      resolve();
    });
    socket.once('timeout', () => {
      socket.destroy();
      reject(new Error(`lab: ${host}:${port} did not accept a connection`));
    });
    socket.once('error', reject);
  });
}

/** Anything of the lab still on the machine (namespaces, links, routes, processes, files); empty after `down`. */
export function labLeftovers(): string[] {
  const left: string[] = [];
  const namespaces = ip('netns', 'list');
  for (const host of HOSTS) if (namespaces.includes(host.ns)) left.push(`netns ${host.ns}`);
  const links = ip('-o', 'link', 'show');
  for (const [[, ifA]] of LINKS) if (links.includes(` ${ifA}@`) || links.includes(` ${ifA}:`)) left.push(`link ${ifA}`);
  if (ip('route', 'show', 'type', 'unreachable').includes(LAB_RANGE)) left.push(`route unreachable ${LAB_RANGE}`);
  if (existsSync(LAB_DIR)) left.push(`dir ${LAB_DIR}`);
  const sshds = spawnSync('pgrep', ['-f', `${LAB_DIR}/hosts/`], { encoding: 'utf8' }).stdout.trim();
  if (sshds) left.push(`processes ${sshds.split('\n').join(',')}`);
  return left;
}

/** What is up now, with liveness re-checked; `{ up: false }` when nothing is. */
export function labStatus(): LabStatus | { up: false } {
  const state = readState();
  if (!state) return { up: false };
  const namespaces = ip('netns', 'list');
  const hosts = state.hosts.map((h) => {
    const pid = readPid(path.join(LAB_DIR, 'hosts', h.name, 'sshd.pid'));
    return { ...h, pid, alive: pidAlive(pid) && namespaces.includes(h.namespace) };
  });
  const { createdRunSshd: _ignored, ...rest } = state as LabStatus & { createdRunSshd?: boolean };
  return { ...rest, up: hosts.every((h) => h.alive), hosts };
}

/** The lab's links, in LINKS order: this computer to bastion-mfa, between the bastions, bastion-key to the target. */
export const LINK_NAMES = ['client-mfa', 'mfa-key', 'key-target'] as const;
export type LabLinkName = (typeof LINK_NAMES)[number];

/**
 * Takes a lab link down or up (both ends), as a cut cable or a dead switch would. Down, each end
 * loses its connected route, so packets are dropped at the sender and nothing answers: TCP
 * connections across it stay "established" until something (a keepalive) gives up on them.
 */
export function labSetLink(link: LabLinkName, up: boolean): void {
  const index = LINK_NAMES.indexOf(link);
  const [[nsA, ifA], [nsB, ifB]] = LINKS[index]!;
  inNs(nsA, 'ip', 'link', 'set', ifA, up ? 'up' : 'down');
  inNs(nsB, 'ip', 'link', 'set', ifB, up ? 'up' : 'down');
}

/** Every process in a lab host's namespace: its sshd listener, and each session's sshd and shell. */
function nsPids(ns: string): number[] {
  return (spawnSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' }).stdout ?? '').split(/\s+/).filter(Boolean).map(Number);
}

function hostPlan(name: LabHostName): HostPlan {
  return HOSTS.find((h) => h.name === name)!;
}

/**
 * Kills every process of a host (the sshd listener, each session's sshd, their shells), as a
 * crash or a power cut would. Killing only the listener would end nothing: OpenSSH sessions are
 * processes of their own, which is why a graceful restart (labRestartSshd) keeps them.
 */
export async function labKillSshd(name: LabHostName): Promise<void> {
  const pids = nsPids(hostPlan(name).ns);
  for (const pid of pids) tryRun('kill', ['-KILL', String(pid)]);
  await waitFor(() => pids.every((pid) => !pidAlive(pid)), `${name} sshd processes to die`);
}

/**
 * Freezes (SIGSTOP) or thaws (SIGCONT) every process of a host: a hung machine whose kernel still
 * holds its TCP connections open, so only keepalives can tell it is gone.
 */
export function labFreezeSshd(name: LabHostName, frozen: boolean): void {
  for (const pid of nsPids(hostPlan(name).ns)) tryRun('kill', [frozen ? '-STOP' : '-CONT', String(pid)]);
}

/** The host's sshd listener pid, if it runs. */
export function labListenerPid(name: LabHostName): number | null {
  const pid = readPid(path.join(LAB_DIR, 'hosts', name, 'sshd.pid'));
  return pidAlive(pid) ? pid : null;
}

/** Processes of a host besides its sshd listener: one sshd pair and a shell or two per live SSH session. */
export function labSessionPids(name: LabHostName): number[] {
  const listener = labListenerPid(name);
  return nsPids(hostPlan(name).ns).filter((pid) => pid !== listener);
}

/**
 * Established TCP connections from `from` (a lab host's namespace, or 'client' for the root
 * namespace this computer is in) to `to`'s sshd on `port`, as the kernel of `from` sees them.
 */
export function labConnections(from: 'client' | LabHostName, to: LabHostName, port = 22): number {
  const dst = `${hostPlan(to).address}:${port}`;
  const args = ['-Htn', 'state', 'established', 'dst', dst];
  const out = from === 'client' ? spawnSync('ss', args, { encoding: 'utf8' }).stdout : spawnSync('ip', ['netns', 'exec', hostPlan(from).ns, 'ss', ...args], { encoding: 'utf8' }).stdout;
  return (out ?? '').split('\n').filter((line) => line.trim()).length;
}

/**
 * Undoes every fault a test may have left: all links up, every host thawed, and a dead sshd
 * listener started again. Tests that break the lab call it in finally/afterAll, so a failed
 * assertion never leaves later tests of the run a broken lab.
 */
export async function labRestore(): Promise<void> {
  if (!readState()) return;
  for (const link of LINK_NAMES) labSetLink(link, true);
  for (const host of HOSTS) {
    labFreezeSshd(host.name, false);
    if (!labListenerPid(host.name)) await labRestartSshd(host.name);
    if (existsSync(originalHostKey(host.name))) await labRestoreHostKey(host.name);
    if (!existsSync(path.join(LAB_DIR, 'hosts', host.name, 'ssh_host_ed25519_key-cert.pub'))) await labSetHostCertificate(host.name, DEFAULT_HOST_CERTIFICATE);
  }
}

/**
 * Starts one host's sshd again (same keys and config), stopping its listener first if it runs:
 * a graceful restart, like `systemctl restart ssh`, after which existing sessions (processes of
 * their own) carry on. After labKillSshd it brings a crashed host back.
 */
export async function labRestartSshd(name: LabHostName): Promise<void> {
  const host = HOSTS.find((h) => h.name === name)!;
  const dir = path.join(LAB_DIR, 'hosts', name);
  const pid = readPid(path.join(dir, 'sshd.pid'));
  if (pid && pidAlive(pid)) {
    // A frozen listener would never act on SIGTERM.
    process.kill(pid, 'SIGCONT');
    process.kill(pid, 'SIGTERM');
  }
  await waitFor(() => !pidAlive(pid), `${name} sshd to stop`);
  const logFile = path.join(dir, 'sshd.log');
  const before = readFileSync(logFile, 'utf8').split('Server listening').length;
  const script = readFileSync(path.join(dir, 'start.sh'), 'utf8');
  run('ip', ['netns', 'exec', host.ns, 'unshare', '--mount', '--uts', '--propagation', 'private', '--', '/bin/sh', '-c', script]);
  await waitFor(() => readFileSync(logFile, 'utf8').split('Server listening').length >= before + LAB_PORTS.length, `${name} sshd to listen again`);
}

export interface HostCertificateOptions {
  /** Comma-separated, as `ssh-keygen -n`; default the host's address. */
  principals?: string;
  /** As `ssh-keygen -V`; default from 5 minutes ago for a year. */
  validity?: string;
  /** The CA's private key; default the lab's host CA. */
  ca?: string;
  /** Key id (`ssh-keygen -I`); default the host's name. */
  id?: string;
  /** Which host key is certified (the other loses its certificate); default ed25519. */
  keyType?: 'ed25519' | 'ecdsa';
}
const DEFAULT_HOST_CERTIFICATE: HostCertificateOptions = {};

/** Signs one host key (ed25519 unless asked) into KEY-cert.pub, where its sshd_config's HostCertificate looks. */
function signHostCertificate(host: HostPlan, opts: HostCertificateOptions): string {
  const keyType = opts.keyType ?? 'ed25519';
  const other = keyType === 'ed25519' ? 'ecdsa' : 'ed25519';
  rmSync(path.join(LAB_DIR, 'hosts', host.name, `ssh_host_${other}_key-cert.pub`), { force: true });
  const key = path.join(LAB_DIR, 'hosts', host.name, `ssh_host_${keyType}_key`);
  run('ssh-keygen', ['-q', '-s', opts.ca ?? path.join(LAB_DIR, 'client', 'host_ca'), '-h', '-I', opts.id ?? host.name, '-n', opts.principals ?? host.address, '-V', opts.validity ?? '-5m:+52w', `${key}.pub`]);
  return `${key}-cert.pub`;
}

/**
 * Gives a host a new host certificate (`null`: none at all) and restarts its sshd; returns the
 * certificate file, for `ssh-keygen -L`. labRestore puts the default one back.
 */
export async function labSetHostCertificate(name: LabHostName, opts: HostCertificateOptions | null): Promise<string> {
  const dir = path.join(LAB_DIR, 'hosts', name);
  const cert = opts ? signHostCertificate(hostPlan(name), opts) : path.join(dir, 'ssh_host_ed25519_key-cert.pub');
  if (!opts) for (const type of ['ed25519', 'ecdsa']) rmSync(path.join(dir, `ssh_host_${type}_key-cert.pub`), { force: true });
  await labRestartSshd(name);
  return cert;
}

/** Where labReplaceHostKey keeps a host's original ed25519 key while a new one is in use. */
function originalHostKey(name: LabHostName): string {
  return path.join(LAB_DIR, 'hosts', name, 'ssh_host_ed25519_key.orig');
}

/**
 * Gives a host a new ed25519 host key and restarts its sshd (existing sessions carry on), as a
 * reinstalled server, a rotated key or a man in the middle would look to a client. The original
 * key is kept aside for labRestoreHostKey; replacing twice keeps the first original. Returns the
 * new key as `type base64` and its SHA256 fingerprint.
 */
export async function labReplaceHostKey(name: LabHostName): Promise<{ type: string; sha256: string; publicKey: string }> {
  const key = path.join(LAB_DIR, 'hosts', name, 'ssh_host_ed25519_key');
  if (!existsSync(originalHostKey(name))) {
    renameSync(key, originalHostKey(name));
    renameSync(`${key}.pub`, `${originalHostKey(name)}.pub`);
  } else {
    rmSync(key, { force: true });
    rmSync(`${key}.pub`, { force: true });
  }
  run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', `${name} (replaced)`, '-f', key]);
  await labRestartSshd(name);
  const publicKey = readFileSync(`${key}.pub`, 'utf8').trim().split(' ').slice(0, 2).join(' ');
  const sha256 = run('ssh-keygen', ['-l', '-E', 'sha256', '-f', `${key}.pub`]).split(' ')[1]!;
  return { type: publicKey.split(' ')[0]!, sha256, publicKey };
}

/** Puts back the host key labReplaceHostKey set aside and restarts that sshd; a no-op if none was. */
export async function labRestoreHostKey(name: LabHostName): Promise<void> {
  const key = path.join(LAB_DIR, 'hosts', name, 'ssh_host_ed25519_key');
  if (!existsSync(originalHostKey(name))) return;
  renameSync(originalHostKey(name), key);
  renameSync(`${originalHostKey(name)}.pub`, `${key}.pub`);
  await labRestartSshd(name);
}
