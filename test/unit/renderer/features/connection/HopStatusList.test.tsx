// @vitest-environment happy-dom
import { cleanup, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { HopStatusList } from '../../../../../app/renderer/features/connection/HopStatusList';
import { formatDuration, hopTimingsLine } from '../../../../../app/renderer/stores/hopTimingsText';
import type { HopRow } from '../../../../../app/renderer/stores/circuitsLogic';

afterEach(cleanup);

const row = (over: Partial<HopRow> = {}): HopRow => ({ index: 0, name: 'bastion-mfa', state: 'ready', timings: {}, shared: false, failing: false, ...over });

describe('hop timings: the time spent waiting for the user is shown apart', () => {
  it('reads handshake and auth, then "waiting for you", then the total', () => {
    render(<HopStatusList rows={[row({ timings: { tcpMs: 2, handshakeMs: 120, authMs: 340, userWaitMs: 6210, totalMs: 6672 } })]} />);
    expect(screen.getByTestId('hop-timings-0').textContent).toBe('tcp 2 ms · handshake 120 ms · auth 340 ms · waiting for you 6.2 s · total 6.7 s');
    expect(screen.getByTestId('hop-wait-0').getAttribute('title')).toMatch(/not counted in the handshake or auth times/);
  });

  it('says nothing about waiting when nobody was asked anything', () => {
    render(<HopStatusList rows={[row({ timings: { tcpMs: 1, handshakeMs: 20, authMs: 30, userWaitMs: 0, totalMs: 51 } })]} />);
    expect(screen.getByTestId('hop-timings-0').textContent).toBe('tcp 1 ms · handshake 20 ms · auth 30 ms · total 51 ms');
    expect(screen.queryByTestId('hop-wait-0')).toBeNull();
  });

  it('formats durations as a person reads them', () => {
    expect(formatDuration(999)).toBe('999 ms');
    expect(formatDuration(1000)).toBe('1.0 s');
    expect(formatDuration(-3)).toBe('0 ms');
    expect(hopTimingsLine({ userWaitMs: 1500 })).toBe('waiting for you 1.5 s');
    expect(hopTimingsLine({})).toBe('');
  });
});
