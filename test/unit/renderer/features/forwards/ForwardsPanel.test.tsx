// @vitest-environment happy-dom
/**
 * A circuit's forwards in its details (issue 15, item 6), fed by the forwards store over the
 * fake rpc: rows with route, state, counters and last error; start, stop, remove and copy; and
 * the add form in ssh's syntax, with plain-word errors and the non-loopback warning.
 */
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { ForwardsPanel } from '../../../../../app/renderer/features/forwards/ForwardsPanel';
import { startStores } from '../../../../../app/renderer/stores/startStores';
import { useForwardsStore } from '../../../../../app/renderer/stores/useForwardsStore';
import { ErrorCode, HoplineError } from '../../../../../app/shared/model/errors';
import type { ForwardSpec, ForwardStatus } from '../../../../../app/shared/model/forward';
import { fake } from '../../fakeRpc';

vi.mock('../../../../../app/renderer/rpc', async () => (await import('../../fakeRpc')).rpcModule);

let stopStores: () => void;
beforeAll(() => {
  stopStores = startStores();
});
afterAll(() => stopStores());

let n = 0;
function forward(extra: Partial<ForwardStatus> = {}): ForwardStatus {
  return {
    forwardId: `f${++n}`,
    circuitId: 'c1',
    spec: { kind: 'local', bindPort: 8080, host: 'db.internal', hostPort: 5432 },
    state: 'listening',
    boundAddress: '127.0.0.1',
    boundPort: 8080,
    openConnections: 2,
    totalConnections: 7,
    bytesOut: 1536,
    bytesIn: 3 * 1024 * 1024,
    ...extra,
  };
}

const show = (...list: ForwardStatus[]) => act(() => list.forEach((f) => fake.events.forwardChanged.fire(f)));
const rows = () => screen.queryAllByTestId('forward-row');
const field = () => screen.getByRole('textbox', { name: /^Forward, as ssh/ });

/** The service as the fake plays it: add answers with what was asked, listening on the port (any free one for 0). */
function serviceAdds(): void {
  fake.rpc.forwards.add.mockImplementation(async (circuitId: string, spec: ForwardSpec) => {
    const status = forward({ circuitId, spec, boundAddress: spec.bindAddress ?? '127.0.0.1', boundPort: spec.bindPort || 41234, openConnections: 0, totalConnections: 0, bytesIn: 0, bytesOut: 0 });
    fake.events.forwardChanged.fire(status);
    return status;
  });
}

beforeEach(() => {
  useForwardsStore.setState({ byCircuit: {}, listening: {}, reveal: null });
  vi.clearAllMocks();
  serviceAdds();
});
afterEach(() => {
  cleanup();
  Reflect.deleteProperty(navigator, 'clipboard');
});

