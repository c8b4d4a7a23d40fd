// @vitest-environment happy-dom
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Banners } from '../../../../../app/renderer/features/shell/Banners';
import { useCredentialsStore } from '../../../../../app/renderer/stores/useCredentialsStore';
import { useProfilesStore } from '../../../../../app/renderer/stores/useProfilesStore';

vi.mock('../../../../../app/renderer/rpc', async () => (await import('../../fakeRpc')).rpcModule);

const SENTENCE = "Hopline can't reach your system keychain (Secret Service), so passwords can't be saved: any you choose to remember are kept in memory until Hopline quits, never on disk.";
const DBUS = 'no D-Bus session to reach a Secret Service (Could not connect: No such file or directory)';

beforeEach(() => {
  useCredentialsStore.setState({ status: { backend: 'session-memory', unavailableReason: SENTENCE, unavailableDetail: DBUS }, dismissedReason: null });
  useProfilesStore.setState({ storeProblem: null, storeProblemDismissed: false });
});
afterEach(cleanup);

describe('Banners: no keychain', () => {
  it('says it in one plain sentence; the D-Bus text only once Details is opened', () => {
    render(<Banners />);
    const banner = screen.getByRole('status');
    expect(banner.textContent).toContain(SENTENCE);
    expect(banner.textContent).not.toContain('Could not connect');
    fireEvent.click(screen.getByText('Details'));
    expect(screen.getByTestId('error-details-text').textContent).toBe(`Detail: ${DBUS}`);
  });

  it('has no Details when there is nothing raw behind the sentence', () => {
    useCredentialsStore.setState({ status: { backend: 'session-memory', unavailableReason: 'Saving secrets in the keychain is turned off.' } });
    render(<Banners />);
    expect(screen.getByRole('status').textContent).toBe('Saving secrets in the keychain is turned off.Dismiss');
    expect(screen.queryByText('Details')).toBeNull();
  });

  it('is dismissed once, for this reason', () => {
    render(<Banners />);
    fireEvent.click(screen.getByRole('button', { name: 'Dismiss' }));
    expect(screen.queryByRole('status')).toBeNull();
  });
});
