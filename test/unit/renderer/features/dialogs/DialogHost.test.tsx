// @vitest-environment happy-dom
import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { DialogHost } from '../../../../../app/renderer/features/dialogs/DialogHost';
import { useCircuitsStore } from '../../../../../app/renderer/stores/useCircuitsStore';
import { useCredentialsStore } from '../../../../../app/renderer/stores/useCredentialsStore';
import { usePromptsStore } from '../../../../../app/renderer/stores/usePromptsStore';
import { fake } from '../../fakeRpc';
import { hostKeyRequest, promptRequest } from '../../prompts';
import { startStores } from '../../../../../app/renderer/stores/startStores';

vi.mock('../../../../../app/renderer/rpc', async () => (await import('../../fakeRpc')).rpcModule);

// The stores' feeds (contract events, the link's state), as main.tsx starts them.
let stopStores: () => void;
beforeAll(() => {
  stopStores = startStores();
});
afterAll(() => stopStores());

beforeEach(() => {
  usePromptsStore.setState({ requests: [], settledIds: [], error: null });
  useCircuitsStore.setState({ hostKeyAlerts: [], dismissedAlerts: [], circuits: {} });
  useCredentialsStore.setState({ status: { backend: 'keychain', unavailableReason: null } });
  vi.clearAllMocks();
});
afterEach(cleanup);

describe('DialogHost driven by the prompts store', () => {
  it('shows nothing without a question', () => {
    render(<DialogHost />);
    expect(screen.queryByRole('dialog')).toBeNull();
  });

  it('asks about an unknown host key and sends the decision', async () => {
    render(<DialogHost />);
    act(() => fake.events.promptRequested.fire(hostKeyRequest()));
    fireEvent.click(screen.getByRole('button', { name: 'Accept and save' }));
    await waitFor(() => expect(fake.rpc.prompts.decideHostKey).toHaveBeenCalledExactlyOnceWith('hk1', 'accept-and-save'));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
  });

  it('sends answers once through rpc and keeps only the request in the store', async () => {
    render(<DialogHost />);
    act(() => fake.events.promptRequested.fire(promptRequest()));
    fireEvent.change(screen.getByLabelText('Password:'), { target: { value: 'hunter2' } });
    fireEvent.change(screen.getByLabelText('Verification code:'), { target: { value: '123456' } });
    expect(JSON.stringify(usePromptsStore.getState())).not.toContain('hunter2');
    fireEvent.click(screen.getByRole('button', { name: 'Answer' }));
    await waitFor(() => expect(fake.rpc.prompts.answer).toHaveBeenCalledExactlyOnceWith('p1', ['hunter2', '123456'], [false, false]));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(JSON.stringify(usePromptsStore.getState())).not.toContain('hunter2');
  });

  it('shows a failed answer in the dialog and keeps the question', async () => {
    fake.rpc.prompts.answer.mockRejectedValueOnce(new Error('boom'));
    render(<DialogHost />);
    act(() => fake.events.promptRequested.fire(promptRequest()));
    fireEvent.click(screen.getByRole('button', { name: 'Answer' }));
    expect(await screen.findByRole('alert')).toBeTruthy();
    expect(screen.getByRole('dialog')).toBeTruthy();
  });

  it('cancels through rpc, and closes when the broker settles the question elsewhere', async () => {
    render(<DialogHost />);
    act(() => fake.events.promptRequested.fire(promptRequest()));
    fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    await waitFor(() => expect(fake.rpc.prompts.cancel).toHaveBeenCalledExactlyOnceWith('p1'));
    act(() => fake.events.promptRequested.fire(promptRequest({ id: 'p2' })));
    expect(screen.getByRole('dialog')).toBeTruthy();
    act(() => fake.events.promptSettled.fire({ promptId: 'p2' }));
    expect(screen.queryByRole('dialog')).toBeNull();
  });

  it('labels the remember box for session memory when the keychain is unavailable', () => {
    useCredentialsStore.setState({ status: { backend: 'session-memory', unavailableReason: 'no Secret Service' } });
    render(<DialogHost />);
    act(() => fake.events.promptRequested.fire(promptRequest()));
    expect(screen.getByRole('checkbox', { name: 'Remember for this session' })).toBeTruthy();
  });

  it('blocks with a warning when a circuit fails on a changed host key, ahead of any question', () => {
    render(<DialogHost />);
    act(() => {
      fake.events.promptRequested.fire(promptRequest());
      fake.events.circuitChanged.fire({ id: 'c9', hostIds: ['a', 'b'], profileId: null, hopNames: ['bastion', 'inner'], state: 'opening', error: null });
      fake.events.circuitFailed.fire({ circuitId: 'c9', error: { code: 'HOST_KEY_CHANGED', message: 'was SHA256:old, now SHA256:new', hop: { index: 1, name: 'inner' } } });
    });
    expect(screen.getByRole('alertdialog', { name: /hop 2 \(inner\)/ })).toBeTruthy();
    expect(screen.queryByRole('button', { name: /accept/i })).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: 'Close' }));
    expect(screen.queryByRole('alertdialog')).toBeNull();
    // The waiting question comes next; the closed warning does not come back.
    expect(screen.getByRole('dialog', { name: /round 2/ })).toBeTruthy();
    act(() => fake.events.circuitFailed.fire({ circuitId: 'c9', error: { code: 'HOST_KEY_CHANGED', message: 'again' } }));
    expect(screen.queryByRole('alertdialog')).toBeNull();
  });
});
