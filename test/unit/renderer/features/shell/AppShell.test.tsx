// @vitest-environment happy-dom
import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { App } from '../../../../../app/renderer/App';
import { usePaletteStore } from '../../../../../app/renderer/stores/usePaletteStore';
import { fake } from '../../fakeRpc';
import { hostSummary } from '../../hosts';
import { promptRequest } from '../../prompts';
import { startStores } from '../../../../../app/renderer/stores/startStores';
import { stubElementSizes } from '../../fakeLayout';

vi.mock('../../../../../app/renderer/rpc', async () => (await import('../../fakeRpc')).rpcModule);

// The stores' feeds (contract events, the link's state), as main.tsx starts them.
let stopStores: () => void;
beforeAll(() => {
  stopStores = startStores();
});
afterAll(() => stopStores());

afterEach(cleanup);

stubElementSizes();

describe('the composed window', () => {
  it('loads every list when the link opens, picks up a waiting question, and says what to do when nothing is open', async () => {
    fake.rpc.hosts.list.mockResolvedValue([hostSummary('bastion'), hostSummary('target')]);
    fake.rpc.prompts.outstanding.mockResolvedValue([promptRequest()]);
    render(<App />);
    act(() => fake.events.connection.fire('open'));
    await waitFor(() => expect(screen.getByTestId('connection-state').getAttribute('data-state')).toBe('open'));
    for (const call of [fake.rpc.hosts.list, fake.rpc.profiles.list, fake.rpc.profiles.storeStatus, fake.rpc.credentials.status, fake.rpc.credentials.listKinds, fake.rpc.circuits.list, fake.rpc.prompts.outstanding, fake.rpc.settings.get]) {
      expect(call).toHaveBeenCalled();
    }
    // A question asked before the window loaded is picked up.
    expect(await screen.findByRole('dialog', { name: /round 2/ })).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());

    // One heading says Hopline; the diagnostics ping lives in Settings, not in the main view.
    expect(screen.getAllByRole('heading').filter((h) => /hopline/i.test(h.textContent ?? ''))).toHaveLength(1);
    expect(screen.queryByRole('button', { name: 'Ping main process' })).toBeNull();
    // Nothing is wrong before the user acts, and the status bar claims no connection.
    // (The dock keeps an empty live region with role=alert for its own announcements.)
    expect(screen.queryAllByRole('alert').filter((a) => a.textContent?.trim())).toEqual([]);
    expect(screen.getByTestId('status-circuits').textContent).toMatch(/0 circuits open/);
  });

  it('the library connects a saved host with Enter; the title bar opens the palette; the sidebar collapses', async () => {
    fake.rpc.hosts.list.mockResolvedValue([hostSummary('bastion'), hostSummary('target')]);
    fake.rpc.prompts.outstanding.mockResolvedValue([]);
    render(<App />);
    act(() => fake.events.connection.fire('open'));
    const row = await screen.findByRole('treeitem', { name: /^target/ });
    fireEvent.keyDown(row, { key: 'Enter' });
    await waitFor(() => expect(fake.rpc.circuits.open).toHaveBeenCalledWith(expect.objectContaining({ hostIds: ['target'] })));

    fireEvent.click(screen.getByRole('button', { name: /Quick connect or run a command/ }));
    expect(usePaletteStore.getState().open).toBe(true);
    act(() => usePaletteStore.getState().hide());

    fireEvent.click(screen.getByRole('button', { name: 'Hide sidebar' }));
    await waitFor(() => expect(screen.queryByRole('navigation', { name: 'Library' })).toBeNull());
    await waitFor(() => expect(fake.rpc.settings.update).toHaveBeenCalledWith({ sidebarCollapsed: true }));
  });
});
