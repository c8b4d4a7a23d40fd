// @vitest-environment happy-dom
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { HOST_DRAG_TYPE } from '../../../../../app/renderer/components/dragTypes';
import { HostsLibrary } from '../../../../../app/renderer/features/hosts/HostsLibrary';
import { useBuilderStore } from '../../../../../app/renderer/stores/useBuilderStore';
import { useCredentialsStore } from '../../../../../app/renderer/stores/useCredentialsStore';
import { useHostsStore } from '../../../../../app/renderer/stores/useHostsStore';
import { HoplineError } from '../../../../../app/shared/model/errors';
import { dragData } from '../../dragData';
import { fake } from '../../fakeRpc';
import { hostSummary } from '../../hosts';

vi.mock('../../../../../app/renderer/rpc', async () => (await import('../../fakeRpc')).rpcModule);

const hosts = [hostSummary('bastion', { hasPassword: true, hasTotp: true }), hostSummary('target', { user: 'admin' })];

beforeEach(() => {
  useHostsStore.setState({ hosts, loaded: true, error: null });
  useCredentialsStore.setState({ kinds: {}, status: { backend: 'keychain', unavailableReason: null } });
  useBuilderStore.setState({ hostIds: [], profile: null, announcement: '' });
  vi.clearAllMocks();
});
afterEach(cleanup);

function hostItem(name: string) {
  return within(screen.getByRole('list', { name: 'Hosts' })).getByRole('listitem', { name });
}

describe('HostsLibrary list', () => {
  it('lists hosts with secret badges and searches them', () => {
    render(<HostsLibrary />);
    expect(within(hostItem('bastion')).getByLabelText('Saved: password, TOTP')).toBeTruthy();
    fireEvent.change(screen.getByLabelText('Search hosts'), { target: { value: 'admin' } });
    expect(within(screen.getByRole('list', { name: 'Hosts' })).getAllByRole('listitem').map((li) => li.getAttribute('aria-label'))).toEqual(['target']);
  });

  it('adds a host to the circuit by button, by Enter on the focused host, and offers it for dragging', () => {
    render(<HostsLibrary />);
    fireEvent.click(within(hostItem('bastion')).getByRole('button', { name: 'Add to circuit' }));
    fireEvent.keyDown(hostItem('target'), { key: 'Enter' });
    expect(useBuilderStore.getState().hostIds).toEqual(['bastion', 'target']);
    expect(useBuilderStore.getState().announcement).toBe('target added at position 2 of 2');
    const data = dragData();
    fireEvent.dragStart(hostItem('target'), { dataTransfer: data });
    expect(data.getData(HOST_DRAG_TYPE)).toBe('target');
  });
});