describe('forwards panel', () => {
  it("lists only this circuit's forwards: kind, route, state, counters in human units, and the last error in one sentence", () => {
    render(<ForwardsPanel circuitId="c1" circuitState="open" />);
    expect(screen.getByText('No forwards on this circuit.')).toBeTruthy();
    show(
      forward(),
      forward({ spec: { kind: 'dynamic', bindPort: 1080 }, boundPort: 1080, openConnections: 0, totalConnections: 0, bytesOut: 0, bytesIn: 0 }),
      forward({ spec: { kind: 'remote', bindPort: 9000, host: '127.0.0.1', hostPort: 3000 }, state: 'failed', boundAddress: undefined, boundPort: undefined, openConnections: 0, lastError: { code: ErrorCode.FORWARD_REFUSED, message: 'hop 3 (target) refused the remote forward: the server does not allow it' } }),
      forward({ circuitId: 'c2' }),
    );
    expect(rows()).toHaveLength(3);
    const [local, socks, remote] = rows() as [HTMLElement, HTMLElement, HTMLElement];
    expect(within(local).getByTestId('forward-route').textContent).toBe('127.0.0.1:8080 → db.internal:5432');
    expect(within(local).getByText('Local')).toBeTruthy();
    expect(within(local).getByTestId('forward-state').textContent).toBe('listening');
    expect(within(local).getByTestId('forward-counters').textContent).toBe('2 open · 7 total · 1.5 KiB out · 3.0 MiB in');
    expect(within(socks).getByTestId('forward-route').textContent).toBe('127.0.0.1:1080 → SOCKS proxy at the target');
    expect(within(remote).getByTestId('forward-route').textContent).toBe('target 127.0.0.1:9000 → 127.0.0.1:3000 from here');
    expect(within(remote).getByTestId('forward-state').textContent).toBe('failed');
    expect(within(remote).getByTestId('forward-error').textContent).toMatch(/^Hop 3 \(target\)/);
    // A remote forward listens on the target: nothing to copy here. A stopped or failed one offers Start.
    expect(within(remote).queryByRole('button', { name: 'Copy address' })).toBeNull();
    expect(within(remote).getByRole('button', { name: 'Start' })).toBeTruthy();
    expect(within(local).getByRole('button', { name: 'Stop' })).toBeTruthy();
  });

  it('Stop, Start, Copy address and Remove act on that forward; a refusal shows under its row in plain words', async () => {
    const f = forward({ openConnections: 0 });
    render(<ForwardsPanel circuitId="c1" circuitState="open" />);
    show(f);
    fake.rpc.forwards.stop.mockResolvedValueOnce({ ...f, state: 'stopped' });
    const toggle = within(rows()[0]!).getByRole('button', { name: 'Stop' });
    toggle.focus();
    fireEvent.click(toggle);
    await waitFor(() => expect(within(rows()[0]!).getByTestId('forward-state').textContent).toBe('stopped'));
    // The same button, now Start, keeps the focus.
    expect(document.activeElement).toBe(within(rows()[0]!).getByRole('button', { name: 'Start' }));
    expect(fake.rpc.forwards.stop).toHaveBeenCalledWith(f.forwardId);

    fake.rpc.forwards.start.mockRejectedValueOnce(new HoplineError(ErrorCode.PORT_IN_USE, 'Port 8080 on 127.0.0.1 is already in use'));
    fireEvent.click(within(rows()[0]!).getByRole('button', { name: 'Start' }));
    expect((await within(rows()[0]!).findByRole('alert')).textContent).toMatch(/8080/);

    const writeText = vi.fn(async (_text: string) => undefined);
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true });
    fireEvent.click(within(rows()[0]!).getByRole('button', { name: 'Copy address' }));
    expect((await within(rows()[0]!).findByRole('status')).textContent).toBe('Copied 127.0.0.1:8080.');
    expect(writeText).toHaveBeenCalledWith('127.0.0.1:8080');

    fireEvent.click(within(rows()[0]!).getByRole('button', { name: 'Remove' }));
    await waitFor(() => expect(rows()).toHaveLength(0));
    expect(fake.rpc.forwards.remove).toHaveBeenCalledWith(f.forwardId);
    // The focus went with the row: it lands on the section's heading, not the page's body.
    expect(document.activeElement).toBe(screen.getByRole('heading', { name: 'Port forwards' }));
  });

  it('removing a forward with open connections asks first, naming them', async () => {
    const f = forward({ openConnections: 2 });
    render(<ForwardsPanel circuitId="c1" circuitState="open" />);
    show(f);
    fireEvent.click(within(rows()[0]!).getByRole('button', { name: 'Remove' }));
    expect(fake.rpc.forwards.remove).not.toHaveBeenCalled();
    // Keep goes back; asked again, the question has the focus.
    fireEvent.click(within(rows()[0]!).getByRole('button', { name: 'Keep' }));
    fireEvent.click(within(rows()[0]!).getByRole('button', { name: 'Remove' }));
    expect(document.activeElement).toBe(within(rows()[0]!).getByRole('button', { name: 'End 2 connections and remove' }));
    fireEvent.click(within(rows()[0]!).getByRole('button', { name: 'End 2 connections and remove' }));
    await waitFor(() => expect(rows()).toHaveLength(0));
  });

  it('adds a forward typed as ssh takes it, and clears the field for the next one', async () => {
    render(<ForwardsPanel circuitId="c1" circuitState="open" />);
    fireEvent.change(field(), { target: { value: ' 8022:127.0.0.1:22' } });
    fireEvent.click(screen.getByRole('button', { name: 'Add and start' }));
    await waitFor(() => expect(rows()).toHaveLength(1));
    expect(fake.rpc.forwards.add).toHaveBeenCalledWith('c1', { kind: 'local', bindPort: 8022, host: '127.0.0.1', hostPort: 22 });
    expect(within(rows()[0]!).getByTestId('forward-route').textContent).toBe('127.0.0.1:8022 → 127.0.0.1:22');
    // The row and the status line are separate updates: under load the row can come first.
    await waitFor(() => expect(screen.getByRole('status').textContent).toBe('Added: local forward on 127.0.0.1:8022, listening.'));
    expect((field() as HTMLInputElement).value).toBe('');
    expect(document.activeElement).toBe(field());

    // Dynamic: one port.
    fireEvent.click(screen.getByRole('radio', { name: /^Dynamic \(SOCKS\)/ }));
    fireEvent.change(field(), { target: { value: '1080' } });
    fireEvent.submit(field().closest('form')!);
    await waitFor(() => expect(rows()).toHaveLength(2));
    expect(fake.rpc.forwards.add).toHaveBeenLastCalledWith('c1', { kind: 'dynamic', bindPort: 1080 });

    // Remote with port 0: the target picks the port, as with ssh -R 0; the row shows the one it chose.
    fireEvent.click(screen.getByRole('radio', { name: /^Remote/ }));
    expect(screen.getByText(/Port 0 lets the target pick a free port/)).toBeTruthy();
    fireEvent.change(field(), { target: { value: '0:127.0.0.1:3000' } });
    fireEvent.submit(field().closest('form')!);
    await waitFor(() => expect(rows()).toHaveLength(3));
    expect(fake.rpc.forwards.add).toHaveBeenLastCalledWith('c1', { kind: 'remote', bindPort: 0, host: '127.0.0.1', hostPort: 3000 });
    await waitFor(() => expect(screen.getByRole('status').textContent).toMatch(/41234/));
  });

  it('says what is wrong with the text inline, before asking the service, and marks the field', async () => {
    render(<ForwardsPanel circuitId="c1" circuitState="open" />);
    fireEvent.submit(field().closest('form')!);
    expect(screen.getByRole('alert').textContent).toBe('Type the forward as ssh -L takes it, for example 8080:db.internal:5432.');
    fireEvent.change(field(), { target: { value: '8080:db.internal' } });
    fireEvent.submit(field().closest('form')!);
    expect(screen.getByRole('alert').textContent).toMatch(/expected \[bind_address:\]port:host:hostport/);
    expect(field().getAttribute('aria-invalid')).toBe('true');
    expect(field().getAttribute('aria-describedby')).toContain(screen.getByRole('alert').id);
    fireEvent.change(field(), { target: { value: '8080:db:99999' } });
    fireEvent.submit(field().closest('form')!);
    expect(screen.getByRole('alert').textContent).toMatch(/destination port "99999"/);
    // ssh refuses -L 0 ("Bad local forwarding specification"), and so does the form.
    fireEvent.change(field(), { target: { value: '0:db:5432' } });
    fireEvent.submit(field().closest('form')!);
    expect(screen.getByRole('alert').textContent).toMatch(/listening port "0"/);
    expect(fake.rpc.forwards.add).not.toHaveBeenCalled();
    // Typing again clears the complaint.
    fireEvent.change(field(), { target: { value: '8080:db:5432' } });
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('a bind address other than loopback warns, and is added only once the box is ticked', async () => {
    render(<ForwardsPanel circuitId="c1" circuitState="open" />);
    fireEvent.change(field(), { target: { value: '127.0.0.2:8080:db:5432' } });
    expect(screen.queryByTestId('forward-exposed-warning')).toBeNull();
    fireEvent.change(field(), { target: { value: '0.0.0.0:8080:db:5432' } });
    expect(screen.getByTestId('forward-exposed-warning').textContent).toMatch(/listens on 0\.0\.0\.0:8080: other machines/);
    fireEvent.submit(field().closest('form')!);
    expect(screen.getByRole('alert').textContent).toMatch(/tick the box to allow it/);
    const box = screen.getByRole('checkbox', { name: 'Allow connections from other machines' });
    expect(document.activeElement).toBe(box);
    expect(fake.rpc.forwards.add).not.toHaveBeenCalled();
    fireEvent.click(box);
    fireEvent.submit(field().closest('form')!);
    await waitFor(() => expect(fake.rpc.forwards.add).toHaveBeenCalledWith('c1', { kind: 'local', bindAddress: '0.0.0.0', bindPort: 8080, host: 'db', hostPort: 5432 }));
    // `*:port` (every interface) warns too, and the box starts unticked again.
    fireEvent.change(field(), { target: { value: '*:8081:db:5432' } });
    expect(screen.getByTestId('forward-exposed-warning')).toBeTruthy();
    expect((screen.getByRole('checkbox', { name: 'Allow connections from other machines' }) as HTMLInputElement).checked).toBe(false);
  });

  it('Edit puts the forward in the form as ssh writes it; Save replaces it, and a refused change puts the old one back', async () => {
    fake.rpc.forwards.remove.mockImplementation(async (forwardId: string) => {
      fake.events.forwardRemoved.fire({ forwardId, circuitId: 'c1' });
      return undefined;
    });
    const old = forward({ spec: { kind: 'local', bindAddress: '0.0.0.0', bindPort: 8080, host: 'db.internal', hostPort: 5432 }, boundAddress: '0.0.0.0', openConnections: 0 });
    render(<ForwardsPanel circuitId="c1" circuitState="open" />);
    show(old);
    fireEvent.click(within(rows()[0]!).getByRole('button', { name: 'Edit' }));
    expect(screen.getByRole('heading', { name: 'Edit the forward' })).toBeTruthy();
    expect((field() as HTMLInputElement).value).toBe('0.0.0.0:8080:db.internal:5432');
    expect(document.activeElement).toBe(field());
    // Exposed by the user's own choice when added: the box stays ticked for the edit.
    expect((screen.getByRole('checkbox', { name: 'Allow connections from other machines' }) as HTMLInputElement).checked).toBe(true);
    fireEvent.change(field(), { target: { value: '0.0.0.0:8080:db.internal:5433' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save and restart' }));
    await waitFor(() => expect(screen.getByRole('status').textContent).toBe('Changed: local forward on 0.0.0.0:8080, listening.'));
    expect(fake.rpc.forwards.remove).toHaveBeenCalledWith(old.forwardId);
    expect(rows()).toHaveLength(1);
    expect(within(rows()[0]!).getByTestId('forward-route').textContent).toBe('0.0.0.0:8080 → db.internal:5433');
    expect(screen.getByRole('heading', { name: 'Add a forward' })).toBeTruthy();

    // A change the service refuses: said so, and the forward as it was is added back.
    fireEvent.click(within(rows()[0]!).getByRole('button', { name: 'Edit' }));
    fake.rpc.forwards.add.mockRejectedValueOnce(new HoplineError(ErrorCode.PORT_IN_USE, 'Port 9999 on 0.0.0.0 is already in use'));
    fireEvent.change(field(), { target: { value: '0.0.0.0:9999:db.internal:5433' } });
    fireEvent.submit(field().closest('form')!);
    expect((await screen.findByRole('alert')).textContent).toMatch(/^Not changed: .*9999/);
    await waitFor(() => expect(fake.rpc.forwards.add).toHaveBeenLastCalledWith('c1', { kind: 'local', bindAddress: '0.0.0.0', bindPort: 8080, host: 'db.internal', hostPort: 5433 }));
    await waitFor(() => expect(within(rows()[0]!).getByTestId('forward-route').textContent).toBe('0.0.0.0:8080 → db.internal:5433'));
    // Still editing (the forward put back), with the user's text there to fix.
    expect(screen.getByRole('heading', { name: 'Edit the forward' })).toBeTruthy();
    expect((field() as HTMLInputElement).value).toBe('0.0.0.0:9999:db.internal:5433');
    // Cancel edit goes back to adding, with an empty field.
    fireEvent.click(screen.getByRole('button', { name: 'Cancel edit' }));
    expect(screen.getByRole('heading', { name: 'Add a forward' })).toBeTruthy();
    expect((field() as HTMLInputElement).value).toBe('');
  });

  it("a service refusal shows as one sentence naming the hop, and the text stays to fix", async () => {
    fake.rpc.forwards.add.mockRejectedValueOnce(new HoplineError(ErrorCode.FORWARD_REFUSED, 'hop 3 (target) refused the forward: administratively prohibited', { index: 2, name: 'target' }));
    render(<ForwardsPanel circuitId="c1" circuitState="open" />);
    fireEvent.change(field(), { target: { value: '8080:db:5432' } });
    fireEvent.submit(field().closest('form')!);
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toMatch(/^Hop 3 \(target\)/);
    expect(alert.textContent).not.toMatch(/FORWARD_REFUSED/);
    expect((field() as HTMLInputElement).value).toBe('8080:db:5432');
  });

  it('offers no form on a circuit that is not open, and the palette reveal focuses the form (or the list)', () => {
    const { rerender } = render(<ForwardsPanel circuitId="c1" circuitState="failed" />);
    expect(screen.queryByRole('form')).toBeNull();
    expect(screen.getByText('Forwards can be added while the circuit is open.')).toBeTruthy();
    act(() => useForwardsStore.getState().requestReveal('c1', 'list'));
    expect(document.activeElement).toBe(screen.getByRole('heading', { name: 'Port forwards' }));
    rerender(<ForwardsPanel circuitId="c1" circuitState="open" />);
    act(() => useForwardsStore.getState().requestReveal('c1', 'form'));
    expect(document.activeElement).toBe(field());
    // Done once: the request is cleared, so opening the details later does not move the focus.
    expect(useForwardsStore.getState().reveal).toBeNull();
    // Another circuit's request is not this panel's.
    act(() => screen.getByRole('heading', { name: 'Port forwards' }).focus());
    act(() => useForwardsStore.getState().requestReveal('c2', 'form'));
    expect(document.activeElement).toBe(screen.getByRole('heading', { name: 'Port forwards' }));
  });

  it('passes axe with no serious violations', async () => {
    const axe = (await import('axe-core')).default;
    const { container } = render(<ForwardsPanel circuitId="c1" circuitState="open" />);
    show(forward(), forward({ state: 'failed', lastError: { code: ErrorCode.PORT_IN_USE, message: 'Port 8080 is in use' } }));
    fireEvent.change(field(), { target: { value: '*:8081:db:5432' } });
    fireEvent.submit(field().closest('form')!);
    const results = await axe.run(container, { rules: { 'color-contrast': { enabled: false } } });
    const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    expect(serious.map((v) => `${v.id}: ${v.nodes.map((node) => node.html).join(' | ')}`)).toEqual([]);
  });
});
