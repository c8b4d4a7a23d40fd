/**
 * Forwards saved on a profile: the service keeps them with ids, the schema bounds them, and the
 * saved document (still version 2) reads with and without them.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { CURRENT_SCHEMA_VERSION, DOCUMENT_FILE, DocumentStore, decodeDocument } from '../../../../../app/main/services/profiles/documentStore';
import { HostsService, type HostSecretKinds } from '../../../../../app/main/services/profiles/hostsService';
import { ProfilesService } from '../../../../../app/main/services/profiles/profilesService';
import { HoplineError } from '../../../../../app/shared/model/errors';
import { Emitter } from '../../../../../app/shared/model/event';
import type { ForwardSpec } from '../../../../../app/shared/model/forward';
import { HOST_DEFAULTS } from '../../../../../app/shared/model/host';
import { TERMINAL_DEFAULTS, type ProfileInput } from '../../../../../app/shared/model/profile';
import { MAX_FORWARDS_PER_PROFILE } from '../../../../../app/shared/schema/profileForwards';
import { profilesSchemas } from '../../../../../app/shared/schema/profiles';

const noSecrets: HostSecretKinds = {
  listKinds: async () => [],
  forget: async () => undefined,
  onDidChangeKinds: new Emitter<{ hostId: string; kinds: [] }>().event,
};

const root = mkdtempSync(path.join(tmpdir(), 'hl-profile-forwards-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;
let dir: string;
let store: DocumentStore;
let profiles: ProfilesService;
let hostIds: string[];

beforeEach(async () => {
  dir = path.join(root, `d${++dirs}`);
  store = await DocumentStore.open(dir);
  const hosts = new HostsService(store, noSecrets, { homeDir: '/home/ana', localUser: 'ana' });
  profiles = new ProfilesService(store);
  hostIds = [];
  for (const name of ['jump', 'target']) hostIds.push((await hosts.save({ ...HOST_DEFAULTS, name, address: `${name}.example.net`, user: 'ops' })).id);
  return () => {
    hosts.dispose();
    profiles.dispose();
  };
});

const DB: ForwardSpec = { kind: 'local', bindPort: 15432, host: 'db.internal', hostPort: 5432, autoStart: true };
const SOCKS: ForwardSpec = { kind: 'dynamic', bindAddress: 'localhost', bindPort: 1080 };
const BACK: ForwardSpec = { kind: 'remote', bindPort: 9000, host: '127.0.0.1', hostPort: 3000, autoStart: false };
const input = (forwards?: ForwardSpec[]): ProfileInput => ({ name: 'Prod', folder: '', tags: [], hostIds: [...hostIds], terminal: { ...TERMINAL_DEFAULTS }, ...(forwards ? { forwards } : {}) });

describe('ProfilesService with forwards', () => {
  it('saves forwards in order, giving each new one an id and keeping saved ids', async () => {
    const saved = await profiles.save(input([DB, SOCKS]));
    expect(saved.forwards).toHaveLength(2);
    const [db, socks] = saved.forwards!;
    expect(db).toEqual({ ...DB, id: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    expect(socks).toEqual({ ...SOCKS, id: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    expect(db!.id).not.toBe(socks!.id);

    // An edit: the first changed, one added; saved ids stay, the new one gets its own.
    const edited = await profiles.save({ ...saved, forwards: [{ ...db!, bindPort: 15433 }, socks!, BACK] });
    expect(edited.forwards!.map((f) => f.id).slice(0, 2)).toEqual([db!.id, socks!.id]);
    expect(edited.forwards![0]).toMatchObject({ bindPort: 15433 });
    expect(edited.forwards![2]).toEqual({ ...BACK, id: expect.any(String) });
    expect((await profiles.list())[0]!.forwards).toEqual(edited.forwards);

    // On disk, in the same version-2 document.
    const onDisk = JSON.parse(readFileSync(path.join(dir, DOCUMENT_FILE), 'utf8')) as { schemaVersion: number; profiles: { forwards: ForwardSpec[] }[] };
    expect(onDisk.schemaVersion).toBe(CURRENT_SCHEMA_VERSION);
    expect(onDisk.profiles[0]!.forwards).toEqual(edited.forwards);
  });

  it('keeps the saved forwards when an update leaves them out (callers that predate forwards), and [] removes them', async () => {
    const saved = await profiles.save(input([DB, SOCKS]));
    const { forwards: _dropped, ...withoutForwards } = saved;
    const renamed = await profiles.save({ ...withoutForwards, name: 'Production' });
    expect(renamed.name).toBe('Production');
    expect(renamed.forwards).toEqual(saved.forwards);
    const cleared = await profiles.save({ ...renamed, forwards: [] });
    expect('forwards' in cleared).toBe(false);
    expect('forwards' in (await profiles.list())[0]!).toBe(false);
  });

  it('leaves a profile without forwards without the field, and an empty list is no forwards', async () => {
    expect('forwards' in (await profiles.save(input()))).toBe(false);
    const emptied = await profiles.save({ ...input([]), name: 'Other' });
    expect('forwards' in emptied).toBe(false);
  });

  it('copies: changing what was passed or returned changes nothing saved', async () => {
    const mine = [{ ...DB }];
    const saved = await profiles.save(input(mine));
    mine[0]!.bindPort = 1;
    saved.forwards![0]!.bindPort = 2;
    expect((await profiles.list())[0]!.forwards![0]!.bindPort).toBe(15432);
  });

  it('refuses two forwards with the same id', async () => {
    const error = await profiles.save(input([{ ...DB, id: 'f1' }, { ...SOCKS, id: 'f1' }])).then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(HoplineError);
    expect((error as HoplineError).message).toMatch(/same id|the id f1/);
  });

  it('reopens the saved forwards from disk', async () => {
    const saved = await profiles.save(input([DB, BACK]));
    const reopened = await DocumentStore.open(dir);
    expect(reopened.snapshot().profiles[0]!.forwards).toEqual(saved.forwards);
  });
});

describe('forwards in the profile schema', () => {
  const id = '0b8f8e4e-2b0a-4c3c-9d55-6f1b0e1b2c3d';
  const valid: ProfileInput = { name: 'Prod', folder: '', tags: [], hostIds: [id], terminal: TERMINAL_DEFAULTS };
  const save = (forwards: unknown) => profilesSchemas.save.safeParse([{ ...valid, forwards }]).success;

  it('accepts the three kinds, with and without ids, bind addresses and autoStart', () => {
    expect(save([])).toBe(true);
    expect(save([DB, SOCKS, BACK])).toBe(true);
    expect(save([{ ...DB, id: 'f1', bindAddress: '*' }, { ...SOCKS, id: 'f2', bindAddress: '::1' }])).toBe(true);
    expect(save([{ kind: 'local', bindPort: 1, host: 'fe80::1', hostPort: 65535 }])).toBe(true);
    expect(save([{ kind: 'remote', bindPort: 0, host: 'fe80::1', hostPort: 65535 }])).toBe(true);
    expect(save(Array(MAX_FORWARDS_PER_PROFILE).fill(SOCKS))).toBe(true);
  });

  it.each([
    ['an unknown kind', [{ ...DB, kind: 'tunnel' }]],
    ['a port over 65535', [{ ...DB, bindPort: 65536 }]],
    ['a negative port', [{ ...DB, bindPort: -1 }]],
    ['a fractional port', [{ ...DB, bindPort: 80.5 }]],
    ['destination port 0', [{ ...DB, hostPort: 0 }]],
    ['listening port 0 for -L (ssh refuses it)', [{ ...DB, bindPort: 0 }]],
    ['a local forward without a host', [{ kind: 'local', bindPort: 1, hostPort: 2 }]],
    ['a remote forward without a port', [{ kind: 'remote', bindPort: 1, host: 'h' }]],
    ['a dynamic forward with a destination', [{ ...SOCKS, host: 'h', hostPort: 1 }]],
    ['a host with a space', [{ ...DB, host: 'a b' }]],
    ['a host like an option', [{ ...DB, host: '-oProxyCommand=x' }]],
    ['a bind address with a newline', [{ ...DB, bindAddress: 'a\nb' }]],
    ['an empty bind address', [{ ...DB, bindAddress: '' }]],
    ['a bad id', [{ ...DB, id: 'a b' }]],
    ['the same id twice', [{ ...DB, id: 'f1' }, { ...SOCKS, id: 'f1' }]],
    ['an unknown field', [{ ...DB, socket: '/tmp/x' }]],
    ['too many', Array(MAX_FORWARDS_PER_PROFILE + 1).fill(SOCKS)],
    ['not a list', DB],
  ])('refuses %s', (_what, forwards) => {
    expect(save(forwards)).toBe(false);
  });
});

describe('the saved document', () => {
  const host = { id: 'h1', ...HOST_DEFAULTS, name: 'h', address: 'h.example.net', user: 'ops' };
  const profile = { id: 'p1', name: 'P', folder: '', tags: [], hostIds: ['h1'], terminal: { ...TERMINAL_DEFAULTS } };
  const doc = (p: object) => JSON.stringify({ schemaVersion: 2, hosts: [host], profiles: [p], settings: {} });

  it('reads a version-2 document written before forwards existed, unchanged', () => {
    const decoded = decodeDocument(doc(profile));
    expect(decoded.ok).toBe(true);
    if (decoded.ok) expect(decoded.document.profiles[0]).toEqual(profile);
  });

  it('reads saved forwards, and refuses saved ones without ids or with bad ports', () => {
    const decoded = decodeDocument(doc({ ...profile, forwards: [{ ...DB, id: 'f1' }] }));
    expect(decoded.ok && decoded.document.profiles[0]!.forwards).toEqual([{ ...DB, id: 'f1' }]);
    expect(decodeDocument(doc({ ...profile, forwards: [DB] })).ok).toBe(false);
    expect(decodeDocument(doc({ ...profile, forwards: [{ ...DB, id: 'f1', hostPort: 70000 }] })).ok).toBe(false);
  });
});
