// @vitest-environment happy-dom
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ProfilesPanel } from '../../../../../app/renderer/features/profiles/ProfilesPanel';
import { Banners } from '../../../../../app/renderer/features/shell/Banners';
import { useBuilderStore } from '../../../../../app/renderer/stores/useBuilderStore';
import { useCircuitsStore } from '../../../../../app/renderer/stores/useCircuitsStore';
import { useCredentialsStore } from '../../../../../app/renderer/stores/useCredentialsStore';
import { useHostsStore } from '../../../../../app/renderer/stores/useHostsStore';
import { useProfilesStore } from '../../../../../app/renderer/stores/useProfilesStore';
import { TERMINAL_DEFAULTS, type ProfileSummary } from '../../../../../app/shared/model/profile';
import { fake } from '../../fakeRpc';
import { hostSummary } from '../../hosts';

vi.mock('../../../../../app/renderer/rpc', async () => (await import('../../fakeRpc')).rpcModule);

const profile = (name: string, folder: string, tags: string[], hostIds: string[]): ProfileSummary => ({ id: `id-${name}`, name, folder, tags, hostIds, terminal: TERMINAL_DEFAULTS });
const profiles = [profile('prod db', 'prod', ['db'], ['bastion', 'db']), profile('lab', '', [], ['bastion']), profile('prod web', 'prod', ['web'], ['bastion', 'web'])];

beforeEach(() => {
  useProfilesStore.setState({ profiles, loaded: true, error: null, storeProblem: null, storeProblemDismissed: false });
  useHostsStore.setState({ hosts: [hostSummary('bastion'), hostSummary('db')], loaded: true });
  useCircuitsStore.setState({ pending: null, currentId: null, circuits: {} });
  useBuilderStore.setState({ hostIds: [], profile: null, announcement: '' });
  useCredentialsStore.setState({ status: null, dismissedReason: null });
  vi.clearAllMocks();
});
afterEach(cleanup);

describe('ProfilesPanel', () => {
  it('groups by folder and searches name, folder and tags', () => {
    render(<ProfilesPanel />);
    expect(within(screen.getByRole('region', { name: 'Folder prod' })).getAllByRole('listitem').map((li) => li.getAttribute('aria-label'))).toEqual(['prod db', 'prod web']);
    expect(screen.getByRole('listitem', { name: 'prod web' }).textContent).toContain('bastion → (deleted host)');
    fireEvent.change(screen.getByLabelText('Search profiles'), { target: { value: 'web' } });
    expect(screen.getAllByRole('listitem').map((li) => li.getAttribute('aria-label'))).toEqual(['prod web']);
  });

  it('connects a profile in one click', async () => {
    render(<ProfilesPanel />);
    fireEvent.click(within(screen.getByRole('listitem', { name: 'prod db' })).getByRole('button', { name: 'Connect' }));
    await waitFor(() => expect(fake.rpc.circuits.open).toHaveBeenCalledExactlyOnceWith({ hostIds: ['bastion', 'db'], profileId: 'id-prod db', circuitId: expect.any(String) }));
  });

  it('loads a profile into the builder to edit it', () => {
    render(<ProfilesPanel />);
    fireEvent.click(within(screen.getByRole('listitem', { name: 'lab' })).getByRole('button', { name: 'Edit' }));
    expect(useBuilderStore.getState()).toMatchObject({ hostIds: ['bastion'], profile: { id: 'id-lab' } });
  });

  it('deletes after confirmation', async () => {
    render(<ProfilesPanel />);
    const item = screen.getByRole('listitem', { name: 'lab' });
    fireEvent.click(within(item).getByRole('button', { name: 'Delete' }));
    expect(fake.rpc.profiles.remove).not.toHaveBeenCalled();
    fireEvent.click(within(item).getByRole('button', { name: 'Confirm delete' }));
    await waitFor(() => expect(fake.rpc.profiles.remove).toHaveBeenCalledExactlyOnceWith('id-lab'));
  });
});

describe('Banners', () => {
  it('tells the profile store problem and the missing keychain once each', () => {
    useProfilesStore.setState({ storeProblem: 'profiles.json was unreadable and was set aside' });
    useCredentialsStore.setState({ status: { backend: 'session-memory', unavailableReason: 'no Secret Service on D-Bus' } });
    render(<Banners />);
    expect(screen.getByRole('alert').textContent).toContain('profiles.json was unreadable');
    expect(screen.getByRole('status').textContent).toContain('no Secret Service on D-Bus');
    for (const button of screen.getAllByRole('button', { name: 'Dismiss' })) fireEvent.click(button);
    expect(screen.queryByRole('alert')).toBeNull();
    expect(screen.queryByRole('status')).toBeNull();
    // The same status arriving again does not bring the banner back.
    act(() => fake.events.credentialStatus.fire({ backend: 'session-memory', unavailableReason: 'no Secret Service on D-Bus' }));
    expect(screen.queryByRole('status')).toBeNull();
  });
});
