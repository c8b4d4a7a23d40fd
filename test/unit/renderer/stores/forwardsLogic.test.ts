/**
 * What a forward row says (addresses, units) and the 'forwarding' status of library rows.
 */
import { describe, expect, it } from 'vitest';
import { copyableAddress, forwardsCountText, listenAddress, routeText } from '../../../../app/renderer/stores/forwardsLogic';
import { buildLibraryRows, statusOfHost, statusOfProfile } from '../../../../app/renderer/stores/libraryLogic';
import type { ForwardStatus } from '../../../../app/shared/model/forward';
import type { CircuitSummary } from '../../../../app/shared/model/hop';
import { TERMINAL_DEFAULTS } from '../../../../app/shared/model/profile';
import { formatBytes } from '../../../../app/shared/model/byteSize';

function status(extra: Partial<ForwardStatus>): ForwardStatus {
  return { forwardId: 'f', circuitId: 'c', spec: { kind: 'local', bindPort: 5433, host: 'db', hostPort: 5432 }, state: 'stopped', openConnections: 0, totalConnections: 0, bytesOut: 0, bytesIn: 0, ...extra };
}

describe('forward rows', () => {
  it('show the bound port once listening, and say the target picks a remote port 0 before', () => {
    expect(listenAddress(status({ spec: { kind: 'remote', bindPort: 0, host: 'localhost', hostPort: 3000 } }))).toBe('127.0.0.1, a port the target picks');
    expect(listenAddress(status({}))).toBe('127.0.0.1:5433');
    expect(copyableAddress(status({}))).toBe('127.0.0.1:5433');
    const listening = status({ state: 'listening', boundAddress: '127.0.0.1', boundPort: 40111 });
    expect(routeText(listening)).toBe('127.0.0.1:40111 → db:5432');
    expect(copyableAddress(listening)).toBe('127.0.0.1:40111');
  });

  it('write IPv6 in brackets, and copy a loopback address for a forward on every interface', () => {
    expect(routeText(status({ spec: { kind: 'local', bindAddress: '::1', bindPort: 8080, host: 'fd00::5', hostPort: 80 } }))).toBe('[::1]:8080 → [fd00::5]:80');
    const everywhere = status({ spec: { kind: 'dynamic', bindAddress: '*', bindPort: 1080 } });
    expect(listenAddress(everywhere)).toBe('0.0.0.0:1080');
    expect(copyableAddress(everywhere)).toBe('127.0.0.1:1080');
    expect(copyableAddress(status({ spec: { kind: 'remote', bindPort: 9000, host: 'localhost', hostPort: 3000 } }))).toBeNull();
  });

  it('count bytes in binary units and forwards in words', () => {
    expect([0, 1023, 1024, 1536, 150 * 1024, 5 * 1024 ** 3].map(formatBytes)).toEqual(['0 B', '1023 B', '1.0 KiB', '1.5 KiB', '150 KiB', '5.0 GiB']);
    expect([1, 2].map(forwardsCountText)).toEqual(['1 forward', '2 forwards']);
  });
});

describe("the library's forwarding status", () => {
  const circuit = (id: string, state: CircuitSummary['state'], profileId: string | null, hostIds = ['b', 't']): CircuitSummary => ({ id, hostIds, profileId, hopNames: hostIds, state, error: null });

  it('is forwarding when an open circuit of the row has a listening forward, else as before', () => {
    const circuits = [circuit('1', 'open', 'p'), circuit('2', 'open', null, ['t']), circuit('3', 'failed', 'q')];
    expect(statusOfProfile('p', circuits)).toBe('connected');
    expect(statusOfProfile('p', circuits, { '1': 2 })).toBe('forwarding');
    expect(statusOfHost('t', circuits, { '2': 1 })).toBe('forwarding');
    // A count left from a circuit that is no longer open does not make its row look live.
    expect(statusOfProfile('q', circuits, { '3': 1 })).toBe('failed');
    expect(statusOfProfile('p', circuits, { '2': 1 })).toBe('connected');
  });

  it('reaches the rows the sidebar draws', () => {
    const profiles = [{ id: 'p', name: 'prod db', folder: '', tags: [], hostIds: ['b', 't'], terminal: TERMINAL_DEFAULTS }];
    const circuits = { '1': circuit('1', 'open', 'p') };
    const row = (forwarding?: Record<string, number>) =>
      buildLibraryRows({ profiles, hosts: [], circuits, ...(forwarding ? { forwarding } : {}), query: '', collapsed: [] }).find((r) => r.label === 'prod db');
    expect(row()).toMatchObject({ status: 'connected' });
    expect(row({ '1': 1 })).toMatchObject({ status: 'forwarding' });
  });
});
