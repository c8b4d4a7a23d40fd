// @vitest-environment happy-dom
/**
 * One circuit's status card, fed as the workspace's terminal panel feeds it: the circuit and its
 * live hops from the circuits store (driven here by the fake rpc's events), rows from hopRows.
 */
import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { CircuitStatus } from '../../../../../app/renderer/features/connection/CircuitStatus';
import { formatCircuitDetails, hopRows } from '../../../../../app/renderer/stores/circuitsLogic';
import { useCircuitsStore } from '../../../../../app/renderer/stores/useCircuitsStore';
import { useAppStore } from '../../../../../app/renderer/stores/useAppStore';
import type { CircuitSummary } from '../../../../../app/shared/model/hop';
import { fake } from '../../fakeRpc';
import { startStores } from '../../../../../app/renderer/stores/startStores';

vi.mock('../../../../../app/renderer/rpc', async () => (await import('../../fakeRpc')).rpcModule);

// The stores' feeds (contract events, the link's state), as main.tsx starts them.
let stopStores: () => void;
beforeAll(() => {
  stopStores = startStores();
});
afterAll(() => stopStores());

const opening: CircuitSummary = { id: 'c7', hostIds: ['b', 'i', 't'], profileId: null, hopNames: ['bastion', 'inner', 'target'], state: 'opening', error: null };

const onDisconnect = vi.fn(() => undefined);
const onOpenTerminal = vi.fn(() => undefined);
const onRetry = vi.fn(() => undefined);

/** The card for circuit c7 as the store knows it (nothing until the circuit exists). */
function Harness() {
  const circuit = useCircuitsStore((s) => s.circuits[opening.id]);
  const hops = useCircuitsStore((s) => s.hops[opening.id]);
  if (!circuit) return null;
  const rows = hopRows(circuit, hops);
  return (
    <CircuitStatus
      circuit={circuit}
      rows={rows}
      onDisconnect={onDisconnect}
      onOpenTerminal={onOpenTerminal}
      onRetry={onRetry}
      details={async () => formatCircuitDetails(circuit, rows, await useCircuitsStore.getState().eventLog(circuit.id))}
    />
  );
}

beforeEach(() => {
  useCircuitsStore.setState({ circuits: {}, hops: {}, currentId: null, pending: null, openError: null, hostKeyAlerts: [], dismissedAlerts: [] });
  vi.clearAllMocks();
});
afterEach(() => {
  cleanup();
  Reflect.deleteProperty(navigator, 'clipboard');
});

function state(index: number): string | null {
  return screen.getByTestId(`hop-state-${index}`).getAttribute('data-state');
}

/** The circuit exists and is opening (as the engine's first change event says). */
function startOpening(): void {
  act(() => fake.events.circuitChanged.fire(opening));
}

function fail(): void {
  act(() => {
    fake.events.hopState.fire({ circuitId: 'c7', hop: { index: 1, name: 'inner' }, state: 'failed', timings: {} });
    fake.events.circuitChanged.fire({ ...opening, state: 'failed', error: { code: 'AUTH_FAILED', message: 'inner refused every method <b>x</b>', hop: { index: 1, name: 'inner' } } });
  });
}

