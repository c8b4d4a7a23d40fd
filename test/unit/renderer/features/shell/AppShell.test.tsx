// @vitest-environment happy-dom
import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { App } from '../../../../../app/renderer/App';
import { fake } from '../../fakeRpc';
import { hostSummary } from '../../hosts';
import { promptRequest } from '../../prompts';

vi.mock('../../../../../app/renderer/rpc', async () => (await import('../../fakeRpc')).rpcModule);

afterEach(cleanup);

describe('the composed window', () => {
  it('loads every list when the link opens, and keeps the diagnostics the e2e test drives', async () => {
    fake.rpc.hosts.list.mockResolvedValue([hostSummary('bastion'), hostSummary('target')]);
    fake.rpc.prompts.outstanding.mockResolvedValue([promptRequest()]);
    render(<App />);
    act(() => fake.events.connection.fire('open'));
    await waitFor(() => expect(screen.getByTestId('connection-state').getAttribute('data-state')).toBe('open'));
    for (const call of [fake.rpc.hosts.list, fake.rpc.profiles.list, fake.rpc.profiles.storeStatus, fake.rpc.credentials.status, fake.rpc.credentials.listKinds, fake.rpc.circuits.list, fake.rpc.prompts.outstanding]) {
      expect(call).toHaveBeenCalled();
    }
    // A question asked before the window loaded is picked up.
    expect(await screen.findByRole('dialog', { name: /round 2/ })).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());

    // Playwright matches names by substring: exactly one heading says Hopline, one button says Ping.
    expect(screen.getAllByRole('heading').filter((h) => /hopline/i.test(h.textContent ?? ''))).toHaveLength(1);
    expect(screen.getAllByRole('button').filter((b) => /ping main process/i.test(b.textContent ?? ''))).toHaveLength(1);
    fireEvent.click(screen.getByRole('button', { name: 'Ping main process' }));
    await waitFor(() => expect(screen.getByTestId('round-trip').textContent).toMatch(/Round trip: [\d.]+ ms/));
    act(() => fake.events.pong.fire({ nonce: 'n', at: 1 }));
    expect(screen.getByTestId('pong-events').querySelectorAll('li')).toHaveLength(1);

    // The library feeds the builder.
    expect(await screen.findByRole('listitem', { name: 'bastion' })).toBeTruthy();
    fireEvent.keyDown(screen.getByRole('listitem', { name: 'bastion' }), { key: 'Enter' });
    expect(screen.getByRole('listitem', { name: 'Hop 1 of 1: bastion' })).toBeTruthy();
    expect((screen.getByRole('button', { name: 'Connect' }) as HTMLButtonElement).disabled).toBe(false);
  });
});
