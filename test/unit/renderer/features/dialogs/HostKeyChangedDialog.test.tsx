// @vitest-environment happy-dom
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { HostKeyDialog } from '../../../../../app/renderer/features/dialogs/HostKeyDialog';
import type { PromptRequest, SavedHostKey } from '../../../../../app/shared/model/prompt';
import { hasControlChars } from '../../controlChars';
import { hostKeyRequest } from '../../prompts';

afterEach(cleanup);

const saved: SavedHostKey = { type: 'ssh-ed25519', sha256: 'SHA256:OLDoldOLD', file: '~/.config/Hopline/known_hosts', line: 4, owner: 'hopline', hashed: false, otherNames: [] };

function changedRequest(savedKeys: SavedHostKey[] = [saved], over: Partial<PromptRequest> = {}): PromptRequest {
  return hostKeyRequest({
    hop: { index: 1, count: 3, name: 'bastion-key' },
    hostKey: { host: '198.18.2.2', port: 22, type: 'ssh-ed25519', sha256: 'SHA256:NEWnewNEW', otherKnownTypes: [], changed: { saved: savedKeys } },
    ...over,
  });
}

const replaceButton = () => screen.getByRole('button', { name: 'Replace the saved key' }) as HTMLButtonElement;
const confirmField = () => screen.getByRole('textbox', { name: /Type bastion-key to confirm/ });

describe('HostKeyDialog with a changed key', () => {
  it('shows the saved and presented keys side by side, the hop, what it can mean and where the saved key is', () => {
    render(<HostKeyDialog request={changedRequest()} error={null} onDecide={vi.fn()} />);
    const dialog = screen.getByRole('dialog', { name: /Host key changed.*hop 2 \(bastion-key\) · 198\.18\.2\.2:22/ });
    const savedCard = screen.getByRole('region', { name: 'Saved key' });
    const presentedCard = screen.getByRole('region', { name: 'Presented now' });
    expect(savedCard.textContent).toContain('SHA256:OLDoldOLD');
    expect(presentedCard.textContent).toContain('SHA256:NEWnewNEW');
    expect(screen.getByTestId('saved-where').textContent).toBe('~/.config/Hopline/known_hosts, line 4 (Hopline\u2019s known_hosts)');
    expect(dialog.textContent).toMatch(/reinstalled/);
    expect(dialog.textContent).toMatch(/rotated/);
    expect(dialog.textContent).toMatch(/intercepting/);
    // The safe choice has the focus: a reflexive Enter does not replace anything.
    expect(document.activeElement).toBe(screen.getByRole('button', { name: "Don't connect" }));
    expect(screen.queryByRole('button', { name: /accept/i })).toBeNull();
  });

  it('keeps "Replace" off until the hop\'s name is typed exactly, then decides replace', () => {
    const onDecide = vi.fn();
    render(<HostKeyDialog request={changedRequest()} error={null} onDecide={onDecide} />);
    expect(replaceButton().disabled).toBe(true);
    for (const wrong of ['bastion', 'Bastion-key', '198.18.2.2']) {
      fireEvent.change(confirmField(), { target: { value: wrong } });
      expect(replaceButton().disabled).toBe(true);
    }
    expect(screen.getByText('The name does not match yet.')).toBeTruthy();
    fireEvent.click(replaceButton());
    expect(onDecide).not.toHaveBeenCalled();
    fireEvent.change(confirmField(), { target: { value: 'bastion-key' } });
    expect(replaceButton().disabled).toBe(false);
    fireEvent.click(replaceButton());
    expect(onDecide).toHaveBeenCalledExactlyOnceWith('replace');
  });

  it('a saved key in the user\'s own file needs a second confirmation naming that file', () => {
    const onDecide = vi.fn();
    const user: SavedHostKey = { ...saved, file: '~/.ssh/known_hosts', line: 12, owner: 'user', hashed: true };
    render(<HostKeyDialog request={changedRequest([user])} error={null} onDecide={onDecide} />);
    expect(screen.getByTestId('saved-where').textContent).toBe('~/.ssh/known_hosts, line 12 (your own known_hosts, which ssh reads too); the line names the host by hash');
    fireEvent.change(confirmField(), { target: { value: 'bastion-key' } });
    expect(replaceButton().disabled).toBe(true);
    fireEvent.click(screen.getByRole('checkbox', { name: /Also edit ~\/\.ssh\/known_hosts/ }));
    expect(replaceButton().disabled).toBe(false);
    fireEvent.click(replaceButton());
    expect(onDecide).toHaveBeenCalledExactlyOnceWith('replace-in-user-file');
  });

  it('says which other names a multi-name line forgets', () => {
    render(<HostKeyDialog request={changedRequest([{ ...saved, otherNames: ['bastion-key.corp', '10.1.2.3'] }])} error={null} onDecide={vi.fn()} />);
    expect(screen.getByTestId('saved-where').textContent).toMatch(/also names bastion-key\.corp, 10\.1\.2\.3, which replacing forgets too/);
  });

  it.each([
    ['"Don\'t connect"', () => fireEvent.click(screen.getByRole('button', { name: "Don't connect" }))],
    ['Escape', () => fireEvent.keyDown(screen.getByRole('dialog'), { key: 'Escape' })],
  ])('%s rejects', (_what, act) => {
    const onDecide = vi.fn();
    render(<HostKeyDialog request={changedRequest()} error={null} onDecide={onDecide} />);
    act();
    expect(onDecide).toHaveBeenCalledExactlyOnceWith('reject');
  });

  it('shows the hop name and file names as plain text', () => {
    render(<HostKeyDialog request={changedRequest([{ ...saved, file: '~/x\u001b[2J' }], { hop: { index: 1, count: 3, name: 'evil\u001b]0;x\u0007' } })} error={null} onDecide={vi.fn()} />);
    expect(hasControlChars(screen.getByRole('dialog').textContent ?? '')).toBe(false);
  });
});
