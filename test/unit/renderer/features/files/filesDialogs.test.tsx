// @vitest-environment happy-dom
/**
 * The files dialogs on their shared form (components/FormDialog.tsx), as a user meets them: the
 * dialog is named by its title and the field has the focus; Enter submits only what may be
 * submitted; a refusal is shown as an alert naming the hop, with the dialog still open and the
 * focus back in the field; a second Enter while the first is in flight does nothing; Escape and
 * Cancel close; success closes. (happy-dom has no implicit submission, so Enter in a field is the
 * form's submit event here; test/e2e/files.test.ts presses the real key in Chromium.)
 */
import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DownloadToDialog } from '../../../../../app/renderer/features/files/DownloadToDialog';
import { NameDialog } from '../../../../../app/renderer/features/files/NameDialog';
import { HoplineError } from '../../../../../app/shared/model/errors';

afterEach(cleanup);

/** Enter in the focused field: the form's submit, as the browser's implicit submission fires it. */
function pressEnter(): void {
  const form = (document.activeElement as HTMLInputElement).form;
  expect(form).not.toBeNull();
  fireEvent.submit(form!);
}

describe('NameDialog', () => {
  it('Enter on an empty name shows the problem and submits nothing; a name submits once and closes', async () => {
    let finish: () => void = () => undefined;
    const onSubmit = vi.fn(() => new Promise<void>((resolve) => (finish = resolve)));
    const onClose = vi.fn();
    render(<NameDialog title="New folder" label="Folder name" submitLabel="Create" initial="" onSubmit={onSubmit} onClose={onClose} />);
    expect(screen.getByRole('dialog', { name: 'New folder' }).getAttribute('aria-modal')).toBe('true');
    const field = screen.getByLabelText('Folder name');
    expect(document.activeElement).toBe(field);

    pressEnter();
    expect(onSubmit).not.toHaveBeenCalled();
    expect(field.getAttribute('aria-invalid')).toBe('true');
    expect(screen.getByRole('button', { name: 'Create' })).toHaveProperty('disabled', true);

    fireEvent.change(field, { target: { value: 'reports' } });
    expect(screen.getByRole('button', { name: 'Create' })).toHaveProperty('disabled', false);
    pressEnter();
    pressEnter();
    expect(onSubmit).toHaveBeenCalledTimes(1);
    expect(onSubmit).toHaveBeenCalledWith('reports');
    await waitFor(() => expect(screen.getByRole('button', { name: 'Create' })).toHaveProperty('disabled', true));
    expect(onClose).not.toHaveBeenCalled();
    await act(async () => finish());
    expect(onClose).toHaveBeenCalledTimes(1);
  });

  it('a refusal is an alert naming the hop; the dialog stays, the field has the focus, and another try works', async () => {
    const refusal = new HoplineError('PERMISSION_DENIED', 'hop 3 (target) refused: permission denied', { index: 2, name: 'target' });
    const onSubmit = vi.fn().mockRejectedValueOnce(refusal).mockResolvedValueOnce(undefined);
    const onClose = vi.fn();
    render(<NameDialog title="Rename notes.txt" label="New name" submitLabel="Rename" initial="notes.txt" onSubmit={onSubmit} onClose={onClose} />);
    const field = screen.getByLabelText('New name');
    screen.getByRole('button', { name: 'Cancel' }).focus();
    fireEvent.submit(field.closest('form')!);
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toMatch(/^Hop 3 \(target\) refused: permission denied/);
    expect(document.activeElement).toBe(field);
    expect(onClose).not.toHaveBeenCalled();
    expect(screen.getByRole('button', { name: 'Rename' })).toHaveProperty('disabled', false);

    pressEnter();
    await waitFor(() => expect(onClose).toHaveBeenCalledTimes(1));
    expect(onSubmit).toHaveBeenCalledTimes(2);
  });

  it('Escape and Cancel close without submitting', () => {
    const onSubmit = vi.fn(() => Promise.resolve());
    const onClose = vi.fn();
    render(<NameDialog title="New folder" label="Folder name" submitLabel="Create" initial="x" onSubmit={onSubmit} onClose={onClose} />);
    fireEvent.keyDown(screen.getByLabelText('Folder name'), { key: 'Escape' });
    expect(onClose).toHaveBeenCalledTimes(1);
    fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(onClose).toHaveBeenCalledTimes(2);
    expect(onSubmit).not.toHaveBeenCalled();
  });
});

describe('DownloadToDialog', () => {
  it('is described by its line, submits the trimmed folder and the policy, and shows a failed folder picker in the same place', async () => {
    const onSubmit = vi.fn(() => Promise.resolve());
    const onClose = vi.fn();
    const chooseFolder = vi.fn(() => Promise.reject(new Error('the folder picker failed')));
    render(<DownloadToDialog what="2 items" initialFolder="  /home/me/Downloads " hasFolders onSubmit={onSubmit} onClose={onClose} chooseFolder={chooseFolder} />);
    const dialog = screen.getByRole('dialog', { name: 'Download 2 items' });
    expect(document.getElementById(dialog.getAttribute('aria-describedby')!)?.textContent).toBe('Into a folder on this computer; folders come with everything in them.');

    fireEvent.click(screen.getByRole('button', { name: 'Choose…' }));
    // An unexpected error says so in the one sentence every error gets, its words under Details.
    expect((await screen.findByRole('alert')).textContent).toMatch(/^Something went wrong inside Hopline/);
    expect(onClose).not.toHaveBeenCalled();
    expect(dialog.isConnected).toBe(true);

    fireEvent.change(screen.getByLabelText('When a file is already there'), { target: { value: 'resume' } });
    screen.getByLabelText('Folder').focus();
    pressEnter();
    await waitFor(() => expect(onClose).toHaveBeenCalledTimes(1));
    expect(onSubmit).toHaveBeenCalledWith('/home/me/Downloads', 'resume');
  });

  it('an emptied folder cannot be submitted', () => {
    const onSubmit = vi.fn(() => Promise.resolve());
    render(<DownloadToDialog what="notes.txt" initialFolder="/tmp" hasFolders={false} onSubmit={onSubmit} onClose={() => undefined} />);
    const field = screen.getByLabelText('Folder');
    fireEvent.change(field, { target: { value: '   ' } });
    expect(screen.getByRole('button', { name: 'Download' })).toHaveProperty('disabled', true);
    pressEnter();
    expect(onSubmit).not.toHaveBeenCalled();
  });
});
