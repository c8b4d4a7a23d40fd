/**
 * The files service against a hostile SFTP server on loopback (issue 16, "hostile and faulty
 * servers"): names no file system holds, a READDIR that never ends, answers that are slow or
 * never come, attributes that lie, a tree with a link out of it and one without a bottom. Each
 * case checks that the outcome is bounded (entries, time), typed, names paths escaped, and that
 * the same service still lists and operates afterwards.
 *
 * No lab needed: `HOPLINE_LAB=skip npx vitest run test/integration/filesHostile.test.ts`.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { FilesService } from '../../app/main/services/files/filesService';
import { HoplineError } from '../../app/shared/model/errors';
import { displayName } from '../../app/shared/model/remoteNames';
import type { RemoteEntry } from '../../app/shared/model/remoteFile';
import { actionableCharacters } from '../helpers/hostileServers';
import { connectHostileSftp, HOSTILE_HOME, HostileSftp, type HostileFiles, type HostileSftpBehaviour } from '../helpers/hostileSftp';

const H = HOSTILE_HOME;
let server: HostileSftp | undefined;
let session: HostileFiles | undefined;

afterEach(async () => {
  await session?.close();
  await server?.close();
  session = undefined;
  server = undefined;
});

async function start(behaviour: HostileSftpBehaviour, build: (s: HostileSftp) => void, options: Parameters<typeof connectHostileSftp>[1] = {}): Promise<HostileFiles> {
  server = new HostileSftp(behaviour);
  build(server);
  await server.start();
  session = await connectHostileSftp(server, options);
  return session;
}

/** Reads a listing to its end; every page is checked to arrive, and the pages are counted. */
async function readAll(files: FilesService, dirId: string): Promise<{ entries: RemoteEntry[]; pages: number; truncated?: string; dropped?: number }> {
  const entries: RemoteEntry[] = [];
  for (let pages = 1; ; pages++) {
    const page = await files.readDir(dirId);
    entries.push(...page.entries);
    if (page.done) return { entries, pages, truncated: page.truncated, dropped: page.dropped };
  }
}

