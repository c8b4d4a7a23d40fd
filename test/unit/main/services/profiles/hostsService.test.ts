import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { DocumentStore } from '../../../../../app/main/services/profiles/documentStore';
import { HostsService, IMPORTED_FOLDER, type HostSecretKinds } from '../../../../../app/main/services/profiles/hostsService';
import { ProfilesService } from '../../../../../app/main/services/profiles/profilesService';
import type { SecretKind } from '../../../../../app/shared/contract/credentials';
import { ErrorCode, HoplineError } from '../../../../../app/shared/model/errors';
import { Emitter } from '../../../../../app/shared/model/event';
import { HOST_DEFAULTS, type HostInput, type HostSummary } from '../../../../../app/shared/model/host';
import { TERMINAL_DEFAULTS } from '../../../../../app/shared/model/profile';
import { hostsSchemas, storedHostSchema } from '../../../../../app/shared/schema/hosts';

/** The keychain side, in memory: kinds per host id, and which hosts were forgotten. */
class FakeSecretKinds implements HostSecretKinds {
  private readonly kinds = new Map<string, SecretKind[]>();
  private readonly changes = new Emitter<{ hostId: string; kinds: SecretKind[] }>();
  readonly onDidChangeKinds = this.changes.event;
  readonly forgotten: string[] = [];

  async listKinds(): Promise<{ hostId: string; kinds: SecretKind[] }[]> {
    return [...this.kinds].map(([hostId, kinds]) => ({ hostId, kinds: [...kinds] }));
  }

  async forget(hostId: string): Promise<void> {
    this.forgotten.push(hostId);
    this.set(hostId, []);
  }

  set(hostId: string, kinds: SecretKind[]): void {
    this.kinds.set(hostId, kinds);
    this.changes.fire({ hostId, kinds });
  }
}

