/**
 * The document store against real processes and real file systems: SIGKILL in the middle of a
 * save loop, a corrupt file at start, and a full disk (a 16 KB tmpfs; needs root).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeDocument, DocumentStore } from '../../app/main/services/profiles/documentStore';
import { HostsService, type HostSecretKinds } from '../../app/main/services/profiles/hostsService';
import { ProfilesService } from '../../app/main/services/profiles/profilesService';
import { ErrorCode, HoplineError } from '../../app/shared/model/errors';
import { Emitter } from '../../app/shared/model/event';
import { HOST_DEFAULTS } from '../../app/shared/model/host';
import { TERMINAL_DEFAULTS } from '../../app/shared/model/profile';
import { requirement } from '../setup/requirements';

const root = mkdtempSync(path.join(tmpdir(), 'hl-persist-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const noSecrets: HostSecretKinds = {
  listKinds: async () => [],
  forget: async () => undefined,
  onDidChangeKinds: new Emitter<{ hostId: string; kinds: [] }>().event,
};

function services(store: DocumentStore) {
  return { hosts: new HostsService(store, noSecrets, { homeDir: '/nonexistent', localUser: 'nobody' }), profiles: new ProfilesService(store) };
}

const tempFiles = (dir: string): string[] => readdirSync(dir).filter((n) => n.includes('.tmp-'));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('kill -9 during a save loop', () => {
  const KILLS = 100;
  const PARALLEL = 4;
  let childScript: string;
  /** Children still running if a run fails midway: killed, so they stop writing into `root`. */
  const live = new Set<ChildProcess>();
  afterAll(() => {
    for (const child of live) child.kill('SIGKILL');
  });

  beforeAll(async () => {
    // The child, test/helpers/saveLoopChild.ts, bundled once: a bundle starts in ~0.2 s where
    // `node --import tsx` takes ~0.6 s, and 100 starts are most of this test's time.
    childScript = path.join(root, 'saveLoopChild.mjs');
    await build({ entryPoints: ['test/helpers/saveLoopChild.ts'], outfile: childScript, bundle: true, platform: 'node', format: 'esm', target: 'node20', logLevel: 'warning' });
  });

  interface KillOutcome {
    acknowledged: number;
    onDisk: number;
  }

  /** Runs one child in a fresh data dir, kills it a random moment after its first save, checks what is left. */
  async function killOnce(run: number): Promise<KillOutcome> {
    const dir = path.join(root, `kill-${run}`);
    const child = spawn(process.execPath, [childScript, dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    live.add(child);
    child.once('exit', () => live.delete(child));
    let out = '';
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const firstAck = new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('\n')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`child ${run} exited (${code}) before its first save: ${err}`)));
    });
    // 'close', not 'exit': by then every byte the child wrote to stdout has been read.
    const closed = new Promise<NodeJS.Signals | null>((resolve) => child.once('close', (_code, signal) => resolve(signal)));
    await firstAck;
    // A save takes a few ms here (two fsyncs): 0-40 ms lands anywhere within several of them.
    await sleep(Math.random() * 40);
    child.kill('SIGKILL');
    expect(await closed, `child ${run} died on its own: ${err}`).toBe('SIGKILL');

    const acks = out.trim().split('\n').map(Number);
    expect(acks, 'counters are printed in order').toEqual(acks.map((_, i) => i + 1));
    const acknowledged = acks.at(-1)!;
    const decoded = decodeDocument(readFileSync(path.join(dir, 'hopline.json'), 'utf8'));
    if (!decoded.ok) throw new Error(`run ${run}: hopline.json ${decoded.reason}`);
    const [profile] = decoded.document.profiles;
    const onDisk = Number(/^counter (\d+)$/.exec(profile?.name ?? '')?.[1]);
    expect([acknowledged, acknowledged + 1], `run ${run}: acknowledged ${acknowledged}, on disk ${onDisk}`).toContain(onDisk);
    // The whole of that save, not a mix of two: its tags belong to the same counter.
    expect(profile!.tags).toEqual(Array.from({ length: onDisk % 32 }, (_, i) => `tag-${onDisk}-${i}`)); // tagsFor() in the child
    if (existsSync(path.join(dir, 'hopline.json.bak'))) expect(decodeDocument(readFileSync(path.join(dir, 'hopline.json.bak'), 'utf8')).ok).toBe(true);

    // The next start sees no problem and sweeps away the dead child's temp files.
    const store = await DocumentStore.open(dir);
    expect(store.status()).toEqual({ setAsidePath: null, problem: null });
    expect(tempFiles(dir)).toEqual([]);
    rmSync(dir, { recursive: true, force: true });
    return { acknowledged, onDisk };
  }

  it(`leaves the last acknowledged save or the next one, ${KILLS} kills out of ${KILLS}`, async () => {
    const outcomes: KillOutcome[] = [];
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < KILLS) outcomes.push(await killOnce(next++));
    };
    await Promise.all(Array.from({ length: PARALLEL }, worker));
    expect(outcomes).toHaveLength(KILLS);
    const ahead = outcomes.filter((o) => o.onDisk === o.acknowledged + 1).length;
    console.info(`kill -9: ${KILLS} runs, file held the last acknowledged save ${KILLS - ahead} times, the one in flight (renamed, not yet acknowledged) ${ahead} times`);
  }, 120_000);
});

