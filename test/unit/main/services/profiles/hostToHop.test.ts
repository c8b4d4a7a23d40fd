import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONNECT_TIMEOUT_MS, MAX_CIRCUIT_DEPTH, type HopSpec } from '../../../../../app/main/services/engine/hopSpec';
import { importSshConfig } from '../../../../../app/main/services/engine/sshConfig';
import { expandHome, hopSpecForHost, hostSettingsFromHop } from '../../../../../app/main/services/profiles/hostToHop';
import { HOST_DEFAULTS, type HostSummary } from '../../../../../app/shared/model/host';
import { hostSettingsSchema, type StoredHost } from '../../../../../app/shared/schema/hosts';
import { MAX_PROFILE_HOPS } from '../../../../../app/shared/schema/profiles';

const HOME = '/home/ana';

const stored: StoredHost = {
  id: '0b8f8e4e-2b0a-4c3c-9d55-6f1b0e1b2c3d',
  name: 'Bastion (prod)',
  address: 'bastion.example.net',
  port: 2222,
  user: 'ops',
  auth: [{ kind: 'agent' }, { kind: 'publickey', keyFile: '~/.ssh/id_ed25519' }, { kind: 'publickey', keyFile: '/etc/keys/ops' }, { kind: 'keyboard-interactive' }, { kind: 'password' }],
  agentForward: true,
  keepaliveIntervalSec: 20,
  keepaliveCountMax: 4,
  connectTimeoutSec: 9,
  proxy: { kind: 'command', command: '/usr/bin/nc -X 5 -x socks:1080 %h %p' },
};

describe('hopSpecForHost', () => {
  it('maps every setting: name, address as host, ~/ expanded, seconds to ms, proxy, host id', () => {
    expect(hopSpecForHost(stored, HOME)).toEqual({
      name: 'Bastion (prod)',
      host: 'bastion.example.net',
      port: 2222,
      user: 'ops',
      auth: [{ kind: 'agent' }, { kind: 'publickey', keyFile: path.join(HOME, '.ssh/id_ed25519') }, { kind: 'publickey', keyFile: '/etc/keys/ops' }, { kind: 'keyboard-interactive' }, { kind: 'password' }],
      agentForward: true,
      keepaliveIntervalMs: 20_000,
      keepaliveCountMax: 4,
      connectTimeoutMs: 9_000,
      proxy: { kind: 'command', command: '/usr/bin/nc -X 5 -x socks:1080 %h %p' },
      hostId: stored.id,
    } satisfies HopSpec);
  });

  it('takes a HostSummary too (its has* flags do not leak into the spec), without a proxy when there is none', () => {
    const summary: HostSummary = { ...stored, proxy: null, hasPassword: true, hasPassphrase: false, hasTotp: true, hasAnswers: false };
    const hop = hopSpecForHost(summary, HOME);
    expect(hop).not.toHaveProperty('proxy');
    expect(hop).not.toHaveProperty('hasPassword');
  });

  it('maps SOCKS and HTTP proxies without a password: that comes from the keychain', () => {
    expect(hopSpecForHost({ ...stored, proxy: { kind: 'socks5', host: 'socks.local', port: 1080, username: 'me' } }, HOME).proxy).toEqual({ kind: 'socks5', host: 'socks.local', port: 1080, username: 'me' });
    expect(hopSpecForHost({ ...stored, proxy: { kind: 'http', host: 'proxy.local', port: 3128 } }, HOME).proxy).toEqual({ kind: 'http', host: 'proxy.local', port: 3128 });
  });

  it('carries known_hosts files (UserKnownHostsFile) with ~/ expanded, and both ways', () => {
    const hop = hopSpecForHost({ ...stored, knownHostsFiles: ['~/.ssh/known_hosts_corp', '/etc/kh'] }, HOME);
    expect(hop.knownHostsFiles).toEqual([path.join(HOME, '.ssh/known_hosts_corp'), '/etc/kh']);
    expect(hopSpecForHost(stored, HOME)).not.toHaveProperty('knownHostsFiles');
    expect(hostSettingsFromHop({ ...hop, knownHostsFiles: [] }).knownHostsFiles).toEqual([]);
    expect(hostSettingsFromHop(hopSpecForHost(stored, HOME))).not.toHaveProperty('knownHostsFiles');
  });

  it('turns keepalive 0 into 0 ms (off)', () => {
    expect(hopSpecForHost({ ...stored, keepaliveIntervalSec: 0 }, HOME).keepaliveIntervalMs).toBe(0);
  });
});

