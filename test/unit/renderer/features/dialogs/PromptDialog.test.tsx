// @vitest-environment happy-dom
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { PromptDialog } from '../../../../../app/renderer/features/dialogs/PromptDialog';
import { promptRequest } from '../../prompts';
import { hasControlChars } from '../../controlChars';

afterEach(cleanup);

function renderDialog(request = promptRequest(), rememberLabel = 'Remember in keychain') {
  const onAnswer = vi.fn(async (_answers: string[], _remember: boolean[]) => undefined);
  const onCancel = vi.fn();
  const view = render(<PromptDialog request={request} rememberLabel={rememberLabel} error={null} onAnswer={onAnswer} onCancel={onCancel} />);
  return { ...view, onAnswer, onCancel };
}

describe('PromptDialog', () => {
  it('after a rejection, says what the hop rejected before anything else, counts the attempt, and keeps the focus in the answer', () => {
    renderDialog(
      promptRequest({
        prompts: [{ text: 'Verification code:', echo: false, remember: 'never' }],
        rejection: { message: 'Hop 1 (bastion-mfa) rejected the verification code. Enter a new code.', detail: 'The server does not say which answer was wrong.' },
        attempt: { number: 2, of: 3 },
      }),
    );
    const notice = screen.getByTestId('prompt-rejection');
    expect(notice.textContent).toBe('Hop 1 (bastion-mfa) rejected the verification code. Enter a new code.The server does not say which answer was wrong.');
    expect(screen.getByText('hop 1 of 3 · bastion-mfa · round 2 · attempt 2 of 3')).toBeTruthy();
    // Announced with the dialog, since the focus goes straight to the field.
    expect(screen.getByRole('dialog').getAttribute('aria-describedby')?.split(' ')).toContain(notice.id);
    expect(document.activeElement).toBe(screen.getByLabelText('Verification code:'));
  });

  it('shows no rejection notice on a first question', () => {
    renderDialog();
    expect(screen.queryByTestId('prompt-rejection')).toBeNull();
  });

  it('is a modal dialog named with its hop, with every prompt of the round', () => {
    renderDialog();
    const dialog = screen.getByRole('dialog');
    expect(dialog.getAttribute('aria-modal')).toBe('true');
    expect(screen.getByText('hop 1 of 3 · bastion-mfa · round 2')).toBeTruthy();
    expect(screen.getByText('Enter your password, then the code from your phone.')).toBeTruthy();
    expect(screen.getByLabelText('Password:')).toBeTruthy();
    expect(screen.getByLabelText('Verification code:')).toBeTruthy();
    // Focus starts in the first answer.
    expect(document.activeElement).toBe(screen.getByLabelText('Password:'));
  });

  it('masks answers that must not echo, with a show toggle', () => {
    renderDialog();
    const password = screen.getByLabelText('Password:') as HTMLInputElement;
    expect(password.type).toBe('password');
    const [show] = screen.getAllByRole('button', { name: 'Show' });
    expect(show!.getAttribute('aria-pressed')).toBe('false');
    fireEvent.click(show!);
    expect(password.type).toBe('text');
    expect(screen.getAllByRole('button', { name: 'Hide' })[0]!.getAttribute('aria-pressed')).toBe('true');
    fireEvent.click(screen.getByRole('button', { name: 'Hide' }));
    expect(password.type).toBe('password');
  });

  it('shows echoed prompts in the clear, without a toggle', () => {
    renderDialog(promptRequest({ prompts: [{ text: 'Username: ', echo: true, remember: 'never' }] }));
    expect((screen.getByLabelText('Username:') as HTMLInputElement).type).toBe('text');
    expect(screen.queryByRole('button', { name: 'Show' })).toBeNull();
  });

  it('offers "remember" only for prompts that offer it, labelled after where it goes', () => {
    renderDialog();
    expect(screen.getAllByRole('checkbox')).toHaveLength(1);
    expect(screen.getByRole('checkbox', { name: 'Remember in keychain' })).toBeTruthy();
    cleanup();
    renderDialog(promptRequest(), 'Remember for this session');
    expect(screen.getByRole('checkbox', { name: 'Remember for this session' })).toBeTruthy();
    cleanup();
    renderDialog(promptRequest({ prompts: [{ text: 'Code: ', echo: false, remember: 'never' }] }));
    expect(screen.queryByRole('checkbox')).toBeNull();
  });

  it('answers once with every answer and remember flag, then clears its inputs', async () => {
    const { onAnswer } = renderDialog();
    fireEvent.change(screen.getByLabelText('Password:'), { target: { value: 'hunter2' } });
    fireEvent.change(screen.getByLabelText('Verification code:'), { target: { value: '123456' } });
    fireEvent.click(screen.getByRole('checkbox', { name: 'Remember in keychain' }));
    fireEvent.click(screen.getByRole('button', { name: 'Answer' }));
    expect(onAnswer).toHaveBeenCalledTimes(1);
    expect(onAnswer).toHaveBeenCalledWith(['hunter2', '123456'], [true, false]);
    await waitFor(() => expect((screen.getByLabelText('Password:') as HTMLInputElement).value).toBe(''));
    expect((screen.getByLabelText('Verification code:') as HTMLInputElement).value).toBe('');
  });

  it('cancels with the button and with Escape', () => {
    const { onCancel } = renderDialog();
    fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    fireEvent.keyDown(screen.getByLabelText('Password:'), { key: 'Escape' });
    expect(onCancel).toHaveBeenCalledTimes(2);
  });

  it('renders hostile server text as inert plain text', () => {
    const { container } = renderDialog(
      promptRequest({
        name: '<img src=x onerror=alert(1)>',
        instructions: '\x1b]0;pwned\x07<b>bold</b>',
        prompts: [{ text: '<img src=x onerror=alert(1)> \x1b[2JPassword: ', echo: false, remember: 'offer' }],
        hop: { index: 0, count: 1, name: '\x1b]0;pwned\x07' },
      }),
    );
    expect(container.ownerDocument.querySelector('img')).toBeNull();
    expect(container.ownerDocument.querySelector('b')).toBeNull();
    const text = screen.getByRole('dialog').textContent ?? '';
    expect(text).toContain('<img src=x onerror=alert(1)>');
    expect(text).toContain('\\x1b]0;pwned\\x07');
    expect(hasControlChars(text)).toBe(false);
  });

  it('shows C1 and bidi controls escaped, and a flood of server text bounded', () => {
    renderDialog(
      promptRequest({
        name: 'login \u009b2J',
        instructions: `\u202eevil\u202c ${'x'.repeat(1_000_000)}`,
        prompts: [{ text: 'Pass\u2066word: ', echo: false, remember: 'never' }],
      }),
    );
    const text = screen.getByRole('dialog').textContent ?? '';
    expect(hasControlChars(text)).toBe(false);
    expect(text).toContain('\\u202e');
    // A megabyte of instructions is not a megabyte of DOM.
    expect(text.length).toBeLessThan(10_000);
  });

  it('keeps Tab inside the dialog', () => {
    renderDialog();
    const cancel = screen.getByRole('button', { name: 'Cancel' });
    cancel.focus();
    fireEvent.keyDown(cancel, { key: 'Tab' });
    expect(document.activeElement).toBe(screen.getByLabelText('Password:'));
    fireEvent.keyDown(document.activeElement!, { key: 'Tab', shiftKey: true });
    expect(document.activeElement).toBe(cancel);
  });
});
