// @vitest-environment happy-dom
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import axe from 'axe-core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ProfileEditor, ProfileEditorDialog } from '../../../../../app/renderer/features/profiles/ProfileEditor';
import { parseTags } from '../../../../../app/renderer/stores/profilesLogic';
import { useHostsStore } from '../../../../../app/renderer/stores/useHostsStore';
import { useProfilesStore } from '../../../../../app/renderer/stores/useProfilesStore';
import { HoplineError } from '../../../../../app/shared/model/errors';
import { TERMINAL_DEFAULTS, type ProfileSummary } from '../../../../../app/shared/model/profile';
import { fake } from '../../fakeRpc';
import { hostSummary } from '../../hosts';

vi.mock('../../../../../app/renderer/rpc', async () => (await import('../../fakeRpc')).rpcModule);

const prod: ProfileSummary = { id: 'p1', name: 'prod db', folder: 'prod', tags: ['db'], hostIds: ['bastion', 'db'], terminal: { ...TERMINAL_DEFAULTS } };
const lab: ProfileSummary = { id: 'p2', name: 'lab', folder: 'labs', tags: [], hostIds: ['bastion'], terminal: { ...TERMINAL_DEFAULTS }, color: 'teal' };

beforeEach(() => {
  useProfilesStore.setState({ profiles: [prod, lab], loaded: true, error: null });
  useHostsStore.setState({ hosts: [hostSummary('bastion'), hostSummary('db', { folder: 'servers' })], loaded: true });
});
afterEach(() => {
  cleanup();
  vi.clearAllMocks();
});

describe('ProfileEditor', () => {
  it('saves a rename, folder, tags and colour with the route and terminal options kept', async () => {
    const onDone = vi.fn();
    render(<ProfileEditor profileId="p1" onDone={onDone} onEditRoute={vi.fn()} />);
    fireEvent.change(screen.getByLabelText('Name'), { target: { value: '  prod database ' } });
    fireEvent.change(screen.getByLabelText('Folder'), { target: { value: 'production' } });
    fireEvent.change(screen.getByLabelText('Tags'), { target: { value: 'db, eu , DB, ,primary' } });
    expect(within(screen.getByRole('list', { name: 'Tags to save' })).getAllByRole('listitem').map((li) => li.textContent)).toEqual(['db', 'eu', 'primary']);
    const colours = screen.getByRole('group', { name: 'Colour' });
    expect((within(colours).getByRole('radio', { name: 'None' }) as HTMLInputElement).checked).toBe(true);
    fireEvent.click(within(colours).getByRole('radio', { name: 'Purple' }));
    fireEvent.click(screen.getByLabelText('Log this circuit’s sessions'));
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(onDone).toHaveBeenCalled());
    expect(fake.rpc.profiles.save).toHaveBeenCalledWith({
      id: 'p1',
      name: 'prod database',
      folder: 'production',
      tags: ['db', 'eu', 'primary'],
      hostIds: ['bastion', 'db'],
      terminal: { ...TERMINAL_DEFAULTS, sessionLog: true },
      color: 'purple',
    });
  });

  it('clears a colour with None, and offers the library’s folders', async () => {
    render(<ProfileEditor profileId="p2" onDone={vi.fn()} onEditRoute={vi.fn()} />);
    const folder = screen.getByLabelText('Folder');
    const options = [...document.getElementById(folder.getAttribute('list')!)!.querySelectorAll('option')].map((o) => o.value);
    expect(options).toEqual(['labs', 'prod', 'servers']);
    expect((screen.getByRole('radio', { name: 'Teal' }) as HTMLInputElement).checked).toBe(true);
    fireEvent.click(screen.getByRole('radio', { name: 'None' }));
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(fake.rpc.profiles.save).toHaveBeenCalled());
    expect(fake.rpc.profiles.save.mock.calls[0]![0]).not.toHaveProperty('color');
  });

  it('checks fields before saving and shows the service’s refusal', async () => {
    fake.rpc.profiles.save.mockRejectedValueOnce(new HoplineError('INVALID_ARGUMENT', 'name taken'));
    const onDone = vi.fn();
    render(<ProfileEditor profileId="p1" onDone={onDone} onEditRoute={vi.fn()} />);
    fireEvent.change(screen.getByLabelText('Name'), { target: { value: ' ' } });
    fireEvent.change(screen.getByLabelText('Font size (px)'), { target: { value: '90' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect(screen.getByText('A saved circuit needs a name.')).toBeTruthy();
    expect(screen.getByText('A whole number from 6 to 40.')).toBeTruthy();
    expect(fake.rpc.profiles.save).not.toHaveBeenCalled();
    fireEvent.change(screen.getByLabelText('Name'), { target: { value: 'lab' } });
    fireEvent.change(screen.getByLabelText('Font size (px)'), { target: { value: '15' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect((await screen.findByRole('alert')).textContent).toBe('Name taken.');
    expect(onDone).not.toHaveBeenCalled();
  });

  it('shows the route read-only and hands it to the builder', () => {
    const onEditRoute = vi.fn();
    render(<ProfileEditor profileId="p1" onDone={vi.fn()} onEditRoute={onEditRoute} />);
    const route = screen.getByRole('region', { name: 'Route' });
    expect(within(route).getAllByRole('listitem').map((li) => li.textContent)).toEqual(['This computer', 'bastion', 'db']);
    fireEvent.click(within(route).getByRole('button', { name: 'Edit route in builder' }));
    expect(onEditRoute).toHaveBeenCalledWith('p1');
  });

  it('says so when the profile is gone', () => {
    const onDone = vi.fn();
    render(<ProfileEditor profileId="nope" onDone={onDone} onEditRoute={vi.fn()} />);
    expect(screen.getByRole('alert').textContent).toMatch(/no longer in the library/);
    fireEvent.click(screen.getByRole('button', { name: 'Close' }));
    expect(onDone).toHaveBeenCalled();
  });

  it('parses tags: trimmed, deduplicated ignoring case', () => {
    expect(parseTags(' a, b ,,A, c ')).toEqual(['a', 'b', 'c']);
  });
});

describe('ProfileEditorDialog', () => {
  it('is a labelled modal that Escape closes, with the name focused, and no serious axe violations', async () => {
    const onDone = vi.fn();
    render(<ProfileEditorDialog profileId="p1" onDone={onDone} onEditRoute={vi.fn()} />);
    const dialog = screen.getByRole('dialog', { name: 'Edit profile' });
    expect(document.activeElement).toBe(screen.getByLabelText('Name'));
    const result = await axe.run(dialog, { rules: { 'color-contrast': { enabled: false }, region: { enabled: false } } });
    expect(result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.nodes.map((n) => n.html).join(' | ')}`)).toEqual([]);
    fireEvent.keyDown(dialog, { key: 'Escape' });
    expect(onDone).toHaveBeenCalled();
  });
});
