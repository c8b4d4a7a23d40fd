/**
 * The files service through a 3-hop circuit against real OpenSSH (issue 16): the target's sshd
 * runs `Subsystem sftp internal-sftp`, and the SFTP session rides the circuit's own target
 * connection. Home, a listing with owner, mode, size and symlink targets, a folder of 100,000
 * entries read page by page to its exact count, and mkdir, rename, chmod and delete (a recursive
 * one that removes a link out of the tree as a link), each checked on the target itself with a
 * shell command over the same circuit.
 */
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { CircuitEngine } from '../../app/main/services/engine/circuitEngine';
import type { HopSpec } from '../../app/main/services/engine/hopSpec';
import { PromptBroker } from '../../app/main/services/engine/promptBroker';
import { FilesService } from '../../app/main/services/files/filesService';
import { SftpSessions } from '../../app/main/services/files/sftpSessions';
import { HoplineError } from '../../app/shared/model/errors';
import type { RemoteEntry } from '../../app/shared/model/remoteFile';
import { noTransfers } from '../helpers/hostileSftp';
import { execText } from '../helpers/ssh';
import { labRestore, totpCode, type LabStatus } from '../lab/lab';
import { requirement } from '../setup/requirements';

const lab = inject('lab');
const runs = requirement('the real-OpenSSH lab', lab ? null : (inject('labMissing') ?? 'lab not up'));