describe('HostsLibrary editing', () => {
  it('adds a host through the form', async () => {
    render(<HostsLibrary />);
    fireEvent.click(screen.getByRole('button', { name: 'Add host' }));
    fireEvent.change(screen.getByLabelText('Name'), { target: { value: 'new' } });
    fireEvent.change(screen.getByLabelText('Address'), { target: { value: 'new.example' } });
    fireEvent.change(screen.getByLabelText('User'), { target: { value: 'me' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save host' }));
    await waitFor(() => expect(fake.rpc.hosts.save).toHaveBeenCalledWith(expect.objectContaining({ name: 'new', address: 'new.example', user: 'me', port: 22 })));
    expect(await screen.findByText('Saved new.')).toBeTruthy();
  });

  it('shows why a host in use cannot be deleted', async () => {
    fake.rpc.hosts.remove.mockRejectedValueOnce(new HoplineError('INVALID_ARGUMENT', 'bastion is used by profile "prod db"'));
    render(<HostsLibrary />);
    fireEvent.click(within(hostItem('bastion')).getByRole('button', { name: 'Edit' }));
    fireEvent.click(screen.getByRole('button', { name: 'Delete' }));
    fireEvent.click(screen.getByRole('button', { name: 'Confirm delete' }));
    expect((await screen.findByRole('alert')).textContent).toBe('INVALID_ARGUMENT: bastion is used by profile "prod db"');
    expect(fake.rpc.hosts.remove).toHaveBeenCalledWith('bastion');
  });

  it('forgets saved secrets after confirmation', async () => {
    render(<HostsLibrary />);
    fireEvent.click(within(hostItem('bastion')).getByRole('button', { name: 'Edit' }));
    fireEvent.click(screen.getByRole('button', { name: 'Forget saved secrets' }));
    fireEvent.click(screen.getByRole('button', { name: 'Confirm forget' }));
    await waitFor(() => expect(fake.rpc.credentials.forget).toHaveBeenCalledExactlyOnceWith('bastion'));
    // The live kinds now say nothing is saved.
    await waitFor(() => expect(within(hostItem('bastion')).queryByLabelText(/^Saved:/)).toBeNull());
  });

  it('keeps TOTP off by default, warns, sends the secret once and clears the field', async () => {
    render(<HostsLibrary />);
    fireEvent.click(within(hostItem('bastion')).getByRole('button', { name: 'Edit' }));
    expect(screen.queryByLabelText('TOTP secret or otpauth:// URI')).toBeNull();
    const optIn = screen.getByRole('checkbox', { name: 'Set up TOTP codes for this host' }) as HTMLInputElement;
    expect(optIn.checked).toBe(false);
    fireEvent.click(optIn);
    expect(screen.getByRole('note').textContent).toMatch(/both factors on one machine/);
    const secret = screen.getByLabelText('TOTP secret or otpauth:// URI') as HTMLInputElement;
    expect(secret.type).toBe('password');
    fireEvent.change(secret, { target: { value: 'JBSWY3DPEHPK3PXP' } });
    fireEvent.change(screen.getByLabelText('Prompt pattern (optional)'), { target: { value: 'Verification code' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save TOTP secret' }));
    expect(secret.value).toBe('');
    await waitFor(() => expect(fake.rpc.credentials.setTotp).toHaveBeenCalledExactlyOnceWith('bastion', { secret: 'JBSWY3DPEHPK3PXP', promptPattern: 'Verification code' }));
    expect(await screen.findByText('TOTP secret saved for bastion.')).toBeTruthy();
  });

  it('refuses a prompt pattern that is not a regular expression', () => {
    render(<HostsLibrary />);
    fireEvent.click(within(hostItem('bastion')).getByRole('button', { name: 'Edit' }));
    fireEvent.click(screen.getByRole('checkbox', { name: 'Set up TOTP codes for this host' }));
    fireEvent.change(screen.getByLabelText('TOTP secret or otpauth:// URI'), { target: { value: 'JBSWY3DPEHPK3PXP' } });
    fireEvent.change(screen.getByLabelText('Prompt pattern (optional)'), { target: { value: '(' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save TOTP secret' }));
    expect(screen.getByRole('alert').textContent).toBe('Not a valid regular expression.');
    expect(fake.rpc.credentials.setTotp).not.toHaveBeenCalled();
  });
});

describe('HostsLibrary import', () => {
  it('imports pasted text and shows every note', async () => {
    fake.rpc.hosts.importSshConfig.mockResolvedValueOnce({
      imported: [{ alias: 'bastion', hostId: 'h1' }],
      profiles: [{ alias: 'db', profileId: 'p1' }],
      notes: [
        { severity: 'ignored', file: '(pasted)', line: 4, message: 'LocalForward is not supported', host: 'db' },
        { severity: 'error', file: '(pasted)', line: 9, message: 'Match exec is never run' },
      ],
    });
    render(<HostsLibrary />);
    fireEvent.click(screen.getByRole('button', { name: 'Import ssh_config' }));
    fireEvent.change(screen.getByLabelText('Or paste ssh_config text'), { target: { value: 'Host bastion\n  HostName 10.0.0.1\n' } });
    fireEvent.click(screen.getByRole('button', { name: 'Import' }));
    const report = await screen.findByRole('status', { name: 'Import report' });
    expect(fake.rpc.hosts.importSshConfig).toHaveBeenCalledWith({ text: 'Host bastion\n  HostName 10.0.0.1\n' });
    expect(report.textContent).toContain('Imported 1 host and made 1 profile.');
    const notes = within(report).getByRole('list', { name: 'Import notes' });
    expect(within(notes).getAllByRole('listitem').map((li) => li.textContent)).toEqual(['ignored (pasted):4 (db): LocalForward is not supported', 'error (pasted):9: Match exec is never run']);
  });

  it('reads ~/.ssh/config when neither path nor text is given, else the path', async () => {
    render(<HostsLibrary />);
    fireEvent.click(screen.getByRole('button', { name: 'Import ssh_config' }));
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Import' })));
    expect(fake.rpc.hosts.importSshConfig).toHaveBeenLastCalledWith({});
    fireEvent.change(screen.getByLabelText('ssh_config file'), { target: { value: '/etc/ssh/ssh_config' } });
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Import' })));
    expect(fake.rpc.hosts.importSshConfig).toHaveBeenLastCalledWith({ path: '/etc/ssh/ssh_config' });
  });
});
