import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import * as fsp from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  CURRENT_SCHEMA_VERSION,
  decodeDocument,
  DocumentStore,
  type HoplineDocument,
  type StoreFs,
  type StoredHost,
} from '../../../../../app/main/services/profiles/documentStore';
import { ErrorCode, HoplineError } from '../../../../../app/shared/model/errors';
import { HOST_DEFAULTS } from '../../../../../app/shared/model/host';
import { TERMINAL_DEFAULTS } from '../../../../../app/shared/model/profile';

const root = mkdtempSync(path.join(tmpdir(), 'hl-store-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;
const freshDir = (): string => path.join(root, `d${++dirs}`);

const host = (id: string, name = id): StoredHost => ({ ...structuredClone(HOST_DEFAULTS), id, name, address: `${id}.example.net`, user: 'ops' });
const profile = (id: string, hostIds: string[]) => ({ id, name: `profile ${id}`, folder: '', tags: [], hostIds, terminal: { ...TERMINAL_DEFAULTS } });
const docFile = (dir: string): string => path.join(dir, 'hopline.json');
const readDoc = (dir: string): HoplineDocument => JSON.parse(readFileSync(docFile(dir), 'utf8')) as HoplineDocument;

/** Runs `fn` and returns what it threw (failing the test if it did not throw). */
async function thrown(fn: () => Promise<unknown>): Promise<HoplineError> {
  try {
    await fn();
  } catch (error) {
    expect(error).toBeInstanceOf(HoplineError);
    return error as HoplineError;
  }
  throw new Error('expected a HoplineError');
}

function errno(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: injected`), { code });
}

/** Real fs, with `failing` switched on and off by the test. */
function faultyFs(overrides: (real: StoreFs) => Partial<StoreFs>): StoreFs {
  const real: StoreFs = fsp;
  return { ...real, ...overrides(real) };
}

const tempFiles = (dir: string): string[] => readdirSync(dir).filter((n) => n.includes('.tmp-'));

describe('DocumentStore: opening', () => {
  it('starts empty when there is no file, making the data dir (owner only)', async () => {
    const dir = freshDir();
    const store = await DocumentStore.open(dir);
    expect(store.snapshot()).toEqual({ schemaVersion: CURRENT_SCHEMA_VERSION, hosts: [], profiles: [], settings: {} });
    expect(store.status()).toEqual({ setAsidePath: null, problem: null });
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    // Opening writes nothing.
    expect(readdirSync(dir)).toEqual([]);
  });

  it('loads what it saved', async () => {
    const dir = freshDir();
    const store = await DocumentStore.open(dir);
    await store.update((d) => {
      d.hosts.push(host('h1'));
      d.profiles.push(profile('p1', ['h1']));
    });
    const again = await DocumentStore.open(dir);
    expect(again.snapshot()).toEqual(store.snapshot());
    expect(again.status().problem).toBeNull();
  });

  it('sets a file that is not JSON aside untouched and starts empty, saying why', async () => {
    const dir = freshDir();
    mkdirSync(dir);
    const bytes = Buffer.from('{"schemaVersion": 1, "hosts": [ {"id": "h1", "na');
    writeFileSync(docFile(dir), bytes);
    const store = await DocumentStore.open(dir, { now: () => new Date('2026-03-04T05:06:07.089Z') });
    const status = store.status();
    expect(status.setAsidePath).toBe(path.join(dir, 'hopline.json.corrupt-20260304T050607.089Z'));
    expect(readFileSync(status.setAsidePath!).equals(bytes)).toBe(true);
    expect(status.problem).toContain('is not valid JSON');
    expect(status.problem).toContain(status.setAsidePath!);
    expect(status.problem).toContain('empty library');
    expect(existsSync(docFile(dir))).toBe(false);
    expect(store.snapshot().hosts).toEqual([]);
    await store.update((d) => void d.hosts.push(host('h2')));
    expect(readDoc(dir).hosts.map((h) => h.id)).toEqual(['h2']);
  });

  it('never sets aside over an earlier set-aside file', async () => {
    const dir = freshDir();
    mkdirSync(dir);
    const now = () => new Date('2026-03-04T05:06:07.089Z');
    writeFileSync(docFile(dir), 'first');
    await DocumentStore.open(dir, { now });
    writeFileSync(docFile(dir), 'second');
    const store = await DocumentStore.open(dir, { now });
    expect(store.status().setAsidePath).toMatch(/corrupt-20260304T050607\.089Z-2$/);
    expect(readFileSync(path.join(dir, 'hopline.json.corrupt-20260304T050607.089Z'), 'utf8')).toBe('first');
    expect(readFileSync(store.status().setAsidePath!, 'utf8')).toBe('second');
  });

  it.each([
    ['not UTF-8', Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), 'is not UTF-8 text'],
    ['an array', Buffer.from('[]'), 'does not hold a Hopline document'],
    ['a bad version', Buffer.from('{"schemaVersion": "one"}'), 'not a version number'],
    ['from a newer Hopline', Buffer.from('{"schemaVersion": 3, "hosts": [], "profiles": [], "settings": {}, "groups": []}'), 'newer version of Hopline (document version 3; this version reads up to 2)'],
    ['an unknown setting', Buffer.from(JSON.stringify({ schemaVersion: 2, hosts: [], profiles: [], settings: { app: { theme: 'dark', ligatures: true } } })), 'settings.app'],
    ['a setting out of bounds', Buffer.from(JSON.stringify({ schemaVersion: 2, hosts: [], profiles: [], settings: { app: { terminal: { fontSize: 400 } } } })), 'settings.app.terminal.fontSize'],
    ['a layout nested too deep', Buffer.from(JSON.stringify({ schemaVersion: 2, hosts: [], profiles: [], settings: { workspace: { version: 1, dock: JSON.parse('['.repeat(40) + ']'.repeat(40)), panels: {} } } })), 'nested more than 32'],
    ['invalid', Buffer.from(JSON.stringify({ schemaVersion: 1, hosts: [{ ...host('h1'), port: 0 }], profiles: [], settings: {} })), 'hosts.0.port'],
    ['a profile naming a missing host', Buffer.from(JSON.stringify({ schemaVersion: 1, hosts: [host('h1')], profiles: [profile('p1', ['h1', 'gone'])], settings: {} })), 'no host with id gone'],
    ['a duplicated host id', Buffer.from(JSON.stringify({ schemaVersion: 1, hosts: [host('h1'), host('h1')], profiles: [], settings: {} })), 'host id h1 appears twice'],
    ['a password smuggled into a host', Buffer.from(JSON.stringify({ schemaVersion: 1, hosts: [{ ...host('h1'), password: 'x' }], profiles: [], settings: {} })), 'hosts.0'],
  ])('sets aside a file that is %s', async (_what, bytes, reason) => {
    const dir = freshDir();
    mkdirSync(dir);
    writeFileSync(docFile(dir), bytes);
    const store = await DocumentStore.open(dir);
    expect(store.status().problem).toContain(reason);
    expect(readFileSync(store.status().setAsidePath!).equals(bytes)).toBe(true);
    expect(store.snapshot().hosts).toEqual([]);
  });

  it('restores from a valid .bak, writes it back, and says the last change may be missing', async () => {
    const dir = freshDir();
    const store = await DocumentStore.open(dir);
    await store.update((d) => void d.hosts.push(host('h1')));
    await store.update((d) => void d.hosts.push(host('h2')));
    writeFileSync(docFile(dir), '\0\0\0 torn');
    const reopened = await DocumentStore.open(dir);
    expect(reopened.snapshot().hosts.map((h) => h.id)).toEqual(['h1']);
    const status = reopened.status();
    expect(status.problem).toMatch(/moved aside, unchanged.*restored your library from the backup .*hopline\.json\.bak.*may be missing/);
    expect(readFileSync(status.setAsidePath!, 'utf8')).toBe('\0\0\0 torn');
    // Written back: the next start finds it without the status problem.
    expect(readDoc(dir).hosts.map((h) => h.id)).toEqual(['h1']);
    expect((await DocumentStore.open(dir)).status().problem).toBeNull();
  });

  it('does not restore from a .bak that is itself invalid', async () => {
    const dir = freshDir();
    mkdirSync(dir);
    writeFileSync(docFile(dir), 'nope');
    writeFileSync(`${docFile(dir)}.bak`, '{"schemaVersion": 1}');
    const store = await DocumentStore.open(dir);
    expect(store.snapshot().hosts).toEqual([]);
    expect(store.status().problem).toContain('started with an empty library');
  });

  it('refuses to save over a bad file it could not move aside', async () => {
    const dir = freshDir();
    mkdirSync(dir);
    writeFileSync(docFile(dir), 'garbage');
    const fs = faultyFs((real) => ({
      rename: async (from, to) => (String(from) === docFile(dir) ? Promise.reject(errno('EBUSY')) : real.rename(from, to)),
    }));
    const store = await DocumentStore.open(dir, { fs });
    expect(store.status().setAsidePath).toBeNull();
    expect(store.status().problem).toMatch(/could not be moved aside either \(EBUSY\).*will not save over it/);
    const error = await thrown(() => store.update((d) => void d.hosts.push(host('h1'))));
    expect(error.code).toBe(ErrorCode.INTERNAL);
    expect(readFileSync(docFile(dir), 'utf8')).toBe('garbage');
  });

  it('removes temp files left by a process killed mid-save, but not those of a live one', async () => {
    const dir = freshDir();
    mkdirSync(dir);
    // No process has pid 2^22 + 1 (above Linux's pid_max limit).
    const dead = ['hopline.json.tmp-4194305-1', 'hopline.json.bak.tmp-4194305-2'];
    const live = `hopline.json.tmp-${process.pid}-99`;
    for (const name of [...dead, live, 'hopline.json.tmp-notes.txt']) writeFileSync(path.join(dir, name), 'partial');
    await DocumentStore.open(dir);
    expect(readdirSync(dir).sort()).toEqual([live, 'hopline.json.tmp-notes.txt'].sort());
  });
});

describe('DocumentStore: migrations', () => {
  const v0 = {
    hosts: [
      { id: 'bastion', name: 'Bastion', host: 'bastion.example.net', user: 'ops', authMethods: ['agent', 'publickey', 'password'], keyFile: '~/.ssh/id_rsa', proxyCommand: '/usr/bin/nc -X 5 -x proxy:1080 %h %p' },
      { id: 7, name: 'Target', address: 'target.internal', port: 2222, user: 'app', authMethods: ['keyboard-interactive'], agentForward: true },
    ],
    profiles: [{ id: 'prod', name: 'Prod', hostIds: ['bastion', 7], terminal: { fontSize: 15 } }],
  };

  it('reads a document without schemaVersion as v0 and migrates it', () => {
    const decoded = decodeDocument(JSON.stringify(v0));
    if (!decoded.ok) throw new Error(decoded.reason);
    expect(decoded.migratedFrom).toBe(0);
    const doc = decoded.document;
    expect(doc.schemaVersion).toBe(2);
    expect(doc.settings).toEqual({});
    const [bastion, target] = doc.hosts;
    expect(bastion).toEqual({
      ...HOST_DEFAULTS,
      id: 'bastion',
      name: 'Bastion',
      address: 'bastion.example.net',
      user: 'ops',
      auth: [{ kind: 'agent' }, { kind: 'publickey', keyFile: '~/.ssh/id_rsa' }, { kind: 'password' }],
      proxy: { kind: 'command', command: '/usr/bin/nc -X 5 -x proxy:1080 %h %p' },
    });
    // 7 is not an id any more: a new one, and the profile follows it.
    expect(target!.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(target).toMatchObject({ address: 'target.internal', port: 2222, auth: [{ kind: 'keyboard-interactive' }], agentForward: true });
    expect(doc.profiles).toEqual([{ id: 'prod', name: 'Prod', folder: '', tags: [], hostIds: ['bastion', target!.id], terminal: { ...TERMINAL_DEFAULTS, fontSize: 15 } }]);
  });

  it('opens a v0 file, leaves it as it is until the first save, then keeps it as the .bak', async () => {
    const dir = freshDir();
    mkdirSync(dir);
    const text = JSON.stringify(v0);
    writeFileSync(docFile(dir), text);
    const store = await DocumentStore.open(dir);
    expect(store.status().problem).toBeNull();
    expect(store.snapshot().hosts).toHaveLength(2);
    expect(readFileSync(docFile(dir), 'utf8')).toBe(text);
    await store.update((d) => void (d.hosts[0]!.name = 'Renamed'));
    expect(readDoc(dir).schemaVersion).toBe(2);
    expect(readFileSync(`${docFile(dir)}.bak`, 'utf8')).toBe(text);
  });

  const v1 = {
    schemaVersion: 1,
    hosts: [host('h1'), host('h2')],
    profiles: [profile('p1', ['h1', 'h2'])],
    settings: { window: { width: 1200, height: 800 } },
  };

  it('reads a v1 document as it is, with the version moved to 2', () => {
    const decoded = decodeDocument(JSON.stringify(v1));
    if (!decoded.ok) throw new Error(decoded.reason);
    expect(decoded.migratedFrom).toBe(1);
    expect(decoded.document).toEqual({ ...v1, schemaVersion: 2 });
  });

  it('opens a v1 file untouched, saves it back as v2, and keeps the v1 file as the .bak', async () => {
    const dir = freshDir();
    mkdirSync(dir);
    const text = JSON.stringify(v1, null, 2);
    writeFileSync(docFile(dir), text);
    const store = await DocumentStore.open(dir);
    expect(store.status()).toEqual({ setAsidePath: null, problem: null });
    expect(store.snapshot()).toEqual({ ...v1, schemaVersion: 2 });
    expect(readFileSync(docFile(dir), 'utf8')).toBe(text);
    await store.update((d) => void (d.settings.app = { theme: 'dark' }));
    expect(readDoc(dir)).toEqual({ ...v1, schemaVersion: 2, settings: { ...v1.settings, app: { theme: 'dark' } } });
    expect(readFileSync(`${docFile(dir)}.bak`, 'utf8')).toBe(text);
    const again = await DocumentStore.open(dir);
    expect(again.status().problem).toBeNull();
    expect(again.snapshot()).toEqual(store.snapshot());
  });

  it('sets a v3 file aside as from a newer Hopline, untouched', async () => {
    const dir = freshDir();
    mkdirSync(dir);
    const text = JSON.stringify({ ...v1, schemaVersion: 3 });
    writeFileSync(docFile(dir), text);
    const store = await DocumentStore.open(dir);
    expect(store.status().problem).toContain('was written by a newer version of Hopline (document version 3; this version reads up to 2)');
    expect(readFileSync(store.status().setAsidePath!, 'utf8')).toBe(text);
    expect(store.snapshot().hosts).toEqual([]);
  });

  it('sets aside a v0 document it cannot map rather than guessing', async () => {
    const dir = freshDir();
    mkdirSync(dir);
    writeFileSync(docFile(dir), JSON.stringify({ hosts: [{ ...v0.hosts[0], authMethods: ['hostbased'] }], profiles: [] }));
    const store = await DocumentStore.open(dir);
    expect(store.status().problem).toContain('hosts.0.auth.0');
    expect(store.snapshot().hosts).toEqual([]);
  });
});

describe('DocumentStore: saving', () => {
  it('writes owner-only, keeps the previous file as .bak byte for byte, leaves no temp file', async () => {
    const dir = freshDir();
    const store = await DocumentStore.open(dir);
    await store.update((d) => void d.hosts.push(host('h1')));
    expect(existsSync(`${docFile(dir)}.bak`)).toBe(false);
    const first = readFileSync(docFile(dir));
    await store.update((d) => void d.hosts.push(host('h2')));
    expect(readFileSync(`${docFile(dir)}.bak`).equals(first)).toBe(true);
    expect(readDoc(dir).hosts).toHaveLength(2);
    expect(statSync(docFile(dir)).mode & 0o777).toBe(0o600);
    expect(tempFiles(dir)).toEqual([]);
  });

  it('copies to .bak where hard links are not supported', async () => {
    const dir = freshDir();
    const store = await DocumentStore.open(dir, { fs: faultyFs(() => ({ link: () => Promise.reject(errno('EPERM')) })) });
    await store.update((d) => void d.hosts.push(host('h1')));
    const first = readFileSync(docFile(dir));
    await store.update((d) => void d.hosts.push(host('h2')));
    expect(readFileSync(`${docFile(dir)}.bak`).equals(first)).toBe(true);
    expect(tempFiles(dir)).toEqual([]);
  });

  it('runs concurrent updates one after another, each on the state the previous one left', async () => {
    const dir = freshDir();
    const store = await DocumentStore.open(dir);
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        store.update((d) => {
          d.hosts.push(host(`h${i}`));
          return d.hosts.length;
        }),
      ),
    );
    expect(results).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(readDoc(dir).hosts.map((h) => h.id)).toEqual(Array.from({ length: 40 }, (_, i) => `h${i}`));
  });

  it('refuses a document that would not validate, keeping file and memory as they were', async () => {
    const dir = freshDir();
    const store = await DocumentStore.open(dir);
    await store.update((d) => void d.hosts.push(host('h1')));
    const before = readFileSync(docFile(dir));
    const error = await thrown(() => store.update((d) => void d.profiles.push(profile('p1', ['missing']))));
    expect(error.code).toBe(ErrorCode.INVALID_ARGUMENT);
    expect(error.message).toContain('no host with id missing');
    const bad = await thrown(() => store.update((d) => void (d.hosts[0]!.port = 70000)));
    expect(bad.message).toContain('hosts.0.port');
    expect(readFileSync(docFile(dir)).equals(before)).toBe(true);
    expect(store.snapshot().hosts[0]!.port).toBe(22);
    expect(store.snapshot().profiles).toEqual([]);
  });

  it('abandons an update whose mutation throws, and goes on with the next', async () => {
    const store = await DocumentStore.open(freshDir());
    const failed = store.update((d) => {
      d.hosts.push(host('h1'));
      throw new HoplineError(ErrorCode.INVALID_ARGUMENT, 'no');
    });
    const next = store.update((d) => d.hosts.length);
    await expect(failed).rejects.toThrow('no');
    expect(await next).toBe(0);
  });

  it('hands out a frozen document: a change must go through update()', async () => {
    const store = await DocumentStore.open(freshDir());
    await store.update((d) => void d.hosts.push(host('h1')));
    expect(() => (store.snapshot().hosts as StoredHost[]).push(host('h2'))).toThrow(TypeError);
    expect(() => ((store.snapshot().hosts[0] as StoredHost).name = 'x')).toThrow(TypeError);
  });

  it('fires onDidCommit after a save, with both versions, and not for an update that changes nothing', async () => {
    const store = await DocumentStore.open(freshDir());
    const seen: string[] = [];
    store.onDidCommit(({ previous, current }) => seen.push(`${previous.hosts.length}->${current.hosts.length}`));
    await store.update((d) => void d.hosts.push(host('h1')));
    await store.update(() => undefined);
    await store.update((d) => void (d.hosts[0]!.name = 'h1'));
    expect(seen).toEqual(['0->1']);
  });

  it.each([
    ['ENOSPC', 'the disk is full'],
    ['EACCES', 'permission denied'],
    ['EROFS', 'the file system is read-only'],
  ])('on %s while writing: a typed error, temp file removed, file and memory unchanged', async (code, why) => {
    const dir = freshDir();
    let failing = false;
    const fs = faultyFs((real) => ({
      open: async (file, flags, mode) => {
        const handle = await real.open(file, flags, mode);
        if (!failing || !String(file).includes('.tmp-')) return handle;
        // The temp file exists (as on a real full disk) when the write fails.
        handle.writeFile = () => Promise.reject(errno(code));
        return handle;
      },
    }));
    const store = await DocumentStore.open(dir, { fs });
    await store.update((d) => void d.hosts.push(host('h1')));
    const before = readFileSync(docFile(dir));
    failing = true;
    const error = await thrown(() => store.update((d) => void d.hosts.push(host('h2'))));
    expect(error.code).toBe(ErrorCode.INTERNAL);
    expect(error.message).toBe(`Could not save your hosts and profiles in ${dir}: ${why}. Your previous data is intact.`);
    expect(readFileSync(docFile(dir)).equals(before)).toBe(true);
    expect(tempFiles(dir)).toEqual([]);
    expect(store.snapshot().hosts.map((h) => h.id)).toEqual(['h1']);
    failing = false;
    await store.update((d) => void d.hosts.push(host('h3')));
    expect(readDoc(dir).hosts.map((h) => h.id)).toEqual(['h1', 'h3']);
  });

  it('on a failed rename: the same, and the .bak still holds a good file', async () => {
    const dir = freshDir();
    let failing = false;
    const fs = faultyFs((real) => ({
      rename: (from, to) => (failing && String(to) === docFile(dir) ? Promise.reject(errno('EROFS')) : real.rename(from, to)),
    }));
    const store = await DocumentStore.open(dir, { fs });
    await store.update((d) => void d.hosts.push(host('h1')));
    failing = true;
    await expect(store.update((d) => void d.hosts.push(host('h2')))).rejects.toThrow('read-only. Your previous data is intact.');
    expect(readDoc(dir).hosts.map((h) => h.id)).toEqual(['h1']);
    expect(decodeDocument(readFileSync(`${docFile(dir)}.bak`, 'utf8')).ok).toBe(true);
    expect(tempFiles(dir)).toEqual([]);
  });

  it('counts a save whose directory fsync failed as saved: the file is already in place', async () => {
    const dir = freshDir();
    const fs = faultyFs((real) => ({
      open: (file, flags, mode) => (String(file) === dir ? Promise.reject(errno('EIO')) : real.open(file, flags, mode)),
    }));
    const store = await DocumentStore.open(dir, { fs });
    await store.update((d) => void d.hosts.push(host('h1')));
    expect(readDoc(dir).hosts).toHaveLength(1);
  });
});

describe('DocumentStore: app settings and layout', () => {
  it('keeps saved settings and a layout across starts, beside the library', async () => {
    const dir = freshDir();
    const store = await DocumentStore.open(dir);
    const workspace = { version: 1 as const, dock: { grid: { root: { type: 'branch', data: [] } } }, panels: { builder: { kind: 'builder' as const, profileId: null } } };
    await store.update((d) => {
      d.hosts.push(host('h1'));
      d.settings.app = { theme: 'light', terminal: { fontSize: 15 } };
      d.settings.workspace = workspace;
    });
    const again = await DocumentStore.open(dir);
    expect(again.snapshot().settings).toEqual({ app: { theme: 'light', terminal: { fontSize: 15 } }, workspace });
    expect(readDoc(dir).schemaVersion).toBe(2);
  });

  it('refuses to save settings that would not validate', async () => {
    const store = await DocumentStore.open(freshDir());
    const error = await thrown(() => store.update((d) => void (d.settings.app = { theme: 'neon' as 'dark' })));
    expect(error.code).toBe(ErrorCode.INVALID_ARGUMENT);
    expect(error.message).toContain('settings.app.theme');
  });
});

describe('DocumentStore: window settings', () => {
  it('remembers the window bounds across starts', async () => {
    const dir = freshDir();
    const store = await DocumentStore.open(dir);
    expect(store.windowBounds()).toBeUndefined();
    await store.setWindowBounds({ width: 1200, height: 800, x: -1600, y: 40 });
    expect((await DocumentStore.open(dir)).windowBounds()).toEqual({ width: 1200, height: 800, x: -1600, y: 40 });
  });

  it('refuses nonsense bounds', async () => {
    const store = await DocumentStore.open(freshDir());
    const error = await thrown(() => store.setWindowBounds({ width: 0, height: 800 }));
    expect(error.code).toBe(ErrorCode.INVALID_ARGUMENT);
    await expect(store.setWindowBounds({ width: 10.5, height: 800 })).rejects.toThrow('width');
  });
});