const FIXTURE_HOME = fileURLToPath(new URL('../../../../fixtures/ssh_config/home', import.meta.url));
const HOME = '/home/ana';
const root = mkdtempSync(path.join(tmpdir(), 'hl-hosts-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;

const input = (name: string, extra: Partial<HostInput> = {}): HostInput => ({ ...structuredClone(HOST_DEFAULTS), name, address: `${name.toLowerCase().replace(/\W+/g, '-')}.example.net`, user: 'ops', ...extra });

async function thrown(promise: Promise<unknown>): Promise<HoplineError> {
  const error = await promise.then(() => null, (e: unknown) => e);
  expect(error).toBeInstanceOf(HoplineError);
  return error as HoplineError;
}

let store: DocumentStore;
let secrets: FakeSecretKinds;
let hosts: HostsService;
let profiles: ProfilesService;
let dataDir: string;

beforeEach(async () => {
  dataDir = path.join(root, `d${++dirs}`);
  store = await DocumentStore.open(dataDir);
  secrets = new FakeSecretKinds();
  hosts = new HostsService(store, secrets, { homeDir: HOME, localUser: 'ana' });
  profiles = new ProfilesService(store);
  return () => {
    hosts.dispose();
    profiles.dispose();
  };
});

const savedDoc = () => JSON.parse(readFileSync(path.join(dataDir, 'hopline.json'), 'utf8')) as { hosts: Record<string, unknown>[] };
const profileFor = (hostIds: string[], name = 'circuit') => ({ name, folder: '', tags: [], hostIds, terminal: TERMINAL_DEFAULTS });

describe('HostsService: the library', () => {
  it('saves a new host under a fresh UUID and lists hosts by name, with secret flags from the keychain', async () => {
    const web = await hosts.save(input('web 10'));
    const bastion = await hosts.save(input('Bastion'));
    const web2 = await hosts.save(input('web 9'));
    expect(web.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(new Set([web.id, bastion.id, web2.id]).size).toBe(3);
    expect(web).toMatchObject({ hasPassword: false, hasPassphrase: false, hasTotp: false, hasAnswers: false });
    secrets.set(bastion.id, ['password', 'totp', 'answer']);
    secrets.set(web.id, ['passphrase']);
    const list = await hosts.list();
    expect(list.map((h) => h.name)).toEqual(['Bastion', 'web 9', 'web 10']);
    expect(list[0]).toMatchObject({ hasPassword: true, hasPassphrase: false, hasTotp: true, hasAnswers: true });
    expect(list[2]).toMatchObject({ hasPassword: false, hasPassphrase: true, hasTotp: false, hasAnswers: false });
  });

  it('keeps the id across an update (a rename), and refuses an unknown id', async () => {
    const saved = await hosts.save(input('old name'));
    const renamed = await hosts.save({ ...saved, name: 'new name', port: 2200 } as HostInput);
    expect(renamed.id).toBe(saved.id);
    expect((await hosts.list()).map((h) => [h.id, h.name, h.port])).toEqual([[saved.id, 'new name', 2200]]);
    const error = await thrown(hosts.save({ ...input('x'), id: 'no-such-id' }));
    expect(error.code).toBe(ErrorCode.INVALID_ARGUMENT);
    expect(error.message).toContain('no-such-id');
  });

  it('stores settings only: flags of a summary passed back in never reach the document', async () => {
    const saved = await hosts.save(input('web'));
    await hosts.save({ ...saved, hasPassword: true } as HostInput);
    expect(Object.keys(savedDoc().hosts[0]!).sort()).toEqual(['address', 'agentForward', 'auth', 'connectTimeoutSec', 'id', 'keepaliveCountMax', 'keepaliveIntervalSec', 'name', 'port', 'proxy', 'user']);
  });

  it('duplicates settings as "<name> (copy)" under a new id, without the secrets', async () => {
    const original = await hosts.save(input('db', { proxy: { kind: 'socks5', host: 'socks.local', port: 1080 }, auth: [{ kind: 'password' }] }));
    secrets.set(original.id, ['password']);
    const copy = await hosts.duplicate(original.id);
    expect(copy.id).not.toBe(original.id);
    expect(copy.name).toBe('db (copy)');
    const { id: _a, name: _b, hasPassword: _c, ...settings } = { ...original, hasPassword: true };
    expect(copy).toMatchObject(settings);
    expect(copy.hasPassword).toBe(false);
    const long = await hosts.save(input('x'.repeat(200)));
    expect((await hosts.duplicate(long.id)).name).toBe(`${'x'.repeat(193)} (copy)`);
    expect((await thrown(hosts.duplicate('nope'))).code).toBe(ErrorCode.INVALID_ARGUMENT);
  });

  it('removes a host and forgets its secrets', async () => {
    const a = await hosts.save(input('a'));
    const b = await hosts.save(input('b'));
    secrets.set(a.id, ['password']);
    await hosts.remove(a.id);
    expect((await hosts.list()).map((h) => h.id)).toEqual([b.id]);
    expect(secrets.forgotten).toEqual([a.id]);
    expect((await thrown(hosts.remove(a.id))).code).toBe(ErrorCode.INVALID_ARGUMENT);
  });

  it('refuses to remove a host a profile uses, naming the profiles, and forgets nothing', async () => {
    const jump = await hosts.save(input('jump'));
    const target = await hosts.save(input('target'));
    await profiles.save(profileFor([jump.id, target.id], 'Prod'));
    await profiles.save(profileFor([jump.id], 'Jump only'));
    const error = await thrown(hosts.remove(jump.id));
    expect(error.code).toBe(ErrorCode.HOST_IN_USE);
    expect(error.message).toBe('"jump" is used by the 2 profiles "Prod", "Jump only": choose a host to put in its place, or remove it from them first.');
    expect((await thrown(hosts.remove(target.id))).message).toBe('"target" is used by the profile "Prod": choose a host to put in its place, or remove it from that profile first.');
    expect(secrets.forgotten).toEqual([]);
    expect(await hosts.list()).toHaveLength(2);
  });

  it('deletes a host in use by putting a replacement in its place in every profile, in one write', async () => {
    const jump = await hosts.save(input('jump'));
    const jump2 = await hosts.save(input('jump2'));
    const target = await hosts.save(input('target'));
    const other = await hosts.save(input('other'));
    const prod = await profiles.save({ ...profileFor([jump.id, target.id], 'Prod'), tags: ['db'], color: 'red' });
    const only = await profiles.save(profileFor([jump.id], 'Jump only'));
    const untouched = await profiles.save(profileFor([other.id, target.id], 'Other'));
    secrets.set(jump.id, ['password']);
    const commits: unknown[] = [];
    store.onDidCommit((c) => commits.push(c));

    await hosts.remove(jump.id, { replaceWith: jump2.id });

    expect(commits).toHaveLength(1);
    const byId = new Map((await profiles.list()).map((p) => [p.id, p]));
    expect(byId.get(prod.id)).toEqual({ ...prod, hostIds: [jump2.id, target.id] });
    expect(byId.get(only.id)?.hostIds).toEqual([jump2.id]);
    expect(byId.get(untouched.id)).toEqual(untouched);
    expect((await hosts.list()).map((h) => h.name)).toEqual(['jump2', 'other', 'target']);
    expect(secrets.forgotten).toEqual([jump.id]);
    // What is saved on disk says the same.
    expect(JSON.stringify(JSON.parse(readFileSync(path.join(dataDir, 'hopline.json'), 'utf8')))).not.toContain(jump.id);
  });

  it('refuses a replacement that is missing, the host itself, or already in one of the circuits, and changes nothing', async () => {
    const jump = await hosts.save(input('jump'));
    const target = await hosts.save(input('target'));
    const spare = await hosts.save(input('spare'));
    await profiles.save(profileFor([jump.id, target.id], 'Prod'));
    await profiles.save(profileFor([jump.id, spare.id], 'Spare'));
    const before = store.snapshot();

    const self = await thrown(hosts.remove(jump.id, { replaceWith: jump.id }));
    expect([self.code, self.message]).toEqual([ErrorCode.INVALID_ARGUMENT, '"jump" cannot replace itself: choose another host.']);
    const missing = await thrown(hosts.remove(jump.id, { replaceWith: 'no-such-host' }));
    expect([missing.code, missing.message]).toEqual([ErrorCode.INVALID_ARGUMENT, 'No saved host has the id no-such-host: the replacement was deleted or never saved.']);
    // target would follow itself in "Prod": a circuit through one host twice.
    const twice = await thrown(hosts.remove(jump.id, { replaceWith: target.id }));
    expect([twice.code, twice.message]).toEqual([ErrorCode.INVALID_ARGUMENT, '"target" is already in the circuit of "Prod": a circuit cannot pass through the same host twice. Choose another host.']);

    expect(store.snapshot()).toBe(before);
    expect(secrets.forgotten).toEqual([]);
  });

  it('deletes an unused host with a replacement given, changing no profile', async () => {
    const a = await hosts.save(input('a'));
    const b = await hosts.save(input('b'));
    await hosts.remove(a.id, { replaceWith: b.id });
    expect((await hosts.list()).map((h) => h.id)).toEqual([b.id]);
  });

  it('fires the full list on every change, including a change of secret kinds', async () => {
    const seen: HostSummary[][] = [];
    hosts.onDidChange((list) => seen.push(list));
    const a = await hosts.save(input('a'));
    await vi.waitFor(() => expect(seen).toHaveLength(1));
    await hosts.save(input('b'));
    await vi.waitFor(() => expect(seen).toHaveLength(2));
    expect(seen[1]!.map((h) => h.name)).toEqual(['a', 'b']);
    secrets.set(a.id, ['totp']);
    await vi.waitFor(() => expect(seen).toHaveLength(3));
    expect(seen[2]![0]!.hasTotp).toBe(true);
    await hosts.duplicate(a.id);
    await vi.waitFor(() => expect(seen).toHaveLength(4));
    await hosts.remove(a.id);
    await vi.waitFor(() => expect(seen).toHaveLength(5));
    expect(seen[4]!.map((h) => h.name)).toEqual(['a (copy)', 'b']);
    // Kinds of a host that is not in the library, and saves that change no host, are not host changes.
    secrets.set('someone-else', ['password']);
    await store.setWindowBounds({ width: 800, height: 600 });
    await hosts.list();
    await new Promise((r) => setTimeout(r, 20));
    expect(seen).toHaveLength(5);
  });

  it('fires lists in order even when changes come faster than lists are computed', async () => {
    const seen: number[] = [];
    hosts.onDidChange((list) => seen.push(list.length));
    await Promise.all(Array.from({ length: 10 }, (_, i) => hosts.save(input(`h${i}`))));
    await vi.waitFor(() => expect(seen).toHaveLength(10));
    expect(seen.at(-1)).toBe(10);
    expect([...seen].sort((x, y) => x - y)).toEqual(seen);
  });
});

describe('HostsService: ssh_config import', () => {
  const CONFIG = [
    'Host jump',
    '    HostName jump.example.net',
    '    User alice',
    '    IdentityFile ~/.ssh/id_jump',
    'Host inner',
    '    HostName 10.1.0.2',
    '    User bob',
    '    ProxyJump jump',
    'Host target',
    '    HostName 10.2.0.3',
    '    User carol',
    '    ProxyJump jump,inner',
    'Host again',
    '    HostName 10.2.0.3',
    '    User carol',
    '    ProxyJump inner',
    'Host both',
    '    HostName both.example.net',
    '    ProxyJump jump',
    '    ProxyCommand /usr/bin/nc %h %p',
    'Host fancy',
    '    HostName fancy.example.net',
    '    ControlMaster auto',
    'Host sneaky',
    '    HostName -oProxyCommand=touch',
  ].join('\n');

  it('saves each hop once, makes a profile per multi-hop alias, and reports every note', async () => {
    const report = await hosts.importSshConfig({ text: CONFIG });
    const list = await hosts.list();
    const idOf = (address: string) => list.find((h) => h.address === address)!.id;
    expect(list.map((h) => `${h.name}=${h.user}@${h.address}:${h.port}`)).toEqual([
      'fancy=ana@fancy.example.net:22',
      'inner=bob@10.1.0.2:22',
      'jump=alice@jump.example.net:22',
      'target=carol@10.2.0.3:22',
    ]);
    expect(list.find((h) => h.name === 'jump')!.auth[0]).toEqual({ kind: 'publickey', keyFile: `${HOME}/.ssh/id_jump` });
    expect(report.imported).toEqual([
      { alias: 'jump', hostId: idOf('jump.example.net'), outcome: 'new' },
      { alias: 'inner', hostId: idOf('10.1.0.2'), outcome: 'new' },
      { alias: 'target', hostId: idOf('10.2.0.3'), outcome: 'new' },
      // Same address, port, user and auth as target's last hop: the same host.
      { alias: 'again', hostId: idOf('10.2.0.3'), outcome: 'new' },
      { alias: 'fancy', hostId: idOf('fancy.example.net'), outcome: 'new' },
    ]);
    expect(report.counts).toEqual({ hosts: { new: 4, unchanged: 0, updated: 0 }, profiles: { new: 3, unchanged: 0, updated: 0 } });
    const saved = await profiles.list();
    expect(saved.map((p) => [p.name, p.folder, p.hostIds])).toEqual([
      ['again', IMPORTED_FOLDER, [idOf('jump.example.net'), idOf('10.1.0.2'), idOf('10.2.0.3')]],
      ['inner', IMPORTED_FOLDER, [idOf('jump.example.net'), idOf('10.1.0.2')]],
      ['target', IMPORTED_FOLDER, [idOf('jump.example.net'), idOf('10.1.0.2'), idOf('10.2.0.3')]],
    ]);
    expect(report.profiles.map((p) => p.alias)).toEqual(['inner', 'target', 'again']);
    expect(report.profiles.map((p) => p.profileId).sort()).toEqual(saved.map((p) => p.id).sort());

    const notes = report.notes.map((n) => `${n.severity} ${n.file}:${n.line} ${n.hosts?.join(',') ?? '-'} ${n.message}`);
    // The file's note and the host's are one line, naming the host.
    expect(notes.filter((n) => n.includes('ControlMaster'))).toEqual(['ignored (pasted text):23 fancy Hopline does not act on ControlMaster']);
    expect(notes).toContainEqual(expect.stringMatching(/^error \(pasted text\):19 both both ProxyJump .* and ProxyCommand/));
    expect(notes).toContainEqual(expect.stringMatching(/^error \(pasted text\):24 sneaky not imported: hop 1 \(sneaky\) address: an address must not start with "-"$/));
    expect(report.notes.filter((n) => n.severity === 'error')).toHaveLength(2);
    // Each note once.
    expect(new Set(notes).size).toBe(notes.length);
  });

  it('imports nothing new the second time: hosts and profiles are reused, and counted unchanged', async () => {
    await hosts.importSshConfig({ text: CONFIG });
    const before = store.snapshot();
    const commits: unknown[] = [];
    store.onDidCommit((c) => commits.push(c));
    const again = await hosts.importSshConfig({ text: CONFIG });
    expect(store.snapshot()).toBe(before);
    expect(commits).toEqual([]);
    expect(again.imported).toHaveLength(5);
    expect(again.profiles.map((p) => p.profileId).sort()).toEqual(before.profiles.map((p) => p.id).sort());
    expect(again.counts).toEqual({ hosts: { new: 0, unchanged: 4, updated: 0 }, profiles: { new: 0, unchanged: 3, updated: 0 } });
    expect(again.imported.map((i) => i.outcome)).toEqual(['unchanged', 'unchanged', 'unchanged', 'unchanged', 'unchanged']);
  });

  it('updates in place what the config changed: the host of the same name and address, and the profile of the same name', async () => {
    const first = await hosts.importSshConfig({ text: CONFIG });
    const changed = CONFIG.replace('    User bob', '    User robert\n    ServerAliveInterval 20').replace('    ProxyJump inner', '    ProxyJump jump');
    const again = await hosts.importSshConfig({ text: changed });
    const list = await hosts.list();
    // inner: same id, new user and keepalive; no second "inner".
    expect(list.filter((h) => h.name === 'inner').map((h) => [h.id, h.user, h.keepaliveIntervalSec])).toEqual([[first.imported[1]!.hostId, 'robert', 20]]);
    expect(list).toHaveLength(4);
    // "again" now jumps through jump alone: its profile keeps its id and gets the new circuit.
    expect(again.counts).toEqual({ hosts: { new: 0, unchanged: 3, updated: 1 }, profiles: { new: 0, unchanged: 2, updated: 1 } });
    expect(again.profiles.find((p) => p.alias === 'again')).toEqual({ ...first.profiles.find((p) => p.alias === 'again'), outcome: 'updated' });
    const saved = await profiles.list();
    expect(saved.map((p) => p.name)).toEqual(['again', 'inner', 'target']);
    expect(saved.find((p) => p.name === 'again')?.hostIds).toEqual([first.imported[0]!.hostId, first.imported[2]!.hostId]);
    expect(saved.find((p) => p.name === 'target')?.hostIds).toEqual([first.imported[0]!.hostId, first.imported[1]!.hostId, first.imported[2]!.hostId]);
  });

  it('keeps what the config leaves unsaid on a host saved by hand (its keepalive), and counts it unchanged', async () => {
    const mine = await hosts.save(input('Web', { address: 'web.example.net', user: 'ana', auth: [{ kind: 'agent' }, { kind: 'keyboard-interactive' }, { kind: 'password' }], keepaliveIntervalSec: 45 }));
    const report = await hosts.importSshConfig({ text: 'Host web\n  HostName web.example.net\n' });
    expect(report.imported).toEqual([{ alias: 'web', hostId: mine.id, outcome: 'unchanged' }]);
    expect((await hosts.list())[0]?.keepaliveIntervalSec).toBe(45);
  });

  it('reuses a host saved earlier by hand, whose key is written with ~/', async () => {
    const mine = await hosts.save(input('My jump box', { address: 'JUMP.example.net', user: 'alice', auth: [{ kind: 'publickey', keyFile: '~/.ssh/id_jump' }, { kind: 'keyboard-interactive' }, { kind: 'password' }] }));
    const report = await hosts.importSshConfig({ text: CONFIG });
    expect(report.imported[0]).toEqual({ alias: 'jump', hostId: mine.id, outcome: 'unchanged' });
    expect((await hosts.list()).filter((h) => h.user === 'alice').map((h) => h.name)).toEqual(['My jump box']);
  });

  it('does not take a host reached through a proxy for the same host reached directly', async () => {
    await hosts.importSshConfig({ text: 'Host a\n  HostName a.example.net\n  User u\nHost b\n  HostName a.example.net\n  User u\n  ProxyCommand /usr/bin/nc %h %p\n' });
    expect((await hosts.list()).map((h) => [h.name, h.proxy?.kind ?? null])).toEqual([['a', null], ['b', 'command']]);
  });

  it('reads ~/.ssh/config of the given home by default, and ~/ paths', async () => {
    const fixtureHosts = new HostsService(store, secrets, { homeDir: FIXTURE_HOME, localUser: 'ana' });
    const report = await fixtureHosts.importSshConfig({});
    expect(report.imported.map((i) => i.alias)).toEqual(['work-web', 'lab-box', 'lab-old', 'laptop', 'untrusted']);
    expect(report.notes).toContainEqual(expect.objectContaining({ severity: 'info', message: expect.stringContaining('missing-*.conf matched no file') }));
    const again = await fixtureHosts.importSshConfig({ path: '~/.ssh/config' });
    expect(again.imported).toEqual(report.imported.map((i) => ({ ...i, outcome: 'unchanged' })));
    expect(again.counts?.hosts).toEqual({ new: 0, unchanged: report.counts?.hosts.new, updated: 0 });
    fixtureHosts.dispose();
  });

  it('reports grouped notes, keeps a UserKnownHostsFile on the saved host, and a re-import is all unchanged', async () => {
    const reportHome = fileURLToPath(new URL('../../../../fixtures/ssh_config/report-home', import.meta.url));
    const fixtureHosts = new HostsService(store, secrets, { homeDir: reportHome, localUser: 'ana' });
    const report = await fixtureHosts.importSshConfig({});
    // Eight hosts under `Host *`: eight lines in all, the ignored ControlMaster one of them naming every host.
    expect(report.notes).toHaveLength(8);
    expect(report.notes.find((n) => n.message === 'Hopline does not act on ControlMaster')?.hosts).toHaveLength(8);
    expect(report.counts).toEqual({ hosts: { new: 8, unchanged: 0, updated: 0 }, profiles: { new: 7, unchanged: 0, updated: 0 } });
    const bastion = (await hosts.list()).find((h) => h.name === 'bastion');
    expect(bastion?.knownHostsFiles).toEqual([path.join(reportHome, '.ssh', 'known_hosts_corp')]);
    expect(storedHostSchema.safeParse(savedDoc().hosts.find((h) => h.name === 'bastion')).success).toBe(true);

    const again = await fixtureHosts.importSshConfig({});
    expect(again.counts).toEqual({ hosts: { new: 0, unchanged: 8, updated: 0 }, profiles: { new: 0, unchanged: 7, updated: 0 } });
    expect(await hosts.list()).toHaveLength(8);
    expect(await profiles.list()).toHaveLength(7);
    fixtureHosts.dispose();
  });

  it('reports a file it cannot read as a note, and refuses a relative path', async () => {
    const report = await hosts.importSshConfig({ path: path.join(root, 'no-such-config') });
    expect(report.imported).toEqual([]);
    expect(report.notes).toEqual([expect.objectContaining({ severity: 'error', message: expect.stringContaining('cannot read') })]);
    const error = await thrown(hosts.importSshConfig({ path: 'ssh/config' }));
    expect(error.code).toBe(ErrorCode.INVALID_ARGUMENT);
  });
});

describe('hostsSchemas', () => {
  const valid = input('web');
  const save = (host: unknown) => hostsSchemas.save.safeParse([host]).success;

  it('accepts a valid host, with or without an id', () => {
    expect(save(valid)).toBe(true);
    expect(save({ ...valid, id: '0b8f8e4e-2b0a-4c3c-9d55-6f1b0e1b2c3d' })).toBe(true);
    expect(save({ ...valid, user: 'DOMAIN\\ana maria@corp', address: '[2001:db8::1]' })).toBe(true);
    expect(save({ ...valid, proxy: { kind: 'http', host: 'proxy', port: 3128, username: 'me' } })).toBe(true);
  });

  it('accepts a folder and tags, at the limits, and a host without them (as saved before folders existed)', () => {
    expect(save({ ...valid, folder: '', tags: [] })).toBe(true);
    expect(save({ ...valid, folder: 'f'.repeat(200), tags: Array(32).fill('t'.repeat(64)) })).toBe(true);
    expect(save({ ...valid, folder: 'Prod / EU', tags: ['db', 'eu-west'] })).toBe(true);
    expect('folder' in valid || 'tags' in valid).toBe(false);
    expect(storedHostSchema.safeParse({ ...valid, id: 'h1' }).success).toBe(true);
    expect(storedHostSchema.safeParse({ ...valid, id: 'h1', folder: 'Prod', tags: ['db'] }).success).toBe(true);
  });

  it('accepts known_hosts files (none too), and refuses control characters in them', () => {
    expect(save({ ...valid, knownHostsFiles: ['~/.ssh/known_hosts_corp', '/etc/ssh/kh'] })).toBe(true);
    expect(save({ ...valid, knownHostsFiles: [] })).toBe(true);
    expect(save({ ...valid, knownHostsFiles: ['a\nb'] })).toBe(false);
    expect(save({ ...valid, knownHostsFiles: [''] })).toBe(false);
  });

  it.each([
    ['an empty name', { name: '' }],
    ['a blank name', { name: '   ' }],
    ['a name over 200 characters', { name: 'x'.repeat(201) }],
    ['a newline in the name', { name: 'web\nprod' }],
    ['an escape in the name', { name: 'web\u001b[2J' }],
    ['a space in the address', { address: 'a b' }],
    ['a tab in the address', { address: 'a\tb' }],
    ['an address like an option', { address: '-oProxyCommand=x' }],
    ['a user like an option', { user: '-l' }],
    ['a control character in the user', { user: 'ops\u0000' }],
    ['port 0', { port: 0 }],
    ['port 65536', { port: 65536 }],
    ['a fractional port', { port: 22.5 }],
    ['no auth method', { auth: [] }],
    ['an unknown auth method', { auth: [{ kind: 'hostbased' }] }],
    ['a key path over 4096', { auth: [{ kind: 'publickey', keyFile: `/${'k'.repeat(4096)}` }] }],
    ['a negative keepalive', { keepaliveIntervalSec: -1 }],
    ['a zero connect timeout', { connectTimeoutSec: 0 }],
    ['a connect timeout over an hour', { connectTimeoutSec: 3601 }],
    ['a proxy command over 4096', { proxy: { kind: 'command', command: 'x'.repeat(4097) } }],
    ['a proxy command with a newline', { proxy: { kind: 'command', command: 'nc %h %p\nrm -rf ~' } }],
    ['a proxy password', { proxy: { kind: 'socks5', host: 's', port: 1080, password: 'secret' } }],
    ['an unknown field', { hasPassword: true }],
    ['a bad id', { id: '../etc' }],
    ['a folder over 200', { folder: 'f'.repeat(201) }],
    ['a newline in the folder', { folder: 'a\nb' }],
    ['a folder that is not a string', { folder: null }],
    ['33 tags', { tags: Array(33).fill('t') }],
    ['an empty tag', { tags: [''] }],
    ['a tag of 65 characters', { tags: ['t'.repeat(65)] }],
    ['an escape in a tag', { tags: ['a\u001b[2J'] }],
    ['tags that are not an array', { tags: 'db' }],
  ])('refuses %s', (_what, change) => {
    expect(save({ ...valid, ...change })).toBe(false);
  });

  it('checks the other methods', () => {
    expect(hostsSchemas.list.safeParse([]).success).toBe(true);
    expect(hostsSchemas.list.safeParse([1]).success).toBe(false);
    expect(hostsSchemas.duplicate.safeParse(['0b8f8e4e-2b0a-4c3c-9d55-6f1b0e1b2c3d']).success).toBe(true);
    expect(hostsSchemas.remove.safeParse(['']).success).toBe(false);
    expect(hostsSchemas.remove.safeParse(['h1']).success).toBe(true);
    expect(hostsSchemas.remove.safeParse(['h1', {}]).success).toBe(true);
    expect(hostsSchemas.remove.safeParse(['h1', { replaceWith: 'h2' }]).success).toBe(true);
    expect(hostsSchemas.remove.safeParse(['h1', { replaceWith: '' }]).success).toBe(false);
    expect(hostsSchemas.remove.safeParse(['h1', { replaceWith: 'h2', force: true }]).success).toBe(false);
    expect(hostsSchemas.remove.safeParse(['h1', { replaceWith: 'h2' }, 3]).success).toBe(false);
    expect(hostsSchemas.importSshConfig.safeParse([{}]).success).toBe(true);
    expect(hostsSchemas.importSshConfig.safeParse([{ path: '~/.ssh/config' }]).success).toBe(true);
    expect(hostsSchemas.importSshConfig.safeParse([{ text: 'Host a' }]).success).toBe(true);
    expect(hostsSchemas.importSshConfig.safeParse([{ path: '/a', text: 'Host a' }]).success).toBe(false);
    expect(hostsSchemas.importSshConfig.safeParse([{ text: 'x'.repeat(1_000_001) }]).success).toBe(false);
    expect(hostsSchemas.importSshConfig.safeParse([{ url: 'x' }]).success).toBe(false);
  });
});
