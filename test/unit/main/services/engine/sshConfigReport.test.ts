/**
 * The import report a person reads (issue 14, item 8): one line per source line with the hosts it
 * applies to, and a line for everything dropped or changed: pattern blocks, host-key settings,
 * key files that are not there.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { appliesTo, groupNotes, importSshConfig, type GroupedNote } from '../../../../../app/main/services/engine/sshConfig';

const HOME = fileURLToPath(new URL('../../../../fixtures/ssh_config/report-home', import.meta.url));
const CONFIG = join(HOME, '.ssh', 'config');
const ALL = ['bastion', 'web1', 'web2', 'web3', 'web4', 'web5', 'db1', 'db2'];
const BEHIND = ALL.slice(1);

const result = importSshConfig({ file: CONFIG }, { homeDir: HOME, localUser: 'ana' });
const at = (line: number): GroupedNote[] => result.report.filter((n) => n.line === line);

describe('the import report', () => {
  it('gives each ignored directive under `Host *` one line naming all eight hosts, not one note per host', () => {
    expect(result.hosts.map((h) => h.alias)).toEqual(ALL);
    expect(at(24)).toEqual([{ severity: 'ignored', file: CONFIG, line: 24, directive: 'ControlMaster', message: 'Hopline does not act on ControlMaster', hosts: ALL }]);
    expect(at(25)).toEqual([{ severity: 'ignored', file: CONFIG, line: 25, directive: 'AddKeysToAgent', message: 'Hopline does not act on AddKeysToAgent', hosts: ALL }]);
    // Every (severity, line, message) once: eight hosts and four pattern blocks make eight lines in all.
    expect(result.report.map((n) => `${n.line} ${n.severity}`)).toEqual(['7 info', '8 ignored', '12 warning', '14 info', '17 ignored', '22 info', '24 ignored', '25 ignored']);
  });

  it('says which hosts a pattern block reached, or that none did and what it held', () => {
    expect(at(22)).toEqual([{ severity: 'info', file: CONFIG, line: 22, directive: 'Host', message: 'Host *: a pattern, not a host; its settings were applied to the imported hosts it matches', hosts: ALL }]);
    expect(at(14)[0]).toMatchObject({ severity: 'info', message: 'Host web*: a pattern, not a host; its settings were applied to the imported hosts it matches', hosts: ['web1', 'web2', 'web3', 'web4', 'web5'] });
    expect(at(17)).toEqual([
      {
        severity: 'ignored',
        file: CONFIG,
        line: 17,
        directive: 'Host',
        message: 'Host k8s-*.corp.example: a pattern, and no concrete host in the file matches it: its User, ProxyJump, ForwardAgent were not imported. Hopline imports named hosts only; add a Host line naming each host you use',
        hosts: [],
      },
    ]);
  });

  it('honours UserKnownHostsFile on the hop, in every circuit through it, and says so', () => {
    const files = [join(HOME, '.ssh', 'known_hosts_corp')];
    expect(at(7)).toEqual([{ severity: 'info', file: CONFIG, line: 7, directive: 'UserKnownHostsFile', message: `UserKnownHostsFile honoured: host keys are checked against ${files[0]} (and Hopline's own known_hosts), not ~/.ssh/known_hosts`, hosts: ['bastion'] }]);
    for (const host of result.hosts) expect(host.hops[0]).toMatchObject({ name: 'bastion', knownHostsFiles: files });
    // The hops behind the bastion have no UserKnownHostsFile: ~/.ssh/known_hosts, as in OpenSSH.
    expect(result.hosts.find((h) => h.alias === 'web1')?.hops[1]?.knownHostsFiles).toBeUndefined();
  });

  it('notes a StrictHostKeyChecking it does not honour, saying what Hopline does instead', () => {
    expect(at(8)).toEqual([
      { severity: 'ignored', file: CONFIG, line: 8, directive: 'StrictHostKeyChecking', message: 'StrictHostKeyChecking yes: not honoured: Hopline asks about an unknown host key instead of refusing it; a changed key is refused, as with yes', hosts: ['bastion'] },
    ]);
    const text = (value: string) => importSshConfig({ text: `Host h\n  StrictHostKeyChecking ${value}\n`, file: 't' }, { homeDir: HOME, localUser: 'ana' }).report.map((n) => n.message);
    expect(text('accept-new')).toEqual(['StrictHostKeyChecking accept-new: not honoured: Hopline asks before trusting a new host key instead of saving it silently; a changed key is refused, as with accept-new']);
    expect(text('no')).toEqual(['StrictHostKeyChecking no: not honoured: Hopline still checks host keys: it asks about an unknown key and refuses a changed one']);
    // ask is what Hopline does anyway: nothing to say.
    expect(text('ask')).toEqual([]);
  });

  it('warns once about an IdentityFile that does not exist, naming the hosts, and keeps it', () => {
    const missing = join(HOME, '.ssh', 'id_missing');
    expect(at(12)).toEqual([
      { severity: 'warning', file: CONFIG, line: 12, directive: 'IdentityFile', message: `IdentityFile ${missing} does not exist: kept in the host's keys, and skipped when connecting until it is there`, hosts: BEHIND },
    ]);
    expect(result.hosts.find((h) => h.alias === 'db2')?.hops[1]?.auth[0]).toEqual({ kind: 'publickey', keyFile: missing });
    // The bastion's key is there: no warning about line 6.
    expect(at(6)).toEqual([]);
  });
});

describe('groupNotes and appliesTo', () => {
  it('merges a file note with its per-host copies, keeping first-seen host order and sorting by file, then line', () => {
    const notes = groupNotes(
      [
        { severity: 'ignored', file: 'b', line: 1, message: 'x: Hopline does not act on Foo', host: 'x', directive: 'Foo' },
        { severity: 'ignored', file: 'a', line: 9, message: 'Hopline does not act on Bar', directive: 'Bar' },
        { severity: 'ignored', file: 'b', line: 1, message: 'Hopline does not act on Foo', directive: 'Foo' },
        { severity: 'ignored', file: 'b', line: 1, message: 'w: Hopline does not act on Foo', host: 'w', directive: 'Foo' },
        { severity: 'ignored', file: 'b', line: 1, message: 'x: Hopline does not act on Foo', host: 'x', directive: 'Foo' },
        { severity: 'error', file: 'b', line: 1, message: 'x: Foo is broken', host: 'x' },
      ],
      ['a', 'b'],
    );
    expect(notes).toEqual([
      { severity: 'ignored', file: 'a', line: 9, directive: 'Bar', message: 'Hopline does not act on Bar', hosts: [] },
      { severity: 'ignored', file: 'b', line: 1, directive: 'Foo', message: 'Hopline does not act on Foo', hosts: ['x', 'w'] },
      { severity: 'error', file: 'b', line: 1, message: 'Foo is broken', hosts: ['x'] },
    ]);
  });

  it('names up to three hosts and counts them all', () => {
    expect(appliesTo([])).toBe('applies to no imported host');
    expect(appliesTo(['a'])).toBe('applies to 1 host: a');
    expect(appliesTo(['a', 'b', 'c'])).toBe('applies to 3 hosts: a, b, c');
    expect(appliesTo(ALL)).toBe('applies to 8 hosts: bastion, web1, web2…');
  });
});
