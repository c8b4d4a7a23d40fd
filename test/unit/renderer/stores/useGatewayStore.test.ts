/**
 * The gateway store over the fake rpc, started as main.tsx starts it: sessions() when the link
 * opens (again after a reconnect), then the service's event; the per-circuit counts the tab
 * reads; and profiles' ssh_config blocks, asked on demand, a late answer never replacing a newer one.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { startStores } from '../../../../app/renderer/stores/startStores';
import { useGatewayStore } from '../../../../app/renderer/stores/useGatewayStore';
import type { GatewaySession, SshConfigBlock } from '../../../../app/shared/contract/gateway';
import { ErrorCode, HoplineError } from '../../../../app/shared/model/errors';
import { fake } from '../fakeRpc';

vi.mock('../../../../app/renderer/rpc', async () => (await import('../fakeRpc')).rpcModule);

let stopStores: () => void;
beforeAll(() => {
  stopStores = startStores();
});
afterAll(() => stopStores());

const session = (id: string, circuitId: string, bytes = 0): GatewaySession => ({ id, circuitId, profileId: null, via: ['b'], destination: { host: 't', port: 22 }, startedAt: 1, bytesToRemote: bytes, bytesFromRemote: bytes });
const state = () => useGatewayStore.getState();
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

beforeEach(() => {
  useGatewayStore.setState({ sessions: [], riding: {}, blocks: {}, reveal: null });
  vi.clearAllMocks();
});

describe('gateway store', () => {
  it('lists sessions when the link opens, and again after a reconnect (the backend may have restarted)', async () => {
    fake.rpc.gateway.sessions.mockResolvedValueOnce([session('s1', 'c1'), session('s2', 'c1'), session('s3', 'c2')]);
    fake.events.connection.fire('open');
    await settle();
    expect(state().sessions.map((s) => s.id)).toEqual(['s1', 's2', 's3']);
    expect(state().riding).toEqual({ c1: 2, c2: 1 });
    fake.events.connection.fire('connecting');
    fake.rpc.gateway.sessions.mockResolvedValueOnce([]);
    fake.events.connection.fire('open');
    await settle();
    expect(fake.rpc.gateway.sessions).toHaveBeenCalledTimes(2);
    expect(state().sessions).toEqual([]);
    expect(state().riding).toEqual({});
  });

  it('follows the event, keeping the counts object while only byte counters move', () => {
    fake.events.gatewaySessions.fire([session('s1', 'c1')]);
    const counts = state().riding;
    expect(counts).toEqual({ c1: 1 });
    fake.events.gatewaySessions.fire([session('s1', 'c1', 4096)]);
    expect(state().sessions[0]!.bytesToRemote).toBe(4096);
    expect(state().riding).toBe(counts);
    fake.events.gatewaySessions.fire([]);
    expect(state().riding).toEqual({});
  });

  it('asks for a profile’s block, keeps a shown one while asking again, and says a refusal in words', async () => {
    const block: SshConfigBlock = { text: 'Host prod-db\n', hostAlias: 'prod-db' };
    fake.rpc.gateway.sshConfigFor.mockResolvedValueOnce(block);
    const loading = state().loadBlock('p1');
    expect(state().blocks.p1).toEqual({ status: 'loading' });
    await loading;
    expect(state().blocks.p1).toEqual({ status: 'ready', block });
    let answer: (b: SshConfigBlock) => void = () => undefined;
    fake.rpc.gateway.sshConfigFor.mockReturnValueOnce(new Promise((resolve) => (answer = resolve)));
    const again = state().loadBlock('p1');
    expect(state().blocks.p1).toEqual({ status: 'ready', block });
    answer({ text: 'Host prod-db\n    Port 2222\n', hostAlias: 'prod-db' });
    await again;
    expect(state().blocks.p1).toMatchObject({ status: 'ready', block: { text: 'Host prod-db\n    Port 2222\n' } });
    fake.rpc.gateway.sshConfigFor.mockRejectedValueOnce(new HoplineError(ErrorCode.INVALID_ARGUMENT, 'This profile is no longer saved.'));
    await expect(state().loadBlock('p2')).rejects.toThrow('no longer saved');
    expect(state().blocks.p2).toEqual({ status: 'failed', message: 'This profile is no longer saved.' });
  });

  it('a late answer to an older request does not replace a newer one', async () => {
    let first: (b: SshConfigBlock) => void = () => undefined;
    fake.rpc.gateway.sshConfigFor.mockReturnValueOnce(new Promise((resolve) => (first = resolve)));
    fake.rpc.gateway.sshConfigFor.mockResolvedValueOnce({ text: 'new', hostAlias: 'a' });
    const older = state().loadBlock('p1');
    await state().loadBlock('p1');
    first({ text: 'old', hostAlias: 'a' });
    await older;
    expect(state().blocks.p1).toMatchObject({ block: { text: 'new' } });
  });

  it('a reveal request carries a notice and a new number each time; the view clears only its own', () => {
    state().requestReveal('c1', 'Copied.');
    const one = state().reveal!;
    expect(one).toMatchObject({ circuitId: 'c1', notice: 'Copied.' });
    state().requestReveal('c1');
    const two = state().reveal!;
    expect(two.n).not.toBe(one.n);
    expect(two.notice).toBeNull();
    state().clearReveal(one.n);
    expect(state().reveal).toBe(two);
    state().clearReveal(two.n);
    expect(state().reveal).toBeNull();
  });
});
