import { describe, expect, it, vi } from 'vitest';
import { connectPlan, describeRoute, planQuickConnect, quickConnect, resolveQuickConnect, type QuickConnectPlan } from '../../../../app/renderer/stores/quickConnect';
import { ErrorCode, HoplineError } from '../../../../app/shared/model/errors';
import { HOST_DEFAULTS, type HostInput, type HostSummary } from '../../../../app/shared/model/host';
import { parseQuickConnect } from '../../../../app/shared/model/hostAddress';
import { TERMINAL_DEFAULTS, type ProfileSummary } from '../../../../app/shared/model/profile';
import type { ConnectionDefaults } from '../../../../app/shared/model/settings';
import { hostSummary } from '../hosts';

const defaults: ConnectionDefaults = { keepaliveIntervalSec: 30, keepaliveCountMax: 5, connectTimeoutSec: 20 };
const bastion = hostSummary('bastion', { address: 'Bastion.Example.COM', user: 'ops' });
const bastion2222 = hostSummary('bastion-2222', { address: 'bastion.example.com', port: 2222, user: 'ops' });
const db = hostSummary('db', { address: '10.0.0.5', user: 'admin' });
const saved = [bastion, bastion2222, db];
const plan = (text: string, hosts: HostSummary[] = saved) => resolveQuickConnect(parseQuickConnect(text).hops, hosts, defaults);
const kinds = (p: QuickConnectPlan) => p.hops.map((h) => (h.kind === 'saved' ? `saved:${h.host.id}` : `new:${h.input.name}`));

function invalid(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(HoplineError);
    expect((error as HoplineError).code).toBe(ErrorCode.INVALID_ARGUMENT);
    return (error as HoplineError).message;
  }
  throw new Error('expected a throw');
}

describe('resolveQuickConnect', () => {
  it('matches saved hosts by address (ignoring case), port (22 by default) and user', () => {
    expect(kinds(plan('-J ops@bastion.example.com admin@10.0.0.5'))).toEqual(['saved:bastion', 'saved:db']);
    expect(kinds(plan('ops@bastion.example.com:2222'))).toEqual(['saved:bastion-2222']);
  });

  it('with no user, takes a saved host at that address with any user, or one saved under that name', () => {
    expect(kinds(plan('-J bastion.example.com 10.0.0.5'))).toEqual(['saved:bastion', 'saved:db']);
    expect(kinds(plan('-J bastion db'))).toEqual(['saved:bastion', 'saved:db']);
    expect(kinds(plan('admin@db'))).toEqual(['saved:db']);
  });

  it('plans a new host when the user or port differs, named after the address, unique', () => {
    const p = plan('-J bastion root@10.0.0.5');
    expect(kinds(p)).toEqual(['saved:bastion', 'new:10.0.0.5']);
    const taken = [...saved, hostSummary('x', { name: '10.0.0.5', address: 'elsewhere' })];
    expect(kinds(plan('root@10.0.0.5', taken))).toEqual(['new:root@10.0.0.5']);
    expect(kinds(plan('root@10.0.0.5:2200', [...taken, hostSummary('y', { name: 'root@10.0.0.5' })]))).toEqual(['new:root@10.0.0.5:2200']);
    expect(kinds(plan('root@10.0.0.5', [...taken, hostSummary('y', { name: 'ROOT@10.0.0.5' })]))).toEqual(['new:root@10.0.0.5 (2)']);
  });

  it('gives new hosts the defaults, the connection settings and the Quick connect folder', () => {
    const [hop] = plan('me@new.example:2022').hops;
    expect(hop!.kind).toBe('new');
    const input = (hop as { input: HostInput }).input;
    expect(input).toEqual({
      ...HOST_DEFAULTS,
      ...defaults,
      name: 'new.example',
      address: 'new.example',
      port: 2022,
      user: 'me',
      folder: 'Quick connect',
      tags: [],
    });
    expect(input).not.toHaveProperty('id');
    expect(input.auth).not.toBe(HOST_DEFAULTS.auth);
  });

  it('plans the same new host once when a line names it twice', () => {
    const p = plan('-J me@a.example me@a.example');
    expect(p.hops[0]).toBe(p.hops[1]);
  });

  it('asks for a user when a new host has none', () => {
    expect(invalid(() => plan('-J unknown.example admin@db'))).toBe('No saved host is called "unknown.example". Give a user: user@unknown.example');
    expect(invalid(() => plan('[2001:db8::1]:2200'))).toMatch(/Give a user: user@\[2001:db8::1\]:2200/);
  });

  it('describes the route as user@name → user@address', () => {
    expect(describeRoute(plan('-J bastion root@10.0.0.5:2200'))).toBe('ops@bastion → root@10.0.0.5:2200');
  });
});

