// @vitest-environment happy-dom
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { HostForm } from '../../../../../app/renderer/features/hosts/HostForm';
import { toForm } from '../../../../../app/renderer/features/hosts/hostFormModel';
import type { HostInput } from '../../../../../app/shared/model/host';
import { hostSummary } from '../../hosts';

afterEach(cleanup);

function type(label: string, value: string) {
  fireEvent.change(screen.getByLabelText(label), { target: { value } });
}

describe('HostForm', () => {
  it('saves a new host with its settings in order', async () => {
    const onSave = vi.fn(async (_input: HostInput) => undefined);
    render(<HostForm initial={toForm()} onSave={onSave} onCancel={vi.fn()} />);
    type('Name', 'bastion');
    type('Address', '10.0.0.1');
    type('Port', '2222');
    type('User', 'ops');
    // Put password first, then drop the keyboard-interactive method.
    fireEvent.click(screen.getByRole('button', { name: 'Move method 3 up' }));
    fireEvent.click(screen.getByRole('button', { name: 'Move method 2 up' }));
    fireEvent.click(screen.getByRole('button', { name: 'Remove method 3' }));
    type('Key file path for method 2', '~/.ssh/work');
    fireEvent.click(screen.getByRole('checkbox', { name: 'Forward SSH agent' }));
    type('Keepalive interval (s)', '30');
    type('Connect timeout (s)', '5');
    fireEvent.change(screen.getByLabelText('Proxy'), { target: { value: 'http' } });
    type('Proxy host', 'proxy.corp');
    type('Proxy username (optional)', 'me');
    fireEvent.click(screen.getByRole('button', { name: 'Save host' }));
    await waitFor(() => expect(onSave).toHaveBeenCalledOnce());
    expect(onSave.mock.calls[0]![0]).toEqual({
      name: 'bastion',
      address: '10.0.0.1',
      port: 2222,
      user: 'ops',
      auth: [{ kind: 'password' }, { kind: 'publickey', keyFile: '~/.ssh/work' }],
      agentForward: true,
      keepaliveIntervalSec: 30,
      keepaliveCountMax: 3,
      connectTimeoutSec: 5,
      proxy: { kind: 'http', host: 'proxy.corp', port: 3128, username: 'me' },
    });
  });

  it('a key method carries a labelled certificate file right after its key; it is kept when the key changes, and emptied it is gone', async () => {
    const onSave = vi.fn(async (_input: HostInput) => undefined);
    const host = hostSummary('db', { auth: [{ kind: 'agent' }, { kind: 'publickey', keyFile: '~/.ssh/id_ed25519', certificateFile: '~/.ssh/ca/db-cert.pub' }] });
    render(<HostForm initial={toForm(host)} onSave={onSave} onCancel={vi.fn()} />);
    // Only key methods have one: method 1 is the agent.
    expect(screen.queryByLabelText('Certificate file for method 1')).toBeNull();
    const key = screen.getByLabelText('Key file path for method 2');
    const certificate = screen.getByLabelText<HTMLInputElement>('Certificate file for method 2');
    expect(certificate.value).toBe('~/.ssh/ca/db-cert.pub');
    // Next in the document (so in the Tab order) after its key.
    const between = [...document.querySelectorAll('input, select, button')];
    expect(between.indexOf(certificate)).toBe(between.indexOf(key) + 1);

    type('Key file path for method 2', '~/.ssh/id_db');
    type('Certificate file for method 2', '  ~/.ssh/id_db-cert.pub ');
    fireEvent.click(screen.getByRole('button', { name: 'Save host' }));
    await waitFor(() => expect(onSave).toHaveBeenCalledOnce());
    expect(onSave.mock.calls[0]![0].auth).toEqual([{ kind: 'agent' }, { kind: 'publickey', keyFile: '~/.ssh/id_db', certificateFile: '~/.ssh/id_db-cert.pub' }]);

    type('Certificate file for method 2', '');
    fireEvent.click(screen.getByRole('button', { name: 'Save host' }));
    await waitFor(() => expect(onSave).toHaveBeenCalledTimes(2));
    expect(onSave.mock.calls[1]![0].auth).toEqual([{ kind: 'agent' }, { kind: 'publickey', keyFile: '~/.ssh/id_db' }]);
  });

  it('shows field errors and does not save', () => {
    const onSave = vi.fn();
    render(<HostForm initial={toForm()} onSave={onSave} onCancel={vi.fn()} />);
    fireEvent.click(screen.getByRole('button', { name: 'Save host' }));
    expect(onSave).not.toHaveBeenCalled();
    expect(screen.getByLabelText('Name').getAttribute('aria-invalid')).toBe('true');
    expect(screen.getByText('A host needs an address.')).toBeTruthy();
  });

  it('shows the ProxyCommand field only for a ProxyCommand', () => {
    render(<HostForm initial={toForm()} onSave={vi.fn()} onCancel={vi.fn()} />);
    expect(screen.queryByLabelText('Proxy command')).toBeNull();
    fireEvent.change(screen.getByLabelText('Proxy'), { target: { value: 'command' } });
    expect(screen.getByLabelText('Proxy command')).toBeTruthy();
    expect(screen.queryByLabelText('Proxy host')).toBeNull();
  });

  it('shows a refusal from the main side', async () => {
    const { HoplineError } = await import('../../../../../app/shared/model/errors');
    render(<HostForm initial={toForm(hostSummary('a'))} onSave={() => Promise.reject(new HoplineError('INVALID_ARGUMENT', 'name taken'))} onCancel={vi.fn()} />);
    fireEvent.click(screen.getByRole('button', { name: 'Save host' }));
    expect((await screen.findByRole('alert')).textContent).toBe('Name taken.');
  });
});