describe('a corrupt file at start', () => {
  it('is moved aside untouched, the status explains, and the store opens and works', async () => {
    const dir = path.join(root, 'corrupt');
    mkdirSync(dir);
    // Truncated JSON with bytes that are not UTF-8: what a failing disk or a bad sync tool leaves.
    const bytes = Buffer.concat([Buffer.from('{"schemaVersion":1,"hosts":[{"id":"a","name":"'), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('"')]);
    writeFileSync(path.join(dir, 'hopline.json'), bytes);
    const store = await DocumentStore.open(dir);
    const status = store.status();
    expect(status.setAsidePath).toMatch(/^.*\/hopline\.json\.corrupt-\d{8}T\d{6}\.\d{3}Z$/);
    expect(Buffer.compare(readFileSync(status.setAsidePath!), bytes)).toBe(0);
    expect(status.problem).toBe(`Your saved hosts and profiles could not be loaded: ${path.join(dir, 'hopline.json')} is not UTF-8 text. The file was moved aside, unchanged, to ${status.setAsidePath}. Hopline started with an empty library.`);

    const { hosts, profiles } = services(store);
    expect(await hosts.list()).toEqual([]);
    const host = await hosts.save({ ...HOST_DEFAULTS, name: 'fresh start', address: 'fresh.example.net', user: 'ops' });
    await profiles.save({ name: 'after the crash', folder: '', tags: [], hostIds: [host.id], terminal: TERMINAL_DEFAULTS });

    const reopened = services(await DocumentStore.open(dir));
    expect((await reopened.profiles.storeStatus()).problem).toBeNull();
    expect((await reopened.profiles.list()).map((p) => p.name)).toEqual(['after the crash']);
    // The set-aside file is still there, still untouched.
    expect(Buffer.compare(readFileSync(status.setAsidePath!), bytes)).toBe(0);
  });
});

const isRoot = process.getuid?.() === 0;
const fullDiskRuns = requirement('the full-disk test (root, to mount a 16 KB tmpfs)', isRoot ? null : `not running as root (uid ${process.getuid?.() ?? 'unknown'})`);

describe.runIf(fullDiskRuns)('a full disk', () => {
  it('fails a save with a typed error, leaving the old file intact and the store usable', async () => {
    const mnt = mkdtempSync(path.join(tmpdir(), 'hl-full-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=16k,mode=0700', 'tmpfs', mnt]);
    try {
      const store = await DocumentStore.open(mnt);
      const { hosts, profiles } = services(store);
      const host = await hosts.save({ ...HOST_DEFAULTS, name: 'bastion', address: 'bastion.example.net', user: 'ops' });
      await profiles.save({ name: 'prod', folder: '', tags: [], hostIds: [host.id], terminal: TERMINAL_DEFAULTS });
      const file = path.join(mnt, 'hopline.json');
      const before = readFileSync(file);

      // Fill every block left.
      const filler = path.join(mnt, 'filler');
      const fd = openSync(filler, 'w');
      try {
        for (;;) writeSync(fd, Buffer.alloc(1024, 0x2e));
      } catch (error) {
        expect((error as NodeJS.ErrnoException).code).toBe('ENOSPC');
      } finally {
        closeSync(fd);
      }

      const error = await hosts.save({ ...HOST_DEFAULTS, name: 'x'.repeat(200), address: 'new.example.net', user: 'ops' }).then(() => null, (e: unknown) => e);
      expect(error).toBeInstanceOf(HoplineError);
      expect((error as HoplineError).code).toBe(ErrorCode.INTERNAL);
      expect((error as HoplineError).message).toBe(`Could not save your hosts and profiles in ${mnt}: the disk is full. Your previous data is intact.`);
      expect(Buffer.compare(readFileSync(file), before)).toBe(0);
      expect(decodeDocument(before.toString('utf8')).ok).toBe(true);
      expect(tempFiles(mnt)).toEqual([]);
      expect((await hosts.list()).map((h) => h.name)).toEqual(['bastion']);

      // Space back: saving works again, and it is all there after a restart.
      rmSync(filler);
      await hosts.save({ ...HOST_DEFAULTS, name: 'after', address: 'after.example.net', user: 'ops' });
      const reopened = services(await DocumentStore.open(mnt));
      expect((await reopened.hosts.list()).map((h) => h.name)).toEqual(['after', 'bastion']);
    } finally {
      execFileSync('umount', [mnt]);
      rmSync(mnt, { recursive: true, force: true });
    }
  });
});
