// @vitest-environment happy-dom
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ErrorMessage } from '../../../../app/renderer/components/ErrorMessage';
import { HoplineError } from '../../../../app/shared/model/errors';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const cancelled = new HoplineError('PROMPT_CANCELLED', 'PROMPT_CANCELLED', { index: 0, name: 'bastion-mfa' });
const unreachable = { code: 'HOP_UNREACHABLE' as const, message: 'hop 3 (target) at ops@10.0.3.3:22 is unreachable from hop 2 (inner)', hop: { index: 2, name: 'target' }, detail: 'hop 2 (inner) said: open failed' };

function details(): HTMLDetailsElement {
  return screen.getByText('Details').closest('details')!;
}

describe('ErrorMessage', () => {
  it('shows one plain sentence naming the hop, and nothing raw until Details is opened', () => {
    render(<ErrorMessage error={cancelled} role="alert" />);
    const alert = screen.getByRole('alert');
    expect(alert.textContent).toBe('You cancelled sign-in to hop 1 (bastion-mfa).Details');
    expect(details().open).toBe(false);
    // Closed: the code is not in the page at all, so neither eyes nor a screen reader meet it.
    expect(screen.queryByTestId('error-details-text')).toBeNull();
    expect(screen.queryByRole('button', { name: /copy/i })).toBeNull();
  });

  it('opens Details from its summary to show the code, the message as sent and the raw detail', async () => {
    render(<ErrorMessage error={unreachable} />);
    expect(screen.getByText('Hop 3 (target) at ops@10.0.3.3:22 is unreachable from hop 2 (inner).')).toBeTruthy();
    expect(document.body.textContent).not.toContain('open failed');
    fireEvent.click(screen.getByText('Details'));
    expect(details().open).toBe(true);
    const text = await screen.findByTestId('error-details-text');
    expect(text.textContent).toContain('Code: HOP_UNREACHABLE');
    expect(text.textContent).toContain('Detail: hop 2 (inner) said: open failed');
    fireEvent.click(screen.getByText('Details'));
    await waitFor(() => expect(screen.queryByTestId('error-details-text')).toBeNull());
  });

  it('is reached by keyboard: the summary is the disclosure control, Copy a real button', async () => {
    render(<ErrorMessage error={unreachable} />);
    const summary = screen.getByText('Details');
    // A native <summary>: browsers focus it with Tab and toggle it with Enter and Space (checked in Chromium by the e2e test).
    expect(summary.tagName).toBe('SUMMARY');
    expect(summary.parentElement!.tagName).toBe('DETAILS');
    details().open = true;
    const copy = await screen.findByRole('button', { name: 'Copy error details' });
    expect(copy.tagName).toBe('BUTTON');
    expect(copy.getAttribute('type')).toBe('button');
  });

  it('copies the details text, and says so', async () => {
    const writeText = vi.fn(async (_text: string) => undefined);
    vi.stubGlobal('navigator', { ...navigator, clipboard: { writeText } });
    render(<ErrorMessage error={unreachable} />);
    fireEvent.click(screen.getByText('Details'));
    fireEvent.click(await screen.findByRole('button', { name: 'Copy error details' }));
    await waitFor(() => expect(writeText).toHaveBeenCalledOnce());
    expect(writeText.mock.calls[0]![0]).toContain('Code: HOP_UNREACHABLE');
    expect((await screen.findByRole('status')).textContent).toBe('Copied.');
  });

  it('says where to copy from when there is no clipboard', async () => {
    vi.stubGlobal('navigator', { ...navigator, clipboard: { writeText: () => Promise.reject(new Error('denied')) } });
    render(<ErrorMessage error={unreachable} />);
    fireEvent.click(screen.getByText('Details'));
    fireEvent.click(await screen.findByRole('button', { name: 'Copy error details' }));
    expect((await screen.findByRole('status')).textContent).toMatch(/select the text above/);
  });

  it('an error that is not ours gets a generic sentence, its text only under Details', async () => {
    render(<ErrorMessage error={new TypeError('cannot read x of undefined')} />);
    expect(document.body.textContent).not.toContain('cannot read');
    fireEvent.click(screen.getByText('Details'));
    expect((await screen.findByTestId('error-details-text')).textContent).toBe('Message: cannot read x of undefined');
  });
});
