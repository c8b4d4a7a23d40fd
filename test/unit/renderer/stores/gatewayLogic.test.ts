/** What the "Use from other tools" view says about external sessions, and the tab's counts. */
import { describe, expect, it } from 'vitest';
import { blockRidesCircuit, countRiding, destinationText, explanationText, peerPid, peerText, ridingText, sessionsOn, startedText } from '../../../../app/renderer/stores/gatewayLogic';
import type { GatewaySession } from '../../../../app/shared/contract/gateway';

const session = (id: string, circuitId: string, startedAt: number, extra: Partial<GatewaySession> = {}): GatewaySession => ({
  id, circuitId, profileId: null, via: ['bastion-mfa', 'bastion-key'], destination: { host: '10.0.0.5', port: 22 }, startedAt, bytesToRemote: 0, bytesFromRemote: 0, ...extra,
});

describe('gateway view logic', () => {
  it('lists a circuit’s sessions oldest first and counts them per circuit', () => {
    const list = [session('b', 'c1', 20), session('a', 'c1', 10), session('x', 'c2', 5)];
    expect(sessionsOn(list, 'c1').map((s) => s.id)).toEqual(['a', 'b']);
    expect(sessionsOn(list, 'c3')).toEqual([]);
    expect(countRiding(list)).toEqual({ c1: 2, c2: 1 });
    expect(countRiding([])).toEqual({});
  });

  it('says who runs a session, made plain (the proxy reports it, so it is not trusted)', () => {
    expect(peerText(session('a', 'c1', 1, { peer: { pid: 77, command: 'ssh prod-db sleep 3' } }))).toBe('ssh prod-db sleep 3');
    expect(peerText(session('a', 'c1', 1, { peer: { pid: 77, command: 'ssh \u001b]0;pwned\u0007 \u202eevil' } }))).toBe('ssh \\x1b]0;pwned\\x07 \\u202eevil');
    expect(peerText(session('a', 'c1', 1))).toBe('An external ssh (its program is not known)');
    expect(peerPid(session('a', 'c1', 1, { peer: { pid: 77, command: 'ssh' } }))).toBe('pid 77');
    expect(peerPid(session('a', 'c1', 1))).toBeNull();
  });

  it('says where it goes and through which hops, IPv6 in brackets', () => {
    expect(destinationText(session('a', 'c1', 1))).toBe('10.0.0.5:22 through bastion-mfa, bastion-key');
    expect(destinationText(session('a', 'c1', 1, { via: [], destination: { host: 'fd00::5', port: 2222 } }))).toBe('[fd00::5]:2222');
  });

  it('says when it started, counts in words, and the explanation names the alias', () => {
    const at = new Date(2026, 11, 4, 9, 5, 7).getTime();
    expect(startedText(at)).toBe('since 09:05:07');
    expect(ridingText(1)).toBe('1 external session');
    expect(ridingText(3)).toBe('3 external sessions');
    expect(explanationText('prod-db')).toBe('ssh prod-db, scp, rsync -e ssh, git and VS Code Remote-SSH ride this circuit without another code.');
  });

  it('tells a block that goes through the proxy from a one-hop block', () => {
    expect(blockRidesCircuit('Host a\n    User x\n    ProxyCommand /n /c proxy %h %p\n')).toBe(true);
    expect(blockRidesCircuit('Host a\n    # one hop: ssh connects directly, no jump hosts\n')).toBe(false);
  });
});
