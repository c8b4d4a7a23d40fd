// @vitest-environment happy-dom
import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ConnectionView } from '../../../../../app/renderer/features/connection/ConnectionView';
import { useCircuitsStore } from '../../../../../app/renderer/stores/useCircuitsStore';
import { useTerminalsStore } from '../../../../../app/renderer/stores/useTerminalsStore';
import type { CircuitSummary } from '../../../../../app/shared/model/hop';
import { fake } from '../../fakeRpc';

vi.mock('../../../../../app/renderer/rpc', async () => (await import('../../fakeRpc')).rpcModule);

const opening: CircuitSummary = { id: 'c7', hostIds: ['b', 'i', 't'], profileId: null, hopNames: ['bastion', 'inner', 'target'], state: 'opening', error: null };

beforeEach(() => {
  useCircuitsStore.setState({ circuits: {}, hops: {}, currentId: null, pending: null, openError: null, hostKeyAlerts: [], dismissedAlerts: [] });
  vi.clearAllMocks();
});
afterEach(cleanup);

function state(index: number): string | null {
  return screen.getByTestId(`hop-state-${index}`).getAttribute('data-state');
}

/** Starts an open from this window that the fake leaves hanging, so events drive the view. */
function startOpening(): void {
  fake.rpc.circuits.open.mockReturnValueOnce(new Promise(() => undefined));
  // The id this window gives its circuit, so the events below are recognised as its own.
  vi.spyOn(crypto, 'randomUUID').mockReturnValueOnce(opening.id as ReturnType<typeof crypto.randomUUID>);
  act(() => {
    void useCircuitsStore.getState().open(['b', 'i', 't']);
    fake.events.circuitChanged.fire(opening);
  });
}

describe('ConnectionView', () => {
  it('follows each hop through its states with timings, marking shared hops', () => {
    render(<ConnectionView />);
    startOpening();
    expect(screen.getByTestId('circuit-state').textContent).toBe('Connecting…');
    expect([state(0), state(1), state(2)]).toEqual(['pending', 'pending', 'pending']);
    act(() => {
      fake.events.hopState.fire({ circuitId: 'c7', hop: { index: 0, name: 'bastion' }, state: 'ready', timings: {}, shared: true });
      fake.events.hopState.fire({ circuitId: 'c7', hop: { index: 1, name: 'inner' }, state: 'handshake', timings: { tcpMs: 4 } });
    });
    expect(state(0)).toBe('ready');
    expect(screen.getByText('shared')).toBeTruthy();
    expect(state(1)).toBe('handshake');
    act(() => fake.events.hopState.fire({ circuitId: 'c7', hop: { index: 1, name: 'inner' }, state: 'ready', timings: { handshakeMs: 12, authMs: 30, totalMs: 46 }, authMethod: 'publickey' }));
    expect(screen.getByTestId('hop-timings-1').textContent).toBe('tcp 4 ms · handshake 12 ms · auth 30 ms · total 46 ms');
    act(() => fake.events.hopState.fire({ circuitId: 'c7', hop: { index: 2, name: 'target' }, state: 'verifying-host-key', timings: {} }));
    expect(screen.getByTestId('hop-state-2').textContent).toBe('verifying host key');
  });

  it('highlights the failing hop with its code and message, and copies details with the event log', async () => {
    const writeText = vi.fn(async (_text: string) => undefined);
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true });
    fake.rpc.circuits.eventLog.mockResolvedValueOnce(['+     0 ms  opening', '+    40 ms  hop 2 (inner): authentication failed']);
    render(<ConnectionView />);
    startOpening();
    act(() => {
      fake.events.hopState.fire({ circuitId: 'c7', hop: { index: 1, name: 'inner' }, state: 'failed', timings: {} });
      fake.events.circuitChanged.fire({ ...opening, state: 'failed', error: { code: 'AUTH_FAILED', message: 'inner refused every method <b>x</b>', hop: { index: 1, name: 'inner' } } });
    });
    expect(state(1)).toBe('failed');
    expect(screen.getByRole('listitem', { name: /Hop 2 of 3: inner, failed/ }).className).toContain('failing');
    expect(screen.getByTestId('circuit-error-code').textContent).toBe('AUTH_FAILED');
    expect(screen.getByTestId('circuit-error-message').textContent).toBe('inner refused every method <b>x</b>');
    expect(screen.queryByRole('button', { name: 'Disconnect' })).toBeNull();

    fireEvent.click(screen.getByRole('button', { name: 'Copy details' }));
    await waitFor(() => expect(writeText).toHaveBeenCalledOnce());
    expect(fake.rpc.circuits.eventLog).toHaveBeenCalledWith('c7');
    const text = writeText.mock.calls[0]![0];
    expect(text).toContain('Hops: bastion -> inner -> target');
    expect(text).toContain('Error at hop 2 (inner): AUTH_FAILED: inner refused every method');
    expect(text).toContain('hop 2 (inner): authentication failed');
    expect(await screen.findByText('Details copied to the clipboard.')).toBeTruthy();
  });

  it('offers "Open terminal" once the circuit is open', () => {
    useTerminalsStore.setState({ tabs: [], active: {} });
    render(<ConnectionView />);
    startOpening();
    expect(screen.queryByRole('button', { name: 'Open terminal' })).toBeNull();
    act(() => fake.events.circuitChanged.fire({ ...opening, state: 'open' }));
    // Connect from this window opened the first terminal by itself; the button adds another.
    expect(useTerminalsStore.getState().tabs.filter((t) => t.circuitId === 'c7')).toHaveLength(1);
    fireEvent.click(screen.getByRole('button', { name: 'Open terminal' }));
    expect(useTerminalsStore.getState().tabs.filter((t) => t.circuitId === 'c7').map((t) => t.number)).toEqual([1, 2]);
  });

  it('disconnects through the store', async () => {
    render(<ConnectionView />);
    startOpening();
    fireEvent.click(screen.getByRole('button', { name: 'Disconnect' }));
    await waitFor(() => expect(fake.rpc.circuits.close).toHaveBeenCalledWith('c7'));
  });

  it('shows why an open was refused before any circuit existed', async () => {
    const { HoplineError } = await import('../../../../../app/shared/model/errors');
    fake.rpc.circuits.open.mockRejectedValueOnce(new HoplineError('INVALID_ARGUMENT', 'Unknown host id x'));
    render(<ConnectionView />);
    await act(() => useCircuitsStore.getState().open(['x']));
    expect(screen.getByRole('alert').textContent).toBe('INVALID_ARGUMENT: Unknown host id x');
  });
});