describe.runIf(runs)('files through a 3-hop circuit (lab, internal-sftp)', () => {
  const status = lab as LabStatus;
  const host = (name: string) => status.hosts.find((h) => h.name === name)!;
  const dir = mkdtempSync(path.join(tmpdir(), 'hl-files-'));
  const knownHosts = path.join(dir, 'known_hosts');
  copyFileSync(status.knownHosts, knownHosts);
  let engine: CircuitEngine;
  let sessions: SftpSessions;
  let files: FilesService;
  let circuitId: string;
  let home: string;
  /** A folder of this run's own on the target, removed after. */
  let work: string;

  const key = (): HopSpec['auth'] => [{ kind: 'publickey', keyFile: status.clientKey }];
  const route = (): HopSpec[] => [
    { name: 'bastion-mfa', host: host('bastion-mfa').address, port: 22, user: 'ops', auth: [{ kind: 'keyboard-interactive' }], connectTimeoutMs: 10_000 },
    { name: 'bastion-key', host: host('bastion-key').address, port: 22, user: 'ops', auth: key(), connectTimeoutMs: 10_000 },
    { name: 'target', host: host('target').address, port: 22, user: 'ops', auth: key(), connectTimeoutMs: 10_000 },
  ];
  /** Runs a shell command on the target over the same circuit; fails the test on a non-zero exit. */
  const sh = async (command: string): Promise<string> => {
    const { stdout, code } = await execText(engine.target(circuitId), command);
    expect(code, command).toBe(0);
    return stdout.trim();
  };
  const readAll = async (dirId: string): Promise<{ entries: RemoteEntry[]; pages: number; truncated?: string }> => {
    const entries: RemoteEntry[] = [];
    for (let pages = 1; ; pages++) {
      const page = await files.readDir(dirId);
      for (const entry of page.entries) entries.push(entry);
      if (page.done) return { entries, pages, truncated: page.truncated };
    }
  };

  beforeAll(async () => {
    const broker = new PromptBroker();
    engine = new CircuitEngine({ hostKeyFiles: { userFiles: [], appFile: knownHosts }, prompts: broker });
    broker.onDidRequest((r) => void broker.answer(r.id, r.prompts.map((p) => (p.text.startsWith('Password') ? status.users.ops.password : totpCode(status.users.ops.totpSecret))), []));
    sessions = new SftpSessions(engine);
    files = new FilesService({ sessions, transfers: noTransfers });
    circuitId = (await engine.open(route())).id;
    home = await sh('cd && pwd');
    work = `${home}/hl-files-${randomBytes(4).toString('hex')}`;
    await sh(`mkdir ${work}`);
  }, 60_000);

  afterAll(async () => {
    if (work) await execText(engine.target(circuitId), `rm -rf ${work}`).catch(() => undefined);
    files.dispose();
    sessions.dispose();
    await engine.dispose();
    await labRestore();
    rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  it('answers home as the login folder, and realpath canonically', async () => {
    expect(await files.home(circuitId)).toBe(home);
    expect(await files.realpath(circuitId, `${work}/../${path.posix.basename(work)}/.`)).toBe(work);
    // A typed "~" is the login folder, as in OpenSSH's sftp; a relative path starts there too.
    expect(await files.realpath(circuitId, '~')).toBe(home);
    expect(await files.realpath(circuitId, `~/${path.posix.basename(work)}`)).toBe(work);
    expect(await files.realpath(circuitId, path.posix.basename(work))).toBe(work);
  });

  it('lists a folder with owner, group, mode, size, times and symlink targets', async () => {
    await sh(`cd ${work} && mkdir listing && cd listing && printf 'hello world' > file.txt && chmod 640 file.txt && touch -d '2024-02-03 04:05:06 UTC' file.txt && mkdir sub && ln -s file.txt to-file && ln -s sub to-sub && ln -s missing dangling && touch .hidden`);
    const [owner, group] = (await sh(`stat -c '%U %G' ${work}/listing/file.txt`)).split(' ');
    const opened = await files.openDir(circuitId, `${work}/listing/`);
    expect(opened.path).toBe(`${work}/listing`);
    const { entries, truncated } = await readAll(opened.dirId);
    expect(truncated).toBeUndefined();
    const by = new Map(entries.map((e) => [e.name, e]));
    expect([...by.keys()].sort()).toEqual(['.hidden', 'dangling', 'file.txt', 'sub', 'to-file', 'to-sub']);
    expect(by.get('file.txt')).toMatchObject({ type: 'file', size: 11, mode: 0o100640, owner, group, mtimeMs: Date.UTC(2024, 1, 3, 4, 5, 6) });
    expect(by.get('sub')).toMatchObject({ type: 'directory', owner, group });
    expect(by.get('to-file')).toMatchObject({ type: 'symlink', linkTarget: 'file.txt', targetType: 'file' });
    expect(by.get('to-sub')).toMatchObject({ type: 'symlink', linkTarget: 'sub', targetType: 'directory' });
    expect(by.get('dangling')).toMatchObject({ type: 'symlink', linkTarget: 'missing' });
    expect(by.get('dangling')!.targetType).toBeUndefined();
    const stat = await files.stat(circuitId, `${work}/listing/to-sub`);
    expect(stat).toMatchObject({ name: 'to-sub', type: 'symlink', linkTarget: 'sub', targetType: 'directory' });
  });

  it('reads a folder of 100,000 entries page by page to the exact count', { timeout: 120_000 }, async () => {
    const made = Date.now();
    await sh(`mkdir ${work}/big && cd ${work}/big && seq -f 'f%06g' 1 100000 | xargs touch`);
    const madeMs = Date.now() - made;
    const started = Date.now();
    const opened = await files.openDir(circuitId, `${work}/big`);
    const first = await files.readDir(opened.dirId);
    const firstMs = Date.now() - started;
    expect(first.entries.length).toBeGreaterThan(0);
    const rest = await readAll(opened.dirId);
    const tookMs = Date.now() - started;
    const names = new Set([...first.entries, ...rest.entries].map((e) => e.name));
    expect(first.entries.length + rest.entries.length).toBe(100_000);
    expect(names.size).toBe(100_000);
    expect(names.has('f000001') && names.has('f100000')).toBe(true);
    expect(rest.truncated).toBeUndefined();
    console.log(`100,000-entry folder through 3 hops: made in ${madeMs} ms; first page (${first.entries.length} entries) in ${firstMs} ms; all ${rest.pages + 1} pages in ${tookMs} ms`);
    expect(tookMs).toBeLessThan(60_000);
    // Deleting it recursively goes through the same bounded walk.
    const removed = await files.remove(circuitId, `${work}/big`, { recursive: true });
    expect(removed.removed).toBe(100_001);
    expect(await sh(`test -e ${work}/big && echo there || echo gone`)).toBe('gone');
  });

  it('makes a folder, renames, and changes modes, as the target sees them', async () => {
    await files.mkdir(circuitId, `${work}/made`);
    expect(await sh(`test -d ${work}/made && echo dir`)).toBe('dir');
    const exists = await files.mkdir(circuitId, `${work}/made`).catch((e: unknown) => e);
    expect(exists).toBeInstanceOf(HoplineError);
    expect(exists).toMatchObject({ code: 'FILE_EXISTS', message: `${work}/made already exists on hop 3 (target)`, hop: { index: 2, name: 'target' } });

    await sh(`printf abc > ${work}/made/a.txt && printf xyz > ${work}/taken.txt`);
    await files.rename(circuitId, `${work}/made/a.txt`, `${work}/made/b.txt`);
    expect(await sh(`ls ${work}/made`)).toBe('b.txt');
    // RENAME does not replace what is there: nothing is overwritten unasked.
    await expect(files.rename(circuitId, `${work}/made/b.txt`, `${work}/taken.txt`)).rejects.toMatchObject({ code: 'FILE_EXISTS' });
    expect(await sh(`cat ${work}/taken.txt`)).toBe('xyz');

    await files.chmod(circuitId, `${work}/made/b.txt`, 0o600);
    expect(await sh(`stat -c %a ${work}/made/b.txt`)).toBe('600');
    await files.chmod(circuitId, `${work}/made`, 0o2750);
    expect(await sh(`stat -c %a ${work}/made`)).toBe('2750');
    expect((await files.stat(circuitId, `${work}/made`)).mode & 0o7777).toBe(0o2750);

    const missing = await files.chmod(circuitId, `${work}/nope`, 0o644).catch((e: unknown) => e);
    expect(missing).toMatchObject({ code: 'FILE_NOT_FOUND', message: `${work}/nope does not exist on hop 3 (target)` });
  });

  it('deletes files, empty folders, and trees recursively, removing a link out of the tree as a link', async () => {
    await sh(`cd ${work} && mkdir -p keep tree/a/b/c && echo keep > keep/precious && echo 1 > tree/one && echo 2 > tree/a/two && echo 3 > tree/a/b/c/three && ln -s ${work}/keep tree/a/link-out && printf x > lone && mkdir empty`);
    expect(await files.remove(circuitId, `${work}/lone`)).toEqual({ removed: 1 });
    expect(await files.remove(circuitId, `${work}/empty`)).toEqual({ removed: 1 });
    expect(await sh(`ls ${work}`)).not.toMatch(/lone|empty/);

    const notEmpty = await files.remove(circuitId, `${work}/tree`).catch((e: unknown) => e);
    expect(notEmpty).toMatchObject({ code: 'SFTP_FAILED', message: `The folder ${work}/tree is not empty; delete it with its contents instead` });

    // one, a/two, a/link-out, a/b/c/three, c, b, a, tree.
    expect(await files.remove(circuitId, `${work}/tree`, { recursive: true })).toEqual({ removed: 8 });
    expect(await sh(`test -e ${work}/tree && echo there || echo gone`)).toBe('gone');
    expect(await sh(`cat ${work}/keep/precious`)).toBe('keep');
  });

  it('ends its listings when the circuit closes', async () => {
    const opened = await files.openDir(circuitId, home);
    const second = await engine.open(route());
    try {
      const other = await files.openDir(second.id, home);
      await engine.close(second.id);
      await expect.poll(() => files.readDir(other.dirId).then(() => 'still open', (e: unknown) => (e as HoplineError).code), { timeout: 5_000 }).toBe('INVALID_ARGUMENT');
    } finally {
      await engine.close(second.id);
    }
    // The first circuit's listing is untouched.
    expect((await readAll(opened.dirId)).entries.length).toBeGreaterThan(0);
  });
});
