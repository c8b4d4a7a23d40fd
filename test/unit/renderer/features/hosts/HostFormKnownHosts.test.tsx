// @vitest-environment happy-dom
/** A host imported with UserKnownHostsFile: the editor says where its keys are checked, keeps it, and can go back to ~/.ssh/known_hosts. */
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { HostForm } from '../../../../../app/renderer/features/hosts/HostForm';
import { toForm } from '../../../../../app/renderer/features/hosts/hostFormModel';
import type { HostInput } from '../../../../../app/shared/model/host';
import { hostSummary } from '../../hosts';

afterEach(cleanup);

const imported = hostSummary('bastion', { knownHostsFiles: ['/home/ana/.ssh/known_hosts_corp'] });

describe('HostForm and known_hosts files', () => {
  it('shows the files and keeps them through an edit', async () => {
    const onSave = vi.fn(async (_input: HostInput) => undefined);
    render(<HostForm initial={toForm(imported)} onSave={onSave} onCancel={vi.fn()} />);
    expect(screen.getByText(/Host keys are checked against \/home\/ana\/\.ssh\/known_hosts_corp and Hopline’s own known_hosts/)).toBeTruthy();
    fireEvent.change(screen.getByLabelText('Port'), { target: { value: '2222' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save host' }));
    await waitFor(() => expect(onSave).toHaveBeenCalledOnce());
    expect(onSave.mock.calls[0]![0]).toMatchObject({ port: 2222, knownHostsFiles: ['/home/ana/.ssh/known_hosts_corp'] });
  });

  it('goes back to ~/.ssh/known_hosts on request', async () => {
    const onSave = vi.fn(async (_input: HostInput) => undefined);
    render(<HostForm initial={toForm(imported)} onSave={onSave} onCancel={vi.fn()} />);
    fireEvent.click(screen.getByRole('button', { name: 'Use ~/.ssh/known_hosts instead' }));
    expect(screen.queryByText(/Host keys are checked against/)).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: 'Save host' }));
    await waitFor(() => expect(onSave).toHaveBeenCalledOnce());
    expect(onSave.mock.calls[0]![0]).not.toHaveProperty('knownHostsFiles');
  });

  it('says nothing for a host without them', () => {
    render(<HostForm initial={toForm(hostSummary('plain'))} onSave={vi.fn()} onCancel={vi.fn()} />);
    expect(screen.queryByText(/Host keys are checked against/)).toBeNull();
  });
});