describe('planQuickConnect', () => {
  const profile: ProfileSummary = { id: 'p1', name: 'Prod DB', folder: '', tags: [], hostIds: ['bastion', 'db'], terminal: TERMINAL_DEFAULTS };
  it('takes a profile’s or a saved host’s name alone', () => {
    expect(planQuickConnect('prod db', saved, [profile], defaults)).toEqual({ kind: 'profile', profile });
    const host = planQuickConnect('Bastion-2222', saved, [profile], defaults);
    expect(host.kind === 'route' && kinds(host.plan)).toEqual(['saved:bastion-2222']);
  });
});

describe('quickConnect', () => {
  function deps(hosts: HostSummary[] = saved) {
    let n = 0;
    return {
      hosts,
      defaults,
      saveHost: vi.fn(async (input: HostInput): Promise<HostSummary> => ({ ...hostSummary(`new-${++n}`), ...input, id: `new-${n}` })),
      open: vi.fn(async (_hostIds: string[]) => undefined),
    };
  }

  it('saves the new hosts in order, then opens the circuit with every host id', async () => {
    const d = deps();
    const result = await quickConnect('ssh -J bastion,me@hop2.example me@target.example -p 2200', d);
    expect(d.saveHost.mock.calls.map(([input]) => [input.name, input.port])).toEqual([
      ['hop2.example', 22],
      ['target.example', 2200],
    ]);
    expect(d.open).toHaveBeenCalledWith(['bastion', 'new-1', 'new-2']);
    expect(result).toEqual({ kind: 'route', hostIds: ['bastion', 'new-1', 'new-2'], saved: [expect.objectContaining({ id: 'new-1' }), expect.objectContaining({ id: 'new-2' })] });
  });

  it('opens saved hosts without saving anything', async () => {
    const d = deps();
    await quickConnect('db', d);
    expect(d.saveHost).not.toHaveBeenCalled();
    expect(d.open).toHaveBeenCalledWith(['db']);
  });

  it('opens a profile by name through openProfile when given', async () => {
    const profile: ProfileSummary = { id: 'p1', name: 'lab', folder: '', tags: [], hostIds: ['bastion', 'db'], terminal: TERMINAL_DEFAULTS };
    const d = { ...deps(), profiles: [profile], openProfile: vi.fn() };
    await quickConnect(' LAB ', d);
    expect(d.openProfile).toHaveBeenCalledWith(profile);
    expect(d.open).not.toHaveBeenCalled();
    const plain = { ...deps(), profiles: [profile] };
    await quickConnect('lab', plain);
    expect(plain.open).toHaveBeenCalledWith(['bastion', 'db']);
  });

  it('stops at a refused save and opens nothing', async () => {
    const d = deps();
    d.saveHost.mockRejectedValueOnce(new HoplineError(ErrorCode.INVALID_ARGUMENT, 'name taken'));
    await expect(quickConnect('-J me@a.example me@b.example', d)).rejects.toThrow('name taken');
    expect(d.saveHost).toHaveBeenCalledTimes(1);
    expect(d.open).not.toHaveBeenCalled();
  });

  it('rejects a line it cannot read, before saving anything', async () => {
    const d = deps();
    await expect(quickConnect('me@a me@b', d)).rejects.toMatchObject({ code: ErrorCode.INVALID_ARGUMENT });
    expect(d.saveHost).not.toHaveBeenCalled();
  });

  it('saves a host named twice once', async () => {
    const d = deps();
    await connectPlan(plan('-J me@a.example me@a.example'), d);
    expect(d.saveHost).toHaveBeenCalledTimes(1);
    expect(d.open).toHaveBeenCalledWith(['new-1', 'new-1']);
  });
});
