import { describe, expect, it } from 'vitest';
import { fromForm, toForm } from '../../../../../app/renderer/features/hosts/hostFormModel';
import { parseTags } from '../../../../../app/renderer/stores/profilesLogic';
import { HOST_DEFAULTS } from '../../../../../app/shared/model/host';
import { hostSummary } from '../../hosts';

describe('host form model', () => {
  it('starts a new host from the defaults and refuses it until named, addressed and given a user', () => {
    const form = toForm();
    expect(form).toMatchObject({ name: '', port: '22', proxyKind: 'none', keepaliveIntervalSec: String(HOST_DEFAULTS.keepaliveIntervalSec) });
    const { input, errors } = fromForm(form);
    expect(input).toBeNull();
    expect(Object.keys(errors).sort()).toEqual(['address', 'name', 'user']);
  });

  it('keeps the known_hosts files of an imported host through an edit', () => {
    const host = hostSummary('bastion', { knownHostsFiles: ['/home/ana/.ssh/known_hosts_corp'] });
    expect(fromForm({ ...toForm(host), name: 'renamed' }).input?.knownHostsFiles).toEqual(['/home/ana/.ssh/known_hosts_corp']);
    expect(fromForm(toForm(hostSummary('plain'))).input).not.toHaveProperty('knownHostsFiles');
  });

  it('round-trips a saved host, proxy included', () => {
    const host = hostSummary('bastion', { port: 2222, proxy: { kind: 'socks5', host: 'proxy', port: 1080, username: 'me' }, auth: [{ kind: 'agent' }, { kind: 'publickey', keyFile: '~/.ssh/k' }] });
    const { input } = fromForm(toForm(host));
    const { hasPassword: _a, hasPassphrase: _b, hasTotp: _c, hasAnswers: _d, ...settings } = host;
    expect(input).toEqual(settings);
  });

  it('checks numbers, key files and proxy fields', () => {
    const form = { ...toForm(hostSummary('a')), port: '70000', keepaliveCountMax: '0', connectTimeoutSec: 'x', proxyKind: 'http' as const, proxyHost: '', proxyPort: '3128', auth: [{ kind: 'publickey' as const, keyFile: ' ' }] };
    expect(Object.keys(fromForm(form).errors).sort()).toEqual(['auth', 'connectTimeoutSec', 'keepaliveCountMax', 'port', 'proxyHost']);
    expect(fromForm({ ...toForm(hostSummary('a')), proxyKind: 'command', proxyCommand: '' }).errors.proxyCommand).toBeTruthy();
    expect(fromForm({ ...toForm(hostSummary('a')), auth: [] }).errors.auth).toMatch(/at least one/);
  });

  it('refuses values that would read as options', () => {
    const { errors } = fromForm({ ...toForm(hostSummary('a')), address: '-oProxyCommand=x', user: '-x' });
    expect(errors.address).toMatch(/cannot start with "-"/);
    expect(errors.user).toMatch(/cannot start with "-"/);
  });
  it('round-trips a folder and tags, and leaves them out when empty', () => {
    const host = hostSummary('db', { folder: 'prod / eu', tags: ['db', 'primary'] });
    const form = toForm(host);
    expect(form).toMatchObject({ folder: 'prod / eu', tags: 'db, primary' });
    expect(fromForm(form).input).toMatchObject({ folder: 'prod / eu', tags: ['db', 'primary'] });
    const typed = fromForm({ ...form, folder: '  staging ', tags: ' web,, Web , db ,web' }).input;
    expect(typed).toMatchObject({ folder: 'staging', tags: ['web', 'db'] });
    const cleared = fromForm({ ...form, folder: ' ', tags: ' , ' }).input;
    expect(cleared).not.toHaveProperty('folder');
    expect(cleared).not.toHaveProperty('tags');
    expect(toForm()).toMatchObject({ folder: '', tags: '' });
  });

  it('checks folder and tags', () => {
    const form = toForm(hostSummary('a'));
    expect(fromForm({ ...form, folder: 'x'.repeat(201) }).errors.folder).toMatch(/200/);
    expect(fromForm({ ...form, folder: 'a\u0007b' }).errors.folder).toMatch(/control/);
    expect(fromForm({ ...form, tags: 'x'.repeat(65) }).errors.tags).toMatch(/64/);
    expect(fromForm({ ...form, tags: Array.from({ length: 33 }, (_, i) => `t${i}`).join(',') }).errors.tags).toMatch(/32/);
    expect(parseTags(' a, b ,,A')).toEqual(['a', 'b']);
  });
});
