// @vitest-environment happy-dom
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LinkDialog } from '../../../../../app/renderer/features/terminals/LinkDialog';

afterEach(cleanup);

describe('LinkDialog', () => {
  it('shows the full URL and opens it only on "Open link"; Cancel has the focus', () => {
    const onOpen = vi.fn();
    const onCancel = vi.fn();
    render(<LinkDialog uri="https://example.com/a/very/long/path?with=query#and-fragment" onOpen={onOpen} onCancel={onCancel} />);
    const dialog = screen.getByRole('dialog', { name: 'Open this link?' });
    expect(screen.getByTestId('link-url').textContent).toBe('https://example.com/a/very/long/path?with=query#and-fragment');
    expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Cancel' }));
    fireEvent.keyDown(dialog, { key: 'Escape' });
    expect(onCancel).toHaveBeenCalledOnce();
    fireEvent.click(screen.getByRole('button', { name: 'Open link' }));
    expect(onOpen).toHaveBeenCalledWith('https://example.com/a/very/long/path?with=query#and-fragment');
  });

  it('refuses anything but http(s), showing what was refused as inert text', () => {
    const onOpen = vi.fn();
    render(<LinkDialog uri={'javascript:alert(1)\x1b[2J'} onOpen={onOpen} onCancel={() => undefined} />);
    expect(screen.getByRole('alertdialog', { name: 'This link is not opened' })).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Open link' })).toBeNull();
    expect(screen.getByText('javascript:alert(1)\\x1b[2J')).toBeTruthy();
  });
});