describe('expandHome', () => {
  it('expands ~ and ~/ only', () => {
    expect(expandHome('~', HOME)).toBe(HOME);
    expect(expandHome('~/.ssh/id_rsa', HOME)).toBe(path.join(HOME, '.ssh/id_rsa'));
    expect(expandHome('~bob/.ssh/id_rsa', HOME)).toBe('~bob/.ssh/id_rsa');
    expect(expandHome('keys/~/x', HOME)).toBe('keys/~/x');
  });
});

describe('hostSettingsFromHop', () => {
  it('gives what the engine does for absent values: no keepalive, its default timeout, no forwarding', () => {
    const settings = hostSettingsFromHop({ name: 'web', host: 'web.example.net', port: 22, user: 'ana', auth: [{ kind: 'agent', socket: '/tmp/agent.sock' }, { kind: 'password' }] });
    expect(settings).toEqual({
      name: 'web',
      address: 'web.example.net',
      port: 22,
      user: 'ana',
      auth: [{ kind: 'agent' }, { kind: 'password' }],
      agentForward: false,
      keepaliveIntervalSec: 0,
      keepaliveCountMax: HOST_DEFAULTS.keepaliveCountMax,
      connectTimeoutSec: DEFAULT_CONNECT_TIMEOUT_MS / 1000,
      proxy: null,
    });
    expect(hostSettingsSchema.safeParse(settings).success).toBe(true);
  });

  it('drops a proxy password: it never goes into the document', () => {
    const settings = hostSettingsFromHop({ name: 'a', host: 'a', port: 22, user: 'u', auth: [{ kind: 'password' }], proxy: { kind: 'socks5', host: 's', port: 1080, username: 'me', password: 'secret' } });
    expect(settings.proxy).toEqual({ kind: 'socks5', host: 's', port: 1080, username: 'me' });
    expect(JSON.stringify(settings)).not.toContain('secret');
  });

  it('rounds sub-second times up, never to a zero timeout', () => {
    const settings = hostSettingsFromHop({ name: 'a', host: 'a', port: 22, user: 'u', auth: [{ kind: 'password' }], keepaliveIntervalMs: 1500, connectTimeoutMs: 200 });
    expect(settings.keepaliveIntervalSec).toBe(2);
    expect(settings.connectTimeoutSec).toBe(1);
  });

  it('is the inverse of hopSpecForHost for settings with absolute key paths', () => {
    const absolute: StoredHost = { ...stored, auth: [{ kind: 'publickey', keyFile: '/etc/keys/ops' }, { kind: 'password' }] };
    const { id: _id, ...settings } = absolute;
    expect(hostSettingsFromHop(hopSpecForHost(absolute, HOME))).toEqual(settings);
  });

  it('turns every hop the ssh_config importer makes into valid settings', () => {
    const text = [
      'Host jump',
      '  HostName jump.example.net',
      '  User alice',
      '  Port 2201',
      '  ServerAliveInterval 30',
      '  ServerAliveCountMax 5',
      '  ConnectTimeout 7',
      '  ForwardAgent yes',
      '  IdentityFile ~/.ssh/id_jump',
      'Host target',
      '  HostName 10.0.0.5',
      '  ProxyJump jump',
      'Host via-command',
      '  ProxyCommand /usr/bin/nc %h %p',
    ].join('\n');
    const result = importSshConfig({ text }, { homeDir: HOME, localUser: 'ana' });
    const hops = result.hosts.flatMap((h) => h.hops);
    expect(hops.length).toBe(4);
    for (const hop of hops) expect(hostSettingsSchema.safeParse(hostSettingsFromHop(hop)).success).toBe(true);
    expect(hostSettingsFromHop(result.hosts[0]!.hops[0]!)).toMatchObject({ keepaliveIntervalSec: 30, keepaliveCountMax: 5, connectTimeoutSec: 7, agentForward: true, auth: [{ kind: 'publickey', keyFile: path.join(HOME, '.ssh/id_jump') }, { kind: 'keyboard-interactive' }, { kind: 'password' }] });
    expect(hostSettingsFromHop(result.hosts[2]!.hops[0]!).proxy).toEqual({ kind: 'command', command: '/usr/bin/nc %h %p' });
  });
});

describe('limits shared with the engine', () => {
  it('a profile holds at most as many hops as the engine opens', () => {
    expect(MAX_PROFILE_HOPS).toBe(MAX_CIRCUIT_DEPTH);
  });
});