describe('CircuitStatus', () => {
  it('follows each hop through its states with timings, marking shared hops', () => {
    render(<Harness />);
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
    expect(screen.getByText('via publickey')).toBeTruthy();
    act(() => fake.events.hopState.fire({ circuitId: 'c7', hop: { index: 2, name: 'target' }, state: 'verifying-host-key', timings: {} }));
    expect(screen.getByTestId('hop-state-2').textContent).toBe('verifying host key');
  });

  it('says what the target calls itself once open, as plain text', () => {
    render(<Harness />);
    startOpening();
    act(() => fake.events.circuitChanged.fire({ ...opening, state: 'open', remoteHostname: 'hl-target\x1b[2J' }));
    expect(screen.getByTestId('circuit-state').textContent).toBe('Connected to hl-target\\x1b[2J');
  });

  it('highlights the failing hop with its code and message, and copies details with the event log', async () => {
    const writeText = vi.fn(async (_text: string) => undefined);
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true });
    fake.rpc.circuits.eventLog.mockResolvedValueOnce(['+     0 ms  opening', '+    40 ms  hop 2 (inner): authentication failed']);
    render(<Harness />);
    startOpening();
    fail();
    expect(screen.getByTestId('circuit-state').textContent).toBe('Failed');
    expect(state(1)).toBe('failed');
    expect(screen.getByRole('listitem', { name: /Hop 2 of 3: inner, failed/ }).className).toContain('failing');
    expect(screen.getByRole('listitem', { name: /Hop 1 of 3: bastion/ }).className).not.toContain('failing');
    // One sentence naming the hop; the code waits under Details.
    const alert = screen.getByRole('alert');
    expect(alert.querySelector('.error-sentence')!.textContent).toMatch(/^Hop 2 \(inner\)/);
    expect(alert.textContent).toContain('Hop 2 (inner): Inner refused every method <b>x</b>.');
    expect(alert.querySelector('b')).toBeNull();
    expect(alert.getAttribute('data-testid')).toBe('circuit-error');
    expect(alert.querySelector('[data-code]')!.getAttribute('data-code')).toBe('AUTH_FAILED');
    expect(alert.querySelector('.error-sentence')!.textContent).not.toContain('AUTH_FAILED');
    // A failed circuit has nothing to disconnect and no terminal to offer.
    expect(screen.queryByRole('button', { name: 'Disconnect' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Open terminal' })).toBeNull();

    fireEvent.click(screen.getByRole('button', { name: 'Copy details' }));
    await waitFor(() => expect(writeText).toHaveBeenCalledOnce());
    expect(fake.rpc.circuits.eventLog).toHaveBeenCalledWith('c7');
    const text = writeText.mock.calls[0]![0];
    expect(text).toContain('Hops: bastion -> inner -> target');
    expect(text).toContain('Error at hop 2 (inner): AUTH_FAILED: inner refused every method');
    expect(text).toContain('hop 2 (inner): authentication failed');
    expect(await screen.findByText('Details copied to the clipboard.')).toBeTruthy();
    expect(screen.queryByRole('textbox', { name: 'Circuit details' })).toBeNull();
  });

  it('shows the details to copy by hand when the clipboard refuses', async () => {
    const writeText = vi.fn(async (_text: string) => {
      throw new DOMException('Write permission denied', 'NotAllowedError');
    });
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true });
    render(<Harness />);
    startOpening();
    fail();
    fireEvent.click(screen.getByRole('button', { name: 'Copy details' }));
    expect(await screen.findByText('The clipboard is not available; copy the details below.')).toBeTruthy();
    const box = screen.getByRole('textbox', { name: 'Circuit details' }) as HTMLTextAreaElement;
    expect(box.readOnly).toBe(true);
    expect(box.value).toContain('Hopline circuit c7');
    expect(box.value).toContain('Error at hop 2 (inner): AUTH_FAILED');
  });

  it('offers "Open terminal" once the circuit is open', () => {
    render(<Harness />);
    startOpening();
    expect(screen.queryByRole('button', { name: 'Open terminal' })).toBeNull();
    act(() => fake.events.circuitChanged.fire({ ...opening, state: 'open' }));
    expect(screen.getByTestId('circuit-state').textContent).toBe('Connected');
    // A circuit opened before any hop event: every hop is inferred ready.
    expect([state(0), state(1), state(2)]).toEqual(['ready', 'ready', 'ready']);
    fireEvent.click(screen.getByRole('button', { name: 'Open terminal' }));
    expect(onOpenTerminal).toHaveBeenCalledOnce();
    expect(onDisconnect).not.toHaveBeenCalled();
  });

  it('Disconnect calls back while the circuit is opening or open, and is gone once it closed', () => {
    render(<Harness />);
    startOpening();
    fireEvent.click(screen.getByRole('button', { name: 'Disconnect' }));
    expect(onDisconnect).toHaveBeenCalledOnce();
    act(() => fake.events.circuitChanged.fire({ ...opening, state: 'open' }));
    fireEvent.click(screen.getByRole('button', { name: 'Disconnect' }));
    expect(onDisconnect).toHaveBeenCalledTimes(2);
    act(() => fake.events.circuitChanged.fire({ ...opening, state: 'closed' }));
    expect(screen.getByTestId('circuit-state').textContent).toBe('Closed');
    expect(screen.queryByRole('button', { name: 'Disconnect' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Open terminal' })).toBeNull();
    expect(screen.getByRole('button', { name: 'Copy details' })).toBeTruthy();
    expect(onOpenTerminal).not.toHaveBeenCalled();
  });

  it('a failed circuit offers Retry, and only while it is failed; hops that stayed up keep showing ready', () => {
    render(<Harness />);
    startOpening();
    act(() => {
      fake.events.hopState.fire({ circuitId: 'c7', hop: { index: 0, name: 'bastion' }, state: 'ready', timings: {} });
      fake.events.hopState.fire({ circuitId: 'c7', hop: { index: 1, name: 'inner' }, state: 'ready', timings: {} });
    });
    expect(screen.queryByRole('button', { name: 'Retry' })).toBeNull();
    act(() => {
      fake.events.hopState.fire({ circuitId: 'c7', hop: { index: 2, name: 'target' }, state: 'failed', timings: {} });
      fake.events.circuitChanged.fire({ ...opening, state: 'failed', error: { code: 'HOP_LOST', message: 'Hop 3 (target) closed the connection.', hop: { index: 2, name: 'target' } } });
    });
    expect([state(0), state(1), state(2)]).toEqual(['ready', 'ready', 'failed']);
    const retry = screen.getByRole('button', { name: 'Retry' });
    retry.focus();
    expect(document.activeElement).toBe(retry);
    fireEvent.click(retry);
    expect(onRetry).toHaveBeenCalledOnce();
    // Repairing: the circuit is connecting again under the same id, and Retry is gone.
    act(() => fake.events.circuitChanged.fire({ ...opening, state: 'opening' }));
    expect(screen.queryByRole('button', { name: 'Retry' })).toBeNull();
  });

  it('names no hop when the failure concerns the whole circuit', () => {
    render(<CircuitStatus circuit={{ ...opening, state: 'failed', error: { code: 'HOP_TIMEOUT', message: 'gave up' } }} rows={hopRows({ ...opening, state: 'failed' }, undefined)} onDisconnect={onDisconnect} onOpenTerminal={onOpenTerminal} details={async () => ''} />);
    expect(screen.getByRole('alert').textContent).toContain('Gave up');
    expect(screen.getByRole('alert').textContent).not.toMatch(/hop \d/i);
    expect(screen.getByRole('alert').querySelector('[data-code]')!.getAttribute('data-code')).toBe('HOP_TIMEOUT');
    expect(document.querySelectorAll('.failing')).toHaveLength(0);
  });

  it('does not claim "Connected" while the backend is unreachable', () => {
    const open = { ...opening, state: 'open' as const, remoteHostname: 'hl-target' };
    render(<CircuitStatus circuit={open} rows={hopRows(open, undefined)} onDisconnect={onDisconnect} onOpenTerminal={onOpenTerminal} details={async () => ''} />);
    expect(screen.getByTestId('circuit-state').textContent).toBe('Connected to hl-target');
    act(() => useAppStore.setState({ backendDown: true }));
    expect(screen.getByTestId('circuit-state').textContent).toBe('Connected when last heard from; the backend is unreachable');
    act(() => useAppStore.setState({ backendDown: false }));
    expect(screen.getByTestId('circuit-state').textContent).toBe('Connected to hl-target');
  });
});
