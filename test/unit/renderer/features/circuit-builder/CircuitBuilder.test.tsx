// @vitest-environment happy-dom
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fake } from '../../fakeRpc';
import { CircuitBuilder } from '../../../../../app/renderer/features/circuit-builder/CircuitBuilder';
import { useBuilderStore } from '../../../../../app/renderer/stores/useBuilderStore';
import { useCircuitsStore } from '../../../../../app/renderer/stores/useCircuitsStore';
import { useHostsStore } from '../../../../../app/renderer/stores/useHostsStore';
import { hostSummary } from '../../hosts';
import { TERMINAL_DEFAULTS } from '../../../../../app/shared/model/profile';

// Stores reach the main side only through rpc: replace it with the in-memory fake.
vi.mock('../../../../../app/renderer/rpc', async () => (await import('../../fakeRpc')).rpcModule);

const hosts = [
  hostSummary('bastion', { proxy: { kind: 'socks5', host: 'proxy', port: 1080 } }),
  hostSummary('inner', { proxy: { kind: 'command', command: 'nc %h %p' } }),
  hostSummary('nouser', { user: '' }),
  hostSummary('target'),
  hostSummary('alias-of-target', { address: 'target.example' }),
  ...Array.from({ length: 17 }, (_, i) => hostSummary(`h${i}`)),
];

function chain(...ids: string[]) {
  useBuilderStore.setState({ hostIds: ids, profile: null, announcement: '' });
}

function connectButton() {
  return screen.getByRole('button', { name: 'Connect' }) as HTMLButtonElement;
}

beforeEach(() => {
  useHostsStore.setState({ hosts, loaded: true, error: null });
  useCircuitsStore.setState({ pending: null, currentId: null, circuits: {}, hops: {} });
  vi.clearAllMocks();
});
afterEach(cleanup);

describe('CircuitBuilder validation', () => {
  it('enables Connect for a valid chain and opens it', async () => {
    chain('bastion', 'target');
    render(<CircuitBuilder />);
    expect(connectButton().disabled).toBe(false);
    fireEvent.click(connectButton());
    await waitFor(() => expect(fake.rpc.circuits.open).toHaveBeenCalledWith({ hostIds: ['bastion', 'target'], circuitId: expect.any(String) }));
    await waitFor(() => expect(useCircuitsStore.getState().currentId).toBe('c1'));
  });

  it('shows a cycle on the hop that repeats, and disables Connect', () => {
    chain('bastion', 'target', 'alias-of-target');
    render(<CircuitBuilder />);
    const hop = screen.getByRole('listitem', { name: 'Hop 3 of 3: alias-of-target' });
    expect(hop.textContent).toMatch(/returns to target\.example:22, already hop 2 \(target\).*cycle/);
    expect(connectButton().disabled).toBe(true);
    expect(screen.getByText(/Fix the problem shown above/)).toBeTruthy();
  });

  it('shows a missing user', () => {
    chain('bastion', 'nouser');
    render(<CircuitBuilder />);
    expect(screen.getByRole('listitem', { name: 'Hop 2 of 2: nouser' }).textContent).toMatch(/Hop 2 \(nouser\) has no user/);
    expect(connectButton().disabled).toBe(true);
  });

  it('shows a proxy on hop 2 as a conflict, but not on hop 1', () => {
    chain('bastion', 'inner', 'target');
    render(<CircuitBuilder />);
    expect(screen.getByRole('listitem', { name: 'Hop 1 of 3: bastion' }).textContent).not.toMatch(/proxy/i);
    expect(screen.getByRole('listitem', { name: 'Hop 2 of 3: inner' }).textContent).toMatch(/has a ProxyCommand.*only hop 1 can use a proxy/);
    expect(connectButton().disabled).toBe(true);
  });

  it('refuses more than 16 hops', () => {
    chain(...Array.from({ length: 17 }, (_, i) => `h${i}`));
    render(<CircuitBuilder />);
    expect(screen.getByRole('listitem', { name: 'Hop 17 of 17: h16' }).textContent).toMatch(/17 hops; Hopline allows at most 16/);
    expect(connectButton().disabled).toBe(true);
    // Removing one makes it valid again.
    fireEvent.keyDown(screen.getByRole('listitem', { name: 'Hop 17 of 17: h16' }), { key: 'Delete' });
    expect(connectButton().disabled).toBe(false);
  });

  it('waits for a first host without calling it a problem, and flags a host deleted from the library', () => {
    chain();
    const { unmount } = render(<CircuitBuilder />);
    // An empty chain is where everyone starts: no red text before the user acts, Connect just waits.
    expect(screen.queryByRole('list', { name: 'Circuit problems' })).toBeNull();
    expect(connectButton().disabled).toBe(true);
    unmount();
    chain('bastion', 'gone');
    render(<CircuitBuilder />);
    expect(screen.getByRole('listitem', { name: 'Hop 2 of 2: Deleted host' }).textContent).toMatch(/no longer in the hosts library/);
  });
});

