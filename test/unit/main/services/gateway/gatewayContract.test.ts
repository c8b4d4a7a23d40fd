/**
 * The gateway contract over a fake control socket service: the sessions list and its event, the
 * counters re-announced while sessions move bytes (and not when they don't), and a profile's
 * ssh_config block (the same text `hopline ssh-config NAME` prints), with its refusals.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { GatewayContractService } from '../../../../../app/main/services/gateway/gatewayContract';
import { gatewayBlock, sshConfigText } from '../../../../../app/main/services/gateway/sshConfigBlock';
import { hopSpecsForHostIds } from '../../../../../app/main/services/profiles/hostToHop';
import type { GatewaySession } from '../../../../../app/shared/contract/gateway';
import { Emitter } from '../../../../../app/shared/model/event';
import { HOST_DEFAULTS } from '../../../../../app/shared/model/host';
import { TERMINAL_DEFAULTS } from '../../../../../app/shared/model/profile';
import type { StoredHost } from '../../../../../app/shared/schema/hosts';

const host = (id: string, name: string, address: string, user = 'ops'): StoredHost => ({ ...HOST_DEFAULTS, id, name, address, user, auth: [{ kind: 'publickey', keyFile: '~/.ssh/id_ed25519' }] });
const hosts = [host('h1', 'bastion', '10.0.0.1'), host('h2', 'db', 'db.internal', 'pg')];
const profiles = [
  { id: 'p1', name: 'prod db', folder: '', tags: [], hostIds: ['h1', 'h2'], terminal: TERMINAL_DEFAULTS },
  { id: 'p2', name: 'prod/db', folder: 'x', tags: [], hostIds: ['h1', 'h2'], terminal: TERMINAL_DEFAULTS },
  { id: 'p3', name: 'gone', folder: '', tags: [], hostIds: ['h1', 'h9'], terminal: TERMINAL_DEFAULTS },
  { id: 'p4', name: 'bad\u0007bell', folder: '', tags: [], hostIds: ['h1', 'h2'], terminal: TERMINAL_DEFAULTS },
];

class FakeGateway {
  list: GatewaySession[] = [];
  readonly changed = new Emitter<GatewaySession[]>();
  readonly onDidChangeSessions = this.changed.event;
  sessions(): GatewaySession[] {
    return this.list.map((s) => ({ ...s }));
  }
  set(list: GatewaySession[]): void {
    this.list = list;
    this.changed.fire(this.sessions());
  }
}

const session = (id: string, bytes = 0): GatewaySession => ({ id, circuitId: 'c1', profileId: 'p1', via: ['bastion'], destination: { host: 'db.internal', port: 22 }, startedAt: 1, bytesToRemote: bytes, bytesFromRemote: bytes * 2, peer: { pid: 42, command: 'ssh prod-db' } });

let services: GatewayContractService[] = [];
afterEach(() => {
  for (const s of services) s.dispose();
  services = [];
  vi.useRealTimers();
});

function make(gateway = new FakeGateway()) {
  const command = vi.fn(() => ['/usr/bin/node', '/opt/hopline/cli.cjs']);
  const service = new GatewayContractService({ gateway, library: () => ({ hosts, profiles }), dataDir: '/home/a/data', homeDir: '/home/a', command, tickMs: 1000 });
  services.push(service);
  return { service, gateway, command };
}

describe('the gateway contract', () => {
  it('lists sessions and passes on the socket’s start and end events', async () => {
    const { service, gateway } = make();
    const seen: GatewaySession[][] = [];
    service.onDidChangeSessions((list) => seen.push(list));
    expect(await service.sessions()).toEqual([]);
    gateway.set([session('s1')]);
    expect(await service.sessions()).toEqual([session('s1')]);
    gateway.set([]);
    expect(seen.map((l) => l.map((s) => s.id))).toEqual([['s1'], []]);
  });

  it('re-announces the list about once a second while counters move, and stops when they rest or end', () => {
    vi.useFakeTimers();
    const { service, gateway } = make();
    const seen: number[] = [];
    service.onDidChangeSessions((list) => seen.push(list[0]?.bytesToRemote ?? -1));
    gateway.set([session('s1', 0)]);
    gateway.list = [session('s1', 100)];
    vi.advanceTimersByTime(1000);
    // Nothing moved: no event.
    vi.advanceTimersByTime(3000);
    gateway.list = [session('s1', 250)];
    vi.advanceTimersByTime(1000);
    gateway.set([]);
    gateway.list = [session('s9', 999)];
    // Ended: the ticker stopped, so a list that changes without an event is not announced.
    vi.advanceTimersByTime(5000);
    expect(seen).toEqual([0, 100, 250, -1]);
  });

  it('gives a profile the block `hopline ssh-config` prints for it, alias taken over the whole library', async () => {
    const { service, command } = make();
    const second = await service.sshConfigFor('p2');
    expect(second.hostAlias).toBe('prod-db-2');
    const made = gatewayBlock(profiles[1]!, hopSpecsForHostIds(hosts, ['h1', 'h2'], '/home/a'), 'prod-db-2', { command: ['/usr/bin/node', '/opt/hopline/cli.cjs'], dataDir: '/home/a/data', appKnownHosts: '/home/a/data/known_hosts' });
    expect(second.text).toBe(sshConfigText(['block' in made ? made.block : '']));
    expect(second.text).toContain("ProxyCommand /usr/bin/node /opt/hopline/cli.cjs proxy --data-dir /home/a/data --profile prod/db %h %p");
    expect(second.text).toContain('IdentityFile "/home/a/.ssh/id_ed25519"');
    expect((await service.sshConfigFor('p1')).hostAlias).toBe('prod-db');
    // The command is worked out once.
    expect(command).toHaveBeenCalledTimes(1);
  });

  it('refuses an unknown profile, a deleted hop and a name ssh_config cannot hold, in words', async () => {
    const { service } = make();
    await expect(service.sshConfigFor('nope')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('no longer saved') });
    await expect(service.sshConfigFor('p3')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('Hop 2') });
    await expect(service.sshConfigFor('p4')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('profile name cannot be written') });
  });
});
