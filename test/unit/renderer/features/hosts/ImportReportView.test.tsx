// @vitest-environment happy-dom
import { cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ImportPanel } from '../../../../../app/renderer/features/hosts/ImportPanel';
import { ImportReportView } from '../../../../../app/renderer/features/hosts/ImportReportView';
import type { ImportReport } from '../../../../../app/shared/contract/hosts';

afterEach(cleanup);

const EIGHT = ['bastion', 'web1', 'web2', 'web3', 'web4', 'web5', 'db1', 'db2'];

const report: ImportReport = {
  imported: [
    { alias: 'bastion', hostId: 'h0', outcome: 'unchanged' },
    { alias: 'web1', hostId: 'h1', outcome: 'updated' },
  ],
  profiles: [{ alias: 'web1', profileId: 'p1', outcome: 'unchanged' }],
  notes: [
    { severity: 'warning', file: '~/.ssh/config', line: 12, directive: 'IdentityFile', message: 'IdentityFile /home/ana/.ssh/id_missing does not exist: kept in the host\'s keys, and skipped when connecting until it is there', hosts: ['web1'], host: 'web1' },
    { severity: 'ignored', file: '~/.ssh/config', line: 17, directive: 'Host', message: 'Host k8s-*.corp.example: a pattern, and no concrete host in the file matches it: its User, ProxyJump, ForwardAgent were not imported.', hosts: [] },
    { severity: 'ignored', file: '~/.ssh/config', line: 24, directive: 'ControlMaster', message: 'Hopline does not act on ControlMaster', hosts: EIGHT },
  ],
  counts: { hosts: { new: 0, unchanged: 5, updated: 1 }, profiles: { new: 0, unchanged: 1, updated: 0 } },
};

describe('ImportReportView', () => {
  it('says what the import did in counts, not "made N profiles", with each alias marked', () => {
    render(<ImportReportView report={report} />);
    const status = screen.getByRole('status', { name: 'Import report' });
    expect(within(status).getByText(/^Hosts:/).textContent).toBe('Hosts: 0 new, 5 unchanged, 1 updated.');
    expect(within(status).getByText(/^Profiles/).textContent).toBe('Profiles for jump chains: 0 new, 1 unchanged, 0 updated.');
    expect(status.textContent).not.toMatch(/made \d+ profile/);
    expect(within(screen.getByRole('list', { name: 'Imported hosts' })).getAllByRole('listitem').map((li) => li.textContent)).toEqual(['bastion unchanged', 'web1 updated']);
  });

  it('gives each note one line with the hosts it applies to, and the full list on demand', () => {
    render(<ImportReportView report={report} />);
    const notes = within(screen.getByRole('list', { name: 'Import notes' })).getAllByRole('listitem');
    expect(notes).toHaveLength(3);
    expect(notes[0]?.className).toBe('note-warning');
    expect(notes[0]?.textContent).toBe("warning ~/.ssh/config:12 IdentityFile /home/ana/.ssh/id_missing does not exist: kept in the host's keys, and skipped when connecting until it is there — applies to 1 host: web1");
    // A pattern that reached no host: its note stands alone.
    expect(notes[1]?.textContent).not.toContain('applies to');
    expect(notes[2]?.textContent).toContain('~/.ssh/config:24 Hopline does not act on ControlMaster — applies to 8 hosts: bastion, web1, web2…');
    const details = notes[2]!.querySelector('details')!;
    expect(details.querySelector('summary')?.textContent).toBe('All 8 hosts');
    expect(details.textContent).toContain(EIGHT.join(', '));
  });

  it('still reads a report from before counts and grouping', () => {
    render(<ImportReportView report={{ imported: [{ alias: 'a', hostId: 'h' }], profiles: [], notes: [{ severity: 'ignored', file: 'f', line: 1, message: 'a: Hopline does not act on X', host: 'a' }] }} />);
    expect(screen.getByRole('status').textContent).toContain('Imported 1 host.');
    expect(within(screen.getByRole('list', { name: 'Import notes' })).getByRole('listitem').textContent).toContain('— applies to 1 host: a');
  });

  it('shows the report the import panel gets back', async () => {
    const onImport = vi.fn(async () => report);
    render(<ImportPanel onImport={onImport} onClose={() => undefined} />);
    fireEvent.change(screen.getByLabelText('Or paste ssh_config text'), { target: { value: 'Host a\n' } });
    fireEvent.click(screen.getByRole('button', { name: 'Import' }));
    expect((await screen.findByText(/^Hosts:/)).textContent).toContain('0 new, 5 unchanged, 1 updated');
    expect(onImport).toHaveBeenCalledWith({ text: 'Host a\n' });
  });
});