async function failure(promise: Promise<unknown>): Promise<HoplineError> {
  const error = await promise.then(
    () => new Error('expected a failure'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(HoplineError);
  return error as HoplineError;
}

/** The service still does its ordinary work: a listing of home and an operation. */
async function stillUsable(s: HostileFiles): Promise<void> {
  const { dirId, path } = await s.files.openDir(s.circuitId, '~');
  expect(path).toBe(H);
  const { entries } = await readAll(s.files, dirId);
  expect(entries.map((e) => e.name)).toContain('ordinary.txt');
  await s.files.mkdir(s.circuitId, `${H}/made-after-${Date.now()}`);
}

function withHome(s: HostileSftp): void {
  s.file(`${H}/ordinary.txt`, { size: 12 });
}

describe('files service against a hostile SFTP server', () => {
  it('drops names with "/", NUL, "." and "..", keeps bidi and control names raw, and counts what it dropped', async () => {
    const s = await start({ perAnswer: 4 }, (srv) => {
      withHome(srv);
      srv.dir(`${H}/evil`);
      srv.file(`${H}/evil/plain.txt`, { size: 5 });
      srv.raw(`${H}/evil`, [
        { filename: '../escape', attrs: { mode: 0o100644, size: 1 } },
        { filename: '../../../../etc/passwd', attrs: { mode: 0o100644 } },
        { filename: 'a/b', attrs: { mode: 0o040755 } },
        { filename: '/etc/shadow', attrs: { mode: 0o100600 } },
        { filename: 'x\0y', attrs: { mode: 0o100644 } },
        { filename: 'x'.repeat(2000), attrs: { mode: 0o100644 } },
        { filename: '', attrs: { mode: 0o100644 } },
        { filename: 'invoice\u202Efdp.exe', attrs: { mode: 0o100755, size: 9 } },
        { filename: '\x1b]0;pwned\x07\x1b[2Jclear', attrs: { mode: 0o100644 } },
        { filename: 'zero\u200Bwidth', attrs: { mode: 0o100644 } },
      ]);
    });
    const { dirId } = await s.files.openDir(s.circuitId, 'evil');
    const listing = await readAll(s.files, dirId);
    const names = listing.entries.map((e) => e.name).sort();
    expect(names).toEqual(['\x1b]0;pwned\x07\x1b[2Jclear', 'invoice\u202Efdp.exe', 'plain.txt', 'zero\u200Bwidth'].sort());
    // '../escape', the passwd path, 'a/b', '/etc/shadow', NUL, the 2000-char name, '' ('.' and '..' are left out silently).
    expect(listing.dropped).toBe(7);
    expect(listing.truncated).toBeUndefined();
    for (const name of names) expect(actionableCharacters(displayName(name))).toEqual([]);
    expect(displayName('invoice\u202Efdp.exe')).toBe('invoice\\u{202e}fdp.exe');
    await stillUsable(s);
  });

  it('keeps lying or missing attributes within what a number holds, and types entries from the longname', async () => {
    const s = await start({}, (srv) => {
      withHome(srv);
      srv.dir(`${H}/liars`);
      // 2^60 bytes: more than a JavaScript number holds exactly (ssh2's server cannot even encode 2^64 - 1).
      srv.file(`${H}/liars/huge`, { size: 2 ** 60, mtime: 0xffffffff });
      srv.raw(`${H}/liars`, [
        { filename: 'no-attrs-file', longname: '-rw-r--r--    1 alice    staff          10 Jan  1 00:00 no-attrs-file' },
        { filename: 'no-attrs-dir', longname: 'drwxr-xr-x    2 root     wheel        4096 Jan  1 00:00 no-attrs-dir' },
        { filename: 'garbage-longname', longname: '\x1b[2J lies '.repeat(200), attrs: { mode: 0o100644, size: 3 } },
      ]);
    });
    const { dirId } = await s.files.openDir(s.circuitId, `${H}/liars`);
    const { entries } = await readAll(s.files, dirId);
    const by = new Map(entries.map((e) => [e.name, e]));
    const huge = by.get('huge')!;
    expect(Number.isSafeInteger(huge.size)).toBe(true);
    expect(huge.size).toBe(Number.MAX_SAFE_INTEGER);
    expect(Number.isSafeInteger(huge.mtimeMs)).toBe(true);
    expect(by.get('no-attrs-file')).toMatchObject({ type: 'file', size: 0, owner: 'alice', group: 'staff', uid: -1 });
    expect(by.get('no-attrs-dir')).toMatchObject({ type: 'directory', owner: 'root', group: 'wheel' });
    expect(by.get('garbage-longname')).toMatchObject({ type: 'file', size: 3 });
    expect(by.get('garbage-longname')!.owner).toBeUndefined();
    const stat = await s.files.stat(s.circuitId, `${H}/liars/huge`);
    expect(stat).toMatchObject({ name: 'huge', type: 'file', size: Number.MAX_SAFE_INTEGER });
    await stillUsable(s);
  });

  it('ends an endless READDIR at the entry cap, with the count exact and `truncated` saying why', async () => {
    const s = await start({ endless: new Set([`${H}/endless`]) }, (srv) => {
      withHome(srv);
      srv.dir(`${H}/endless`);
    }, { maxListingEntries: 5_000 });
    const started = Date.now();
    const { dirId } = await s.files.openDir(s.circuitId, `${H}/endless`);
    const listing = await readAll(s.files, dirId);
    expect(listing.entries.length).toBe(5_000);
    expect(new Set(listing.entries.map((e) => e.name)).size).toBe(5_000);
    expect(listing.truncated).toMatch(/more than 5,000 entries/);
    expect(listing.pages).toBeGreaterThan(1);
    expect(Date.now() - started).toBeLessThan(10_000);
    // The listing closed its handle on the server, and later reads say it ended.
    await expect.poll(() => server!.requests).toContain(`CLOSE ${H}/endless`);
    expect((await failure(s.files.readDir(dirId))).code).toBe('INVALID_ARGUMENT');
    await stillUsable(s);
  });

  it('ends an endless READDIR at the time bound too', async () => {
    const s = await start({ endless: new Set([`${H}/endless`]), slowReaddir: new Map([[`${H}/endless`, 50]]) }, (srv) => {
      withHome(srv);
      srv.dir(`${H}/endless`);
    }, { listingTimeMs: 1_500 });
    const started = Date.now();
    const { dirId } = await s.files.openDir(s.circuitId, `${H}/endless`);
    const listing = await readAll(s.files, dirId);
    const took = Date.now() - started;
    expect(listing.truncated).toMatch(/longer than 2 seconds|longer than 1 second/);
    expect(listing.entries.length).toBeGreaterThan(0);
    expect(took).toBeGreaterThanOrEqual(1_400);
    expect(took).toBeLessThan(4_000);
    await stillUsable(s);
  });

  it('bounds an answer that never comes, and the service goes on', async () => {
    const s = await start({ silent: new Set([`${H}/stuck`]) }, (srv) => {
      withHome(srv);
      srv.dir(`${H}/stuck`);
    }, { answerTimeMs: 1_000 });
    const started = Date.now();
    // Opening asks about the silent path itself, so that request is the one bounded.
    const error = await failure(s.files.openDir(s.circuitId, `${H}/stuck`));
    expect(error.code).toBe('SFTP_FAILED');
    expect(error.message).toMatch(/did not answer within 1 second/);
    expect(Date.now() - started).toBeLessThan(3_000);
    await stillUsable(s);
  });

  it('bounds slow READDIR answers per answer', async () => {
    const s = await start({ slowReaddir: new Map([[`${H}/slow`, 5_000]]) }, (srv) => {
      withHome(srv);
      srv.dir(`${H}/slow`);
      srv.file(`${H}/slow/a`);
    }, { answerTimeMs: 800 });
    const started = Date.now();
    const { dirId } = await s.files.openDir(s.circuitId, `${H}/slow`);
    const page = await s.files.readDir(dirId);
    expect(page).toMatchObject({ done: true, entries: [] });
    expect(page.truncated).toMatch(/did not answer within 1 second/);
    expect(Date.now() - started).toBeLessThan(3_000);
    await stillUsable(s);
  });

  it('waits for answers that are slow but within the bound', async () => {
    const s = await start({ slowReaddir: new Map([[`${H}/slowish`, 200]]), perAnswer: 2 }, (srv) => {
      withHome(srv);
      srv.dir(`${H}/slowish`);
      for (let i = 0; i < 7; i++) srv.file(`${H}/slowish/f${i}`);
    }, { answerTimeMs: 2_000 });
    const { dirId } = await s.files.openDir(s.circuitId, `${H}/slowish`);
    const listing = await readAll(s.files, dirId);
    expect(listing.entries.map((e) => e.name).sort()).toEqual(['f0', 'f1', 'f2', 'f3', 'f4', 'f5', 'f6']);
    expect(listing.truncated).toBeUndefined();
  });

  it('bounds a silent STAT and says which hop did not answer, with the path escaped', async () => {
    const silentPath = `${H}/\x1b[2Jsilent`;
    const s = await start({ silent: new Set([silentPath]) }, withHome, { answerTimeMs: 700 });
    const started = Date.now();
    const error = await failure(s.files.stat(s.circuitId, silentPath));
    expect(Date.now() - started).toBeLessThan(2_500);
    expect(error.code).toBe('SFTP_FAILED');
    expect(error.message).toContain('Hop 2 (hostile) did not answer within 1 second');
    expect(error.message).toContain('\\x1b[2Jsilent');
    expect(actionableCharacters(error.message)).toEqual([]);
    await stillUsable(s);
  });

  it('survives a malformed packet: the session is lost (HOP_LOST), the process is not, and the next call opens a new one', async () => {
    const bad = `${H}/malformed`;
    const s = await start({ malformed: new Set([bad]) }, withHome);
    // ssh2 emits 'error' on the session (unheard, an uncaught exception in the main process) and
    // drops the callback of the request whose answer was malformed: the call still ends at once.
    const started = Date.now();
    const error = await failure(s.files.stat(s.circuitId, bad));
    expect(error.code).toBe('HOP_LOST');
    expect(error.hop).toEqual({ index: 1, name: 'hostile' });
    expect(Date.now() - started).toBeLessThan(2_000);
    await stillUsable(s);
    // A listing on a session that breaks ends with it.
    const { dirId } = await s.files.openDir(s.circuitId, '.');
    await failure(s.files.stat(s.circuitId, bad));
    expect((await failure(s.files.readDir(dirId))).code).toBe('HOP_LOST');
    await stillUsable(s);
  });

  it('reads symlink targets and their types in a listing, and says nothing was dropped from an ordinary one', async () => {
    const s = await start({}, (srv) => {
      withHome(srv);
      srv.dir(`${H}/links`);
      srv.dir(`${H}/links/real-dir`);
      srv.file(`${H}/links/real-file`, { size: 4 });
      srv.link(`${H}/links/to-dir`, 'real-dir');
      srv.link(`${H}/links/to-file`, `${H}/links/real-file`);
      srv.link(`${H}/links/dangling`, 'nowhere');
    });
    const { dirId } = await s.files.openDir(s.circuitId, `${H}/links`);
    const listing = await readAll(s.files, dirId);
    expect(listing.dropped).toBeUndefined();
    const by = new Map(listing.entries.map((e) => [e.name, e]));
    expect(by.get('to-dir')).toMatchObject({ type: 'symlink', linkTarget: 'real-dir', targetType: 'directory' });
    expect(by.get('to-file')).toMatchObject({ type: 'symlink', linkTarget: `${H}/links/real-file`, targetType: 'file' });
    expect(by.get('dangling')).toMatchObject({ type: 'symlink', linkTarget: 'nowhere' });
    expect(by.get('dangling')!.targetType).toBeUndefined();
    expect(by.get('real-file')).toMatchObject({ type: 'file', owner: 'owner1000', group: 'group1000' });
  });

  it('deletes a tree recursively without following a link out of it or a hostile name', async () => {
    const s = await start({}, (srv) => {
      withHome(srv);
      srv.dir(`${H}/precious`);
      srv.file(`${H}/precious/keep.txt`);
      srv.dir(`${H}/tree/sub/deep`);
      srv.file(`${H}/tree/a.txt`);
      srv.file(`${H}/tree/sub/b.txt`);
      srv.file(`${H}/tree/sub/deep/c.txt`);
      srv.link(`${H}/tree/link-out`, `${H}/precious`);
      srv.link(`${H}/tree/sub/link-up`, '..');
      // A hostile listing naming the folder outside, as if it were inside.
      srv.raw(`${H}/tree`, [{ filename: '../precious', attrs: { mode: 0o040755 } }, { filename: 'sub/../../precious', attrs: { mode: 0o040755 } }]);
    });
    const result = await s.files.remove(s.circuitId, `${H}/tree`, { recursive: true });
    // a.txt, link-out, sub/b.txt, sub/link-up, sub/deep/c.txt, deep, sub, tree.
    expect(result.removed).toBe(8);
    expect(server!.nodes.has(`${H}/tree`)).toBe(false);
    expect(server!.nodes.has(`${H}/precious/keep.txt`)).toBe(true);
    expect(server!.touched(`${H}/precious`)).toEqual([]);
    expect(server!.requests).toContain(`REMOVE ${H}/tree/link-out`);
    await stillUsable(s);
  });

  it('stops a recursive delete of a bottomless tree at the depth bound', async () => {
    const s = await start({ bottomless: `${H}/pit` }, (srv) => {
      withHome(srv);
      srv.dir(`${H}/pit`);
    }, { maxRemoveDepth: 20 });
    const started = Date.now();
    const error = await failure(s.files.remove(s.circuitId, `${H}/pit`, { recursive: true }));
    expect(error.code).toBe('SFTP_FAILED');
    expect(error.message).toMatch(/nested more than 20 folders deep/);
    expect(error.hop).toEqual({ index: 1, name: 'hostile' });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(server!.requests.filter((r) => r.startsWith('OPENDIR')).length).toBeLessThanOrEqual(22);
    await stillUsable(s);
  });

  it('stops a recursive delete of an endless folder at the count bound', async () => {
    const s = await start({ endless: new Set([`${H}/flood`]) }, (srv) => {
      withHome(srv);
      srv.dir(`${H}/flood`);
    }, { maxRemoveEntries: 2_000 });
    const error = await failure(s.files.remove(s.circuitId, `${H}/flood`, { recursive: true }));
    expect(error.message).toMatch(/more than 2,000 entries/);
    expect(server!.requests.filter((r) => r.startsWith('REMOVE')).length).toBe(0);
    await stillUsable(s);
  });

  it('types failures: missing, existing, not empty, each naming the path escaped and the hop', async () => {
    const s = await start({}, (srv) => {
      withHome(srv);
      srv.dir(`${H}/full`);
      srv.file(`${H}/full/x`);
    });
    const missing = await failure(s.files.stat(s.circuitId, `${H}/no\u202Ehere`));
    expect(missing.code).toBe('FILE_NOT_FOUND');
    expect(missing.message).toBe(`${H}/no\\u{202e}here does not exist on hop 2 (hostile)`);
    const exists = await failure(s.files.mkdir(s.circuitId, `${H}/full`));
    expect(exists.code).toBe('FILE_EXISTS');
    expect(exists.message).toBe(`${H}/full already exists on hop 2 (hostile)`);
    const renameOnto = await failure(s.files.rename(s.circuitId, `${H}/ordinary.txt`, `${H}/full`));
    expect(renameOnto.code).toBe('FILE_EXISTS');
    const notEmpty = await failure(s.files.remove(s.circuitId, `${H}/full`));
    expect(notEmpty.message).toMatch(/is not empty/);
    expect(server!.nodes.has(`${H}/full/x`)).toBe(true);
    for (const refused of ['/', '//', '.', '..', `${H}/..`, `${H}/full/.`, `${H}/full/../`]) {
      expect((await failure(s.files.remove(s.circuitId, refused, { recursive: true }))).code, refused).toBe('INVALID_ARGUMENT');
    }
    expect(server!.requests.filter((r) => /^(REMOVE|RMDIR|OPENDIR) /.test(r))).toEqual([`RMDIR ${H}/full`, `OPENDIR ${H}/full`]);
    await expect(s.files.chmod(s.circuitId, `${H}/ordinary.txt`, 0o600)).resolves.toBeUndefined();
    expect(server!.nodes.get(`${H}/ordinary.txt`)!.attrs.mode & 0o7777).toBe(0o600);
    await stillUsable(s);
  });

  it('closes an idle listing by itself', async () => {
    const s = await start({}, (srv) => {
      withHome(srv);
      srv.dir(`${H}/idle`);
    }, { idleMs: 300 });
    const { dirId } = await s.files.openDir(s.circuitId, `${H}/idle`);
    await expect.poll(() => server!.requests, { timeout: 2_000 }).toContain(`CLOSE ${H}/idle`);
    expect((await failure(s.files.readDir(dirId))).code).toBe('INVALID_ARGUMENT');
  });

  it('names the lost hop when the circuit fails under an open listing and after it', async () => {
    const s = await start({ perAnswer: 1 }, (srv) => {
      withHome(srv);
      srv.dir(`${H}/big`);
      for (let i = 0; i < 50; i++) srv.file(`${H}/big/f${i}`);
    });
    const { dirId } = await s.files.openDir(s.circuitId, `${H}/big`);
    expect((await s.files.readDir(dirId)).done).toBe(false);
    const closed = new Promise((resolve) => s.client.once('close', () => resolve(undefined)));
    s.fail(0);
    await closed;
    const lost = await failure(s.files.readDir(dirId));
    expect(lost.code).toBe('HOP_LOST');
    expect(lost.message).toContain('hop 1 (jump)');
    const after = await failure(s.files.home(s.circuitId));
    expect(after.code).toBe('HOP_LOST');
    expect(after.hop).toEqual({ index: 0, name: 'jump' });
  });
});