describe('CircuitBuilder export and save', () => {
  it('previews the ssh -J line and the ssh_config block', async () => {
    fake.rpc.circuits.preview.mockResolvedValueOnce({ sshCommand: 'ssh -J ops@bastion.example ops@target.example', sshConfig: 'Host target\n  ProxyJump bastion', problems: [] });
    chain('bastion', 'target');
    render(<CircuitBuilder />);
    fireEvent.click(screen.getByRole('button', { name: 'Preview export' }));
    expect((await screen.findByLabelText('ssh command')).textContent).toBe('ssh -J ops@bastion.example ops@target.example');
    expect(screen.getByLabelText('ssh_config block').textContent).toContain('ProxyJump bastion');
    expect(fake.rpc.circuits.preview).toHaveBeenCalledWith({ hostIds: ['bastion', 'target'] });
  });

  it("previews a saved profile with its forwards: the request names the profile, the block shows its forward lines", async () => {
    fake.rpc.circuits.preview.mockResolvedValueOnce({ sshCommand: 'ssh -J ops@bastion.example -L 8080:db:5432 ops@target.example', sshConfig: 'Host target\n  ProxyJump bastion\n  LocalForward 8080 db:5432', problems: [] });
    useBuilderStore.setState({ hostIds: ['bastion', 'target'], profile: { id: 'p-1', name: 'prod db', folder: '', tags: [], hostIds: ['bastion', 'target'], terminal: TERMINAL_DEFAULTS, forwards: [{ id: 'f-1', kind: 'local', bindPort: 8080, host: 'db', hostPort: 5432, autoStart: true }] }, announcement: '' });
    render(<CircuitBuilder />);
    fireEvent.click(screen.getByRole('button', { name: 'Preview export' }));
    expect((await screen.findByLabelText('ssh_config block')).textContent).toContain('LocalForward 8080 db:5432');
    expect(screen.getByLabelText('ssh command').textContent).toContain('-L 8080:db:5432');
    expect(fake.rpc.circuits.preview).toHaveBeenCalledWith({ hostIds: ['bastion', 'target'], profileId: 'p-1' });
  });

  it('says an export problem as a sentence, with its code only under Details', async () => {
    const problem = { code: 'INVALID_ARGUMENT' as const, message: 'hop 1 (bastion) uses a ProxyCommand, which a -J line cannot carry', hop: { index: 0, name: 'bastion' } };
    fake.rpc.circuits.preview.mockResolvedValueOnce({ sshCommand: null, sshConfig: 'Host target', problems: [problem] });
    chain('bastion', 'target');
    render(<CircuitBuilder />);
    fireEvent.click(screen.getByRole('button', { name: 'Preview export' }));
    const list = await screen.findByRole('list', { name: 'Export problems' });
    expect(list.textContent).toBe('Hop 1 (bastion) uses a ProxyCommand, which a -J line cannot carry.Details');
    expect(list.textContent).not.toContain('INVALID_ARGUMENT');
  });

  it('saves the chain as a profile with name, folder and tags', async () => {
    chain('bastion', 'target');
    render(<CircuitBuilder />);
    fireEvent.click(screen.getByRole('button', { name: 'Save as profile' }));
    fireEvent.change(screen.getByLabelText('Profile name'), { target: { value: 'prod db' } });
    fireEvent.change(screen.getByLabelText('Folder'), { target: { value: 'prod' } });
    fireEvent.change(screen.getByLabelText('Tags'), { target: { value: 'db, eu' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save profile' }));
    await waitFor(() => expect(fake.rpc.profiles.save).toHaveBeenCalledWith(expect.objectContaining({ name: 'prod db', folder: 'prod', tags: ['db', 'eu'], hostIds: ['bastion', 'target'] })));
    await waitFor(() => expect(screen.queryByLabelText('Profile name')).toBeNull());
  });
});
