// @vitest-environment happy-dom
/**
 * "Use from other tools" in a circuit's details (issue 15), fed by the gateway store over the
 * fake rpc: the profile's ssh_config block (read-only, selectable) with its explanation and Copy,
 * the live list of external sessions riding the circuit with its empty state, the hint for a
 * circuit without a profile, a refusal in words, and a palette reveal moving the focus here.
 */
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { GatewayPanel } from '../../../../../app/renderer/features/gateway/GatewayPanel';
import { startStores } from '../../../../../app/renderer/stores/startStores';
import { useGatewayStore } from '../../../../../app/renderer/stores/useGatewayStore';
import type { GatewaySession } from '../../../../../app/shared/contract/gateway';
import { ErrorCode, HoplineError } from '../../../../../app/shared/model/errors';
import { fake } from '../../fakeRpc';

vi.mock('../../../../../app/renderer/rpc', async () => (await import('../../fakeRpc')).rpcModule);

let stopStores: () => void;
beforeAll(() => {
  stopStores = startStores();
});
afterAll(() => stopStores());

const BLOCK = `# Written by hopline ssh-config: each Host reaches its profile's target through the profile's jump hops.

# Hopline profile "prod db": bastion -> db
Host prod-db
    HostName db.internal
    Port 22
    User pg
    ProxyCommand /usr/bin/node /opt/hopline/cli.cjs proxy --data-dir /d --profile 'prod db' %h %p
`;

const session = (id: string, extra: Partial<GatewaySession> = {}): GatewaySession => ({
  id, circuitId: 'c1', profileId: 'p1', via: ['bastion'], destination: { host: 'db.internal', port: 22 }, startedAt: new Date(2026, 0, 1, 10, 42, 3).getTime(), bytesToRemote: 2048, bytesFromRemote: 1536 * 1024, ...extra,
});

const writeText = vi.fn(async (_text: string) => undefined);
beforeEach(() => {
  useGatewayStore.setState({ sessions: [], riding: {}, blocks: {}, reveal: null });
  vi.clearAllMocks();
  fake.rpc.gateway.sshConfigFor.mockResolvedValue({ text: BLOCK, hostAlias: 'prod-db' });
  Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true });
});
afterEach(() => cleanup());

const panel = () => screen.getByRole('region', { name: 'Use from other tools' });
const block = () => within(panel()).getByRole('textbox', { name: /^ssh_config block/ });

describe('GatewayPanel', () => {
  it('shows the profile’s block read-only with the explanation naming the alias, and Copy puts the exact text on the clipboard', async () => {
    render(<GatewayPanel circuitId="c1" profileId="p1" />);
    await waitFor(() => expect(block()).toBeTruthy());
    expect(fake.rpc.gateway.sshConfigFor).toHaveBeenCalledWith('p1');
    expect((block() as HTMLTextAreaElement).value).toBe(BLOCK);
    expect((block() as HTMLTextAreaElement).readOnly).toBe(true);
    expect(block().getAttribute('aria-describedby')).toBe(screen.getByTestId('gateway-explain').id);
    expect(screen.getByTestId('gateway-explain').textContent).toBe('ssh prod-db, scp, rsync -e ssh, git and VS Code Remote-SSH ride this circuit without another code.');
    fireEvent.click(within(panel()).getByRole('button', { name: 'Copy ssh_config block' }));
    await waitFor(() => expect(within(panel()).getByRole('status').textContent).toBe('Copied the Host block for prod-db: paste it into ~/.ssh/config.'));
    expect(writeText).toHaveBeenCalledWith(BLOCK);
  });

  it('says so when there is no clipboard, and the block stays to select', async () => {
    writeText.mockRejectedValueOnce(new Error('denied'));
    render(<GatewayPanel circuitId="c1" profileId="p1" />);
    fireEvent.click(await within(panel()).findByRole('button', { name: 'Copy ssh_config block' }));
    await waitFor(() => expect(within(panel()).getByRole('status').textContent).toBe('The clipboard is not available here: select the block and copy it.'));
  });

  it('lists the sessions riding this circuit live, oldest first, with the empty state before and after', async () => {
    render(<GatewayPanel circuitId="c1" profileId="p1" />);
    expect(screen.getByTestId('gateway-empty').textContent).toContain('None now.');
    act(() => fake.events.gatewaySessions.fire([session('s2', { startedAt: session('x').startedAt + 5, peer: { pid: 4242, command: 'ssh prod-db sleep 3' } }), session('s1'), session('other', { circuitId: 'c2' })]));
    const rows = within(screen.getByRole('list', { name: /^External sessions on this circuit/ })).getAllByTestId('gateway-session');
    expect(rows.map((r) => r.getAttribute('data-session-id'))).toEqual(['s1', 's2']);
    expect(rows[0]!.textContent).toBe('An external ssh (its program is not known)db.internal:22 through bastion · since 10:42:03 · 2.0 KiB out · 1.5 MiB in');
    expect(within(rows[1]!).getByTestId('gateway-peer').textContent).toBe('ssh prod-db sleep 3');
    expect(rows[1]!.textContent).toContain('pid 4242');
    expect(within(panel()).getByRole('heading', { name: 'External sessions on this circuit (2)' })).toBeTruthy();
    act(() => fake.events.gatewaySessions.fire([]));
    expect(screen.getByTestId('gateway-empty')).toBeTruthy();
  });

  it('explains a one-hop profile, a circuit without a profile, and a refused block', async () => {
    fake.rpc.gateway.sshConfigFor.mockResolvedValueOnce({ text: 'Host solo\n    # one hop: ssh connects directly, no jump hosts\n', hostAlias: 'solo' });
    const { unmount } = render(<GatewayPanel circuitId="c1" profileId="p9" />);
    await waitFor(() => expect(screen.getByTestId('gateway-explain').textContent).toBe('This profile has one hop: ssh solo connects to it directly, not through this circuit.'));
    unmount();
    render(<GatewayPanel circuitId="c2" profileId={null} />);
    expect(panel().textContent).toContain('Save this circuit as a profile to use it from other tools');
    expect(fake.rpc.gateway.sshConfigFor).toHaveBeenCalledTimes(1);
    cleanup();
    fake.rpc.gateway.sshConfigFor.mockRejectedValueOnce(new HoplineError(ErrorCode.INVALID_ARGUMENT, 'No ssh_config block for “x”: its target address or user cannot be written into an ssh config.'));
    render(<GatewayPanel circuitId="c3" profileId="p3" />);
    expect((await screen.findByRole('alert')).textContent).toBe('No ssh_config block for “x”: its target address or user cannot be written into an ssh config.');
  });

  it('a palette reveal puts the focus on its heading and shows the notice, once', async () => {
    render(<GatewayPanel circuitId="c1" profileId="p1" />);
    await waitFor(() => expect(block()).toBeTruthy());
    act(() => useGatewayStore.getState().requestReveal('c1', 'Copied the Host block for prod-db: paste it into ~/.ssh/config.'));
    expect(document.activeElement).toBe(within(panel()).getByRole('heading', { name: 'Use from other tools' }));
    expect(within(panel()).getByRole('status').textContent).toContain('Copied the Host block for prod-db');
    expect(useGatewayStore.getState().reveal).toBeNull();
  });
});
