// @vitest-environment happy-dom
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { HostKeyDialog } from '../../../../../app/renderer/features/dialogs/HostKeyDialog';
import { HostKeyWarningDialog } from '../../../../../app/renderer/features/dialogs/HostKeyWarningDialog';
import { hostKeyRequest } from '../../prompts';
import { hasControlChars } from '../../controlChars';

afterEach(cleanup);

describe('HostKeyDialog (unknown key)', () => {
  it('shows the hop, host:port, key type and fingerprint, with focus on Reject', () => {
    render(<HostKeyDialog request={hostKeyRequest()} error={null} onDecide={vi.fn()} />);
    expect(screen.getByRole('dialog', { name: /Unknown host key.*hop 2 of 3 · inner/ })).toBeTruthy();
    expect(screen.getByText('10.0.0.2:22')).toBeTruthy();
    expect(screen.getByText('ssh-ed25519')).toBeTruthy();
    expect(screen.getByTestId('host-key-fingerprint').textContent).toBe('SHA256:abcDEF123');
    expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Reject' }));
  });

  it.each([
    ['Accept once', 'accept-once'],
    ['Accept and save', 'accept-and-save'],
    ['Reject', 'reject'],
  ])('"%s" decides %s', (button, decision) => {
    const onDecide = vi.fn();
    render(<HostKeyDialog request={hostKeyRequest()} error={null} onDecide={onDecide} />);
    fireEvent.click(screen.getByRole('button', { name: button }));
    expect(onDecide).toHaveBeenCalledExactlyOnceWith(decision);
  });

  it('rejects on Escape', () => {
    const onDecide = vi.fn();
    render(<HostKeyDialog request={hostKeyRequest()} error={null} onDecide={onDecide} />);
    fireEvent.keyDown(screen.getByRole('dialog'), { key: 'Escape' });
    expect(onDecide).toHaveBeenCalledExactlyOnceWith('reject');
  });

  it('warns when other key types are already known', () => {
    render(<HostKeyDialog request={hostKeyRequest({ hostKey: { host: 'h', port: 22, type: 'ssh-rsa', sha256: 'SHA256:x', otherKnownTypes: ['ssh-ed25519'] } })} error={null} onDecide={vi.fn()} />);
    expect(screen.getByText(/Keys of type ssh-ed25519 are already saved/)).toBeTruthy();
  });
});

describe('HostKeyWarningDialog (changed or revoked key)', () => {
  const changed = {
    circuitId: 'c1',
    hopCount: 3,
    error: { code: 'HOST_KEY_CHANGED' as const, message: 'The host key of 10.0.0.2:22 changed: was SHA256:old, now SHA256:new\x1b[2J', hop: { index: 1, name: 'inner' } },
  };

  it('blocks with the hop and the message, and offers no way to accept', () => {
    const onClose = vi.fn();
    render(<HostKeyWarningDialog alert={changed} onClose={onClose} />);
    const dialog = screen.getByRole('alertdialog', { name: /Host key changed.*hop 2 \(inner\)/ });
    expect(dialog.getAttribute('aria-modal')).toBe('true');
    expect(dialog.textContent).toContain('was SHA256:old, now SHA256:new\\x1b[2J');
    expect(hasControlChars(dialog.textContent ?? '')).toBe(false);
    expect(screen.getAllByRole('button').map((b) => b.textContent)).toEqual(['Close']);
    expect(screen.queryByRole('button', { name: /accept/i })).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: 'Close' }));
    expect(onClose).toHaveBeenCalledOnce();
  });

  it('names a revoked key as revoked, says plainly why there is no way around it, and offers none', () => {
    render(<HostKeyWarningDialog alert={{ ...changed, error: { ...changed.error, code: 'HOST_KEY_REVOKED' } }} onClose={vi.fn()} />);
    const dialog = screen.getByRole('alertdialog', { name: /Host key revoked.*hop 2 \(inner\)/ });
    expect(dialog.textContent).toMatch(/A revoked key can never be trusted again, so there is no way to accept it/);
    expect(screen.getAllByRole('button').map((b) => b.textContent)).toEqual(['Close']);
    expect(screen.queryByRole('textbox')).toBeNull();
  });
});
