// @vitest-environment happy-dom
/**
 * The question before a live session ends, as the user meets it: the safe choice (Cancel) has
 * the focus, so Enter out of habit keeps the session; Escape cancels; Tab reaches the
 * destructive button; the focus goes back where it was.
 */
import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConfirmDialog } from '../../../../app/renderer/components/ConfirmDialog';
import { useConfirmStore } from '../../../../app/renderer/stores/useConfirmStore';
import { ConfirmHost } from '../../../../app/renderer/workspace/ConfirmHost';

afterEach(cleanup);

describe('ConfirmDialog', () => {
  it('is an alertdialog named by its question, with Cancel focused; Escape and Cancel cancel, the button confirms', () => {
    const onConfirm = vi.fn();
    const onCancel = vi.fn();
    const before = document.createElement('button');
    document.body.append(before);
    before.focus();
    const { unmount } = render(<ConfirmDialog title="Close Terminal 1 on hl-target?" body="Its shell is still running." confirmLabel="Close tab" onConfirm={onConfirm} onCancel={onCancel} />);
    const dialog = screen.getByRole('alertdialog', { name: 'Close Terminal 1 on hl-target?' });
    expect(dialog.getAttribute('aria-modal')).toBe('true');
    expect(dialog.getAttribute('aria-describedby')).toBe(screen.getByText('Its shell is still running.').id);
    const cancel = screen.getByRole('button', { name: 'Cancel' });
    expect(document.activeElement).toBe(cancel);
    // Enter on the focused Cancel presses Cancel, the safe choice (a real Enter: test/e2e/badMoments.test.ts).
    fireEvent.click(cancel);
    expect(onCancel).toHaveBeenCalledTimes(1);
    fireEvent.keyDown(dialog, { key: 'Escape' });
    expect(onCancel).toHaveBeenCalledTimes(2);
    expect(onConfirm).not.toHaveBeenCalled();
    // Tab from Cancel (the last button) wraps to the destructive one.
    const confirm = screen.getByRole('button', { name: 'Close tab' });
    fireEvent.keyDown(dialog, { key: 'Tab' });
    expect(document.activeElement).toBe(confirm);
    fireEvent.click(confirm);
    expect(onConfirm).toHaveBeenCalledTimes(1);
    unmount();
    expect(document.activeElement).toBe(before);
    before.remove();
  });
});

describe('ConfirmHost', () => {
  it('shows the store\'s question and answers it', async () => {
    render(<ConfirmHost />);
    expect(screen.queryByRole('alertdialog')).toBeNull();
    let answer: Promise<boolean> = Promise.resolve(false);
    act(() => void (answer = useConfirmStore.getState().ask({ kind: 'disconnect', title: 'Disconnect 2 terminals on prod-db?', body: 'Their shells end.', confirmLabel: 'Disconnect' })));
    const dialog = screen.getByRole('alertdialog', { name: 'Disconnect 2 terminals on prod-db?' });
    expect(screen.getByTestId('confirm-disconnect')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Disconnect' }));
    await expect(answer).resolves.toBe(true);
    expect(dialog.isConnected).toBe(false);
  });
});
