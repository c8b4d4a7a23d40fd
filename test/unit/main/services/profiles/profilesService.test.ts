import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { DocumentStore } from '../../../../../app/main/services/profiles/documentStore';
import { HostsService, type HostSecretKinds } from '../../../../../app/main/services/profiles/hostsService';
import { ProfilesService } from '../../../../../app/main/services/profiles/profilesService';
import { ErrorCode, HoplineError } from '../../../../../app/shared/model/errors';
import { Emitter } from '../../../../../app/shared/model/event';
import { HOST_DEFAULTS } from '../../../../../app/shared/model/host';
import { PROFILE_COLORS, TERMINAL_DEFAULTS, type ProfileInput, type ProfileSummary } from '../../../../../app/shared/model/profile';
import { profilesSchemas } from '../../../../../app/shared/schema/profiles';

/** No keychain: these tests are about profiles. */
const noSecrets: HostSecretKinds = {
  listKinds: async () => [],
  forget: async () => undefined,
  onDidChangeKinds: new Emitter<{ hostId: string; kinds: [] }>().event,
};

const root = mkdtempSync(path.join(tmpdir(), 'hl-profiles-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;

let store: DocumentStore;
let hosts: HostsService;
let profiles: ProfilesService;
let hostIds: string[];

beforeEach(async () => {
  store = await DocumentStore.open(path.join(root, `d${++dirs}`));
  hosts = new HostsService(store, noSecrets, { homeDir: '/home/ana', localUser: 'ana' });
  profiles = new ProfilesService(store);
  hostIds = [];
  for (const name of ['jump', 'inner', 'target']) hostIds.push((await hosts.save({ ...HOST_DEFAULTS, name, address: `${name}.example.net`, user: 'ops' })).id);
  return () => {
    hosts.dispose();
    profiles.dispose();
  };
});

const input = (name: string, extra: Partial<ProfileInput> = {}): ProfileInput => ({ name, folder: '', tags: [], hostIds: [...hostIds], terminal: { ...TERMINAL_DEFAULTS }, ...extra });

async function thrown(promise: Promise<unknown>): Promise<HoplineError> {
  const error = await promise.then(() => null, (e: unknown) => e);
  expect(error).toBeInstanceOf(HoplineError);
  return error as HoplineError;
}

describe('ProfilesService', () => {
  it('saves a new profile with a fresh id, updates it in place, and lists by folder then name', async () => {
    const prod = await profiles.save(input('Prod', { folder: 'Work', tags: ['prod', 'eu'] }));
    expect(prod.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(prod).toEqual({ ...input('Prod', { folder: 'Work', tags: ['prod', 'eu'] }), id: prod.id });
    await profiles.save(input('staging 10', { folder: 'Work' }));
    await profiles.save(input('staging 9', { folder: 'work' }));
    await profiles.save(input('Home lab'));
    const updated = await profiles.save({ ...prod, name: 'Production', hostIds: [hostIds[0]!, hostIds[2]!], terminal: { ...TERMINAL_DEFAULTS, fontSize: 16 } });
    expect(updated.id).toBe(prod.id);
    const list = await profiles.list();
    expect(list.map((p) => `${p.folder}/${p.name}`)).toEqual(['/Home lab', 'Work/Production', 'work/staging 9', 'Work/staging 10']);
    expect(list[1]).toMatchObject({ hostIds: [hostIds[0], hostIds[2]], terminal: { fontSize: 16 } });
  });

  it('refuses a profile naming a host that does not exist, saying which', async () => {
    const error = await thrown(profiles.save(input('x', { hostIds: [hostIds[0]!, 'gone-host'] })));
    expect(error.code).toBe(ErrorCode.INVALID_ARGUMENT);
    expect(error.message).toBe('Hop 2 names a host that does not exist (id gone-host).');
    expect(await profiles.list()).toEqual([]);
  });

  it('refuses no hops, more than 16, and the same host twice', async () => {
    expect((await thrown(profiles.save(input('x', { hostIds: [] })))).message).toContain('1 to 16 hops, not 0');
    const many = [];
    for (let i = 0; i < 14; i++) many.push((await hosts.save({ ...HOST_DEFAULTS, name: `h${i}`, address: `h${i}.example.net`, user: 'ops' })).id);
    await profiles.save(input('sixteen', { hostIds: [...hostIds.slice(0, 2), ...many] }));
    expect((await thrown(profiles.save(input('x', { hostIds: [...hostIds, ...many] })))).message).toContain('not 17');
    expect((await thrown(profiles.save(input('x', { hostIds: [hostIds[0]!, hostIds[1]!, hostIds[0]!] })))).message).toBe('"jump" appears twice in the circuit: a circuit cannot pass through the same host twice.');
  });

  it('refuses an update of an unknown profile, and removes by id', async () => {
    expect((await thrown(profiles.save({ ...input('x'), id: 'nope' }))).code).toBe(ErrorCode.INVALID_ARGUMENT);
    const a = await profiles.save(input('a'));
    const b = await profiles.save(input('b'));
    await profiles.remove(a.id);
    expect((await profiles.list()).map((p) => p.id)).toEqual([b.id]);
    expect((await thrown(profiles.remove(a.id))).code).toBe(ErrorCode.INVALID_ARGUMENT);
    // With the profile gone, its hosts may go.
    await profiles.remove(b.id);
    await hosts.remove(hostIds[0]!);
  });

  it('never lets a save and a host removal racing each other leave a dangling host id', async () => {
    const removal = hosts.remove(hostIds[2]!);
    const save = profiles.save(input('racer'));
    await removal;
    expect((await thrown(save)).message).toContain(hostIds[2]);
    expect(store.snapshot().profiles).toEqual([]);
  });

  it('hands out copies: changing a listed profile changes nothing saved', async () => {
    await profiles.save(input('a'));
    const [listed] = await profiles.list();
    listed!.hostIds.pop();
    expect((await profiles.list())[0]!.hostIds).toHaveLength(3);
  });

  it('fires the full list on every change, also for profiles an ssh_config import makes', async () => {
    const seen: ProfileSummary[][] = [];
    profiles.onDidChange((list) => seen.push(list));
    const a = await profiles.save(input('a'));
    await profiles.save(input('b'));
    await profiles.remove(a.id);
    // A host-only change is not a profile change.
    await hosts.save({ ...HOST_DEFAULTS, name: 'lonely', address: 'lonely.example.net', user: 'ops' });
    expect(seen.map((l) => l.map((p) => p.name))).toEqual([['a'], ['a', 'b'], ['b']]);
    await hosts.importSshConfig({ text: 'Host j\n  HostName j.example.net\nHost t\n  ProxyJump j\n' });
    expect(seen.at(-1)!.map((p) => `${p.folder}/${p.name}`)).toEqual(['/b', 'Imported/t']);
  });

  it('reports the store status: all well, or the corrupt file set aside', async () => {
    expect(await profiles.storeStatus()).toEqual({ setAsidePath: null, problem: null });
    const dir = path.join(root, 'corrupt');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'hopline.json'), '{"schemaVersion":1,');
    const damaged = new ProfilesService(await DocumentStore.open(dir));
    const status = await damaged.storeStatus();
    expect(status.setAsidePath).toMatch(/hopline\.json\.corrupt-\d{8}T\d{6}\.\d{3}Z$/);
    expect(readFileSync(status.setAsidePath!, 'utf8')).toBe('{"schemaVersion":1,');
    expect(status.problem).toContain('is not valid JSON');
    damaged.dispose();
  });
});

describe('profilesSchemas', () => {
  const id = '0b8f8e4e-2b0a-4c3c-9d55-6f1b0e1b2c3d';
  const valid: ProfileInput = { name: 'Prod', folder: 'Work', tags: ['prod'], hostIds: [id], terminal: TERMINAL_DEFAULTS };
  const save = (p: unknown) => profilesSchemas.save.safeParse([p]).success;

  it('accepts a valid profile, with or without an id, at the limits', () => {
    expect(save(valid)).toBe(true);
    expect(save({ ...valid, id, folder: '' })).toBe(true);
    expect(save({ ...valid, hostIds: Array(16).fill(id), tags: Array(32).fill('t'.repeat(64)) })).toBe(true);
  });

  it.each([
    ['no hop', { hostIds: [] }],
    ['17 hops', { hostIds: Array(17).fill(id) }],
    ['a bad host id', { hostIds: ['a b'] }],
    ['33 tags', { tags: Array(33).fill('t') }],
    ['a tag of 65 characters', { tags: ['t'.repeat(65)] }],
    ['an empty tag', { tags: [''] }],
    ['a control character in a tag', { tags: ['a\nb'] }],
    ['a blank name', { name: ' ' }],
    ['a name over 200', { name: 'n'.repeat(201) }],
    ['a control character in the folder', { folder: 'a\u0007' }],
    ['a tiny font', { terminal: { ...TERMINAL_DEFAULTS, fontSize: 2 } }],
    ['negative scrollback', { terminal: { ...TERMINAL_DEFAULTS, scrollback: -1 } }],
    ['an unknown terminal option', { terminal: { ...TERMINAL_DEFAULTS, bell: true } }],
    ['an unknown field', { accent: 'red' }],
    ['an unknown colour', { color: 'magenta' }],
    ['a colour that is not a name', { color: '#ff0000' }],
    ['a null colour', { color: null }],
  ])('refuses %s', (_what, change) => {
    expect(save({ ...valid, ...change })).toBe(false);
  });

  it('accepts every named colour, and no colour', () => {
    for (const color of PROFILE_COLORS) expect(save({ ...valid, color }), color).toBe(true);
    expect('color' in valid).toBe(false);
    expect(save(valid)).toBe(true);
  });

  it('checks the other methods', () => {
    expect(profilesSchemas.list.safeParse([]).success).toBe(true);
    expect(profilesSchemas.storeStatus.safeParse([]).success).toBe(true);
    expect(profilesSchemas.remove.safeParse([id]).success).toBe(true);
    expect(profilesSchemas.remove.safeParse([{ id }]).success).toBe(false);
  });
});
