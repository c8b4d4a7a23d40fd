// @vitest-environment happy-dom
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import axe from 'axe-core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { HostEditorDialog } from '../../../../../app/renderer/features/hosts/HostEditorDialog';
import { useCredentialsStore } from '../../../../../app/renderer/stores/useCredentialsStore';
import { useHostsStore } from '../../../../../app/renderer/stores/useHostsStore';
import { useProfilesStore } from '../../../../../app/renderer/stores/useProfilesStore';
import { useSettingsStore } from '../../../../../app/renderer/stores/useSettingsStore';
import { HoplineError } from '../../../../../app/shared/model/errors';
import { SETTINGS_DEFAULTS } from '../../../../../app/shared/model/settings';
import { fake } from '../../fakeRpc';
import { hostSummary } from '../../hosts';

vi.mock('../../../../../app/renderer/rpc', async () => (await import('../../fakeRpc')).rpcModule);

beforeEach(() => {
  useHostsStore.setState({ hosts: [hostSummary('bastion', { folder: 'edge', tags: ['jump'], hasTotp: true })], loaded: true, error: null });
  useProfilesStore.setState({ profiles: [], loaded: true });
  useCredentialsStore.setState({ kinds: {}, status: { backend: 'keychain', unavailableReason: null } });
  const settings = { ...SETTINGS_DEFAULTS, connection: { keepaliveIntervalSec: 30, keepaliveCountMax: 5, connectTimeoutSec: 20 } };
  useSettingsStore.setState({ settings, saved: settings, pending: [], loaded: true });
});
afterEach(() => {
  cleanup();
  vi.clearAllMocks();
});

describe('HostEditorDialog', () => {
  it('adds a host starting from the connection defaults, with a folder and tags', async () => {
    const onDone = vi.fn();
    render(<HostEditorDialog hostId={null} onDone={onDone} />);
    const dialog = screen.getByRole('dialog', { name: 'Add host' });
    expect(document.activeElement).toBe(within(dialog).getByLabelText('Name'));
    expect((screen.getByLabelText('Keepalive interval (s)') as HTMLInputElement).value).toBe('30');
    expect((screen.getByLabelText('Connect timeout (s)') as HTMLInputElement).value).toBe('20');
    fireEvent.change(screen.getByLabelText('Name'), { target: { value: 'web' } });
    fireEvent.change(screen.getByLabelText('Address'), { target: { value: 'web.example' } });
    fireEvent.change(screen.getByLabelText('User'), { target: { value: 'me' } });
    fireEvent.change(screen.getByLabelText('Folder'), { target: { value: 'edge' } });
    fireEvent.change(screen.getByLabelText('Tags'), { target: { value: 'web, prod' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save host' }));
    await waitFor(() => expect(onDone).toHaveBeenCalled());
    expect(fake.rpc.hosts.save).toHaveBeenCalledWith(expect.objectContaining({ name: 'web', keepaliveIntervalSec: 30, keepaliveCountMax: 5, connectTimeoutSec: 20, folder: 'edge', tags: ['web', 'prod'] }));
    expect(fake.rpc.hosts.save.mock.calls[0]![0]).not.toHaveProperty('id');
  });

  it('edits a saved host, keeps the dialog open on a refusal, and offers TOTP setup and forgetting secrets', async () => {
    fake.rpc.hosts.save.mockRejectedValueOnce(new HoplineError('INVALID_ARGUMENT', 'name taken'));
    const onDone = vi.fn();
    render(<HostEditorDialog hostId="bastion" onDone={onDone} />);
    const dialog = screen.getByRole('dialog', { name: /Edit host/ });
    expect((within(dialog).getByLabelText('Folder') as HTMLInputElement).value).toBe('edge');
    expect((within(dialog).getByLabelText('Tags') as HTMLInputElement).value).toBe('jump');
    fireEvent.change(screen.getByLabelText('Tags'), { target: { value: '' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save host' }));
    expect((await screen.findByRole('alert')).textContent).toBe('Name taken.');
    expect(fake.rpc.hosts.save.mock.calls[0]![0]).toMatchObject({ id: 'bastion', folder: 'edge' });
    expect(fake.rpc.hosts.save.mock.calls[0]![0]).not.toHaveProperty('tags');
    expect(onDone).not.toHaveBeenCalled();

    const secrets = screen.getByRole('region', { name: 'Saved secrets' });
    expect(within(secrets).getByText('The keychain holds: TOTP.')).toBeTruthy();
    fireEvent.click(within(secrets).getByLabelText('Set up TOTP codes for this host'));
    fireEvent.change(within(secrets).getByLabelText('TOTP secret or otpauth:// URI'), { target: { value: 'JBSWY3DPEHPK3PXP' } });
    fireEvent.click(within(secrets).getByRole('button', { name: 'Save TOTP secret' }));
    await waitFor(() => expect(fake.rpc.credentials.setTotp).toHaveBeenCalledWith('bastion', { secret: 'JBSWY3DPEHPK3PXP' }));
    fireEvent.click(within(secrets).getByRole('button', { name: 'Forget saved secrets' }));
    fireEvent.click(within(secrets).getByRole('button', { name: 'Confirm forget' }));
    await waitFor(() => expect(fake.rpc.credentials.forget).toHaveBeenCalledWith('bastion'));
  });

  it('closes on Escape and has no serious axe violations', async () => {
    const onDone = vi.fn();
    render(<HostEditorDialog hostId="bastion" onDone={onDone} />);
    const dialog = screen.getByRole('dialog');
    const result = await axe.run(dialog, { rules: { 'color-contrast': { enabled: false }, region: { enabled: false } } });
    expect(result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.nodes.map((n) => n.html).join(' | ')}`)).toEqual([]);
    fireEvent.keyDown(dialog, { key: 'Escape' });
    expect(onDone).toHaveBeenCalled();
  });

  it('says so when the host is gone', () => {
    render(<HostEditorDialog hostId="gone" onDone={vi.fn()} />);
    expect(screen.getByRole('alert').textContent).toMatch(/no longer in the library/);
  });
});
