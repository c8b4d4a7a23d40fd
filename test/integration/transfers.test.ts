/**
 * Transfers through a 3-hop circuit against real OpenSSH (issue 16, item 2): the target's sshd
 * runs internal-sftp, and every byte rides the circuit's own connections (no new sign-in).
 *
 * - 64 MiB up and down, byte-exact (sha256 on the target by `sha256sum`, and here);
 * - a tree of 1,000 files in nested folders, exact both ways;
 * - the link between the bastions cut mid-download: the transfer fails naming bastion-key, and
 *   Retry after the circuit is repaired resumes from the .part and ends byte-exact;
 * - a real 16 MiB tmpfs as the download folder: DISK_FULL with the .part kept, then after the
 *   mount grows, Retry resumes and completes;
 * - conflict policies (skip, rename, overwrite, and ask answered with resume);
 * - the web routes (a ticket is one-use; no token, no bytes);
 * - `hopline cp` (the built CLI) both ways, as scp -J would be used.
 */
import { execFile, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { copyFileSync, createReadStream, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { CircuitEngine } from '../../app/main/services/engine/circuitEngine';
import type { HopSpec } from '../../app/main/services/engine/hopSpec';
import { PromptBroker } from '../../app/main/services/engine/promptBroker';
import { SftpSessions } from '../../app/main/services/files/sftpSessions';
import { TransferQueue } from '../../app/main/services/files/transferQueue';
import type { TransferSpec, TransferStatus } from '../../app/shared/model/remoteFile';
import { FILES_DOWNLOAD_PATH, FILES_UPLOAD_PATH } from '../../app/shared/contract/files';
import { RpcServer } from '../../app/shared/rpc/server';
import { startWebServer } from '../../app/main/transports/webServer';
import { execText } from '../helpers/ssh';
import { labRestore, labSetLink, type LabStatus } from '../lab/lab';
import { requirement } from '../setup/requirements';

const lab = inject('lab');
const runs = requirement('the real-OpenSSH lab', lab ? null : (inject('labMissing') ?? 'lab not up'));
const run = promisify(execFile);
const MIB = 1024 * 1024;

function sha256File(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(file)
      .on('data', (d) => hash.update(d))
      .on('end', () => resolve(hash.digest('hex')))
      .on('error', reject);
  });
}

/** A file of `size` random bytes, written in 1 MiB pieces. */
function randomFile(file: string, size: number): void {
  const parts: Buffer[] = [];
  for (let left = size; left > 0; left -= MIB) parts.push(randomBytes(Math.min(MIB, left)));
  writeFileSync(file, Buffer.concat(parts));
}

/** Every file under `root` as `relative path -> sha256`, sorted. */
function treeDigest(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string, rel: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      const r = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(full, r);
      else out.push(`${createHash('sha256').update(readFileSync(full)).digest('hex')}  ./${r}`);
    }
  };
  walk(root, '');
  return out.sort();
}

describe.runIf(runs)('transfers through a 3-hop circuit (lab, internal-sftp)', () => {
  const status = lab as LabStatus;
  const host = (name: string) => status.hosts.find((h) => h.name === name)!;
  const dir = mkdtempSync(path.join(tmpdir(), 'hl-transfers-'));
  copyFileSync(status.knownHosts, path.join(dir, 'known_hosts'));
  const key = (): HopSpec['auth'] => [{ kind: 'publickey', keyFile: status.clientKey }];
  const hop = (name: string): HopSpec => ({ name, host: host(name).address, port: 22, user: 'bench', auth: key(), connectTimeoutMs: 10_000, keepaliveIntervalMs: 1000, keepaliveCountMax: 3 });
  const route = (): HopSpec[] => [hop('bastion-mfa'), hop('bastion-key'), hop('target')];
  /** The bench user's home on the target (the lab's homes are plain folders on this machine). */
  const remoteHome = `${status.dir}/home/bench`;
  const remote = `${remoteHome}/transfers-${process.pid}`;
  let engine: CircuitEngine;
  let sessions: SftpSessions;
  let queue: TransferQueue;
  let circuitId: string;
  let big: string;
  let bigSha: string;

  const sh = async (command: string): Promise<string> => {
    const result = await execText(engine.target(circuitId), command);
    if (result.code !== 0) throw new Error(`${command} exited ${result.code}: ${result.stdout}`);
    return result.stdout;
  };

  /** Enqueues and waits for the transfer to end; answers the final status. */
  const transfer = async (spec: Omit<TransferSpec, 'circuitId'>, options: { rename?: string } = {}): Promise<TransferStatus> => {
    const started = await queue.enqueue({ circuitId, ...spec }, options);
    return ended(started.transferId);
  };
  const ended = (transferId: string): Promise<TransferStatus> =>
    new Promise((resolve) => {
      const check = (s: TransferStatus): void => {
        if (s.transferId === transferId && (s.state === 'done' || s.state === 'failed' || s.state === 'cancelled')) {
          sub.dispose();
          resolve(s);
        }
      };
      const sub = queue.onDidChangeTransfer(check);
      void queue.transfers().then((all) => all.forEach(check));
    });

  beforeAll(async () => {
    engine = new CircuitEngine({ hostKeyFiles: { userFiles: [], appFile: path.join(dir, 'known_hosts') }, prompts: new PromptBroker() });
    sessions = new SftpSessions(engine);
    queue = new TransferQueue({ sessions, progressMs: 50 });
    circuitId = (await engine.open(route())).id;
    await sh(`mkdir -p ${remote}`);
    big = path.join(dir, 'big.bin');
    randomFile(big, 64 * MIB);
    bigSha = await sha256File(big);
  }, 60_000);

  // A test that failed with the link down must not take the next ones with it.
  afterEach(async () => {
    await labRestore();
    if (engine && engine.list().find((c) => c.id === circuitId)?.state !== 'open') await engine.repair(circuitId).catch(() => undefined);
  });

  afterAll(async () => {
    await labRestore();
    await queue?.dispose();
    sessions?.dispose();
    await engine?.dispose();
    rmSync(remote, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  });

  it('64 MiB up and down, byte-exact (sha256 on the target and here)', { timeout: 60_000 }, async () => {
    const events: TransferStatus[] = [];
    const sub = queue.onDidChangeTransfer((s) => events.push(s));
    const up = await transfer({ direction: 'upload', sources: [big], destination: remote, conflict: 'overwrite' });
    sub.dispose();
    expect(up).toMatchObject({ state: 'done', filesDone: 1, filesTotal: 1, bytesDone: 64 * MIB, bytesTotal: 64 * MIB });
    expect((await sh(`sha256sum ${remote}/big.bin`)).split(' ')[0]).toBe(bigSha);
    // Progress came in between, with a rate, and no more often than the queue's interval allows.
    const running = events.filter((e) => e.state === 'running' && e.bytesDone > 0 && e.bytesDone < 64 * MIB);
    expect(running.length).toBeGreaterThan(0);
    expect(events.some((e) => (e.rateBytesPerSecond ?? 0) > 0)).toBe(true);

    const down = path.join(dir, 'down');
    mkdirSync(down);
    const got = await transfer({ direction: 'download', sources: [`${remote}/big.bin`], destination: down });
    expect(got).toMatchObject({ state: 'done', filesDone: 1, bytesDone: 64 * MIB });
    expect(await sha256File(path.join(down, 'big.bin'))).toBe(bigSha);
    expect(existsSync(path.join(down, 'big.bin.part'))).toBe(false);
  });

  it('a tree of 1,000 files in nested folders, exact both ways', { timeout: 60_000 }, async () => {
    const tree = path.join(dir, 'tree');
    let n = 0;
    for (let a = 0; a < 10; a++) {
      for (let b = 0; b < 10; b++) {
        const folder = path.join(tree, `a${a}`, `b${b}`);
        mkdirSync(folder, { recursive: true });
        for (let c = 0; c < 10; c++) writeFileSync(path.join(folder, `f${c}.dat`), randomBytes(n++ % 7 === 0 ? 0 : 1 + ((n * 977) % 9000)));
      }
    }
    const local = treeDigest(tree);
    expect(local).toHaveLength(1000);
    const up = await transfer({ direction: 'upload', sources: [tree], destination: remote, recursive: true, conflict: 'overwrite' });
    expect(up).toMatchObject({ state: 'done', filesDone: 1000, filesTotal: 1000, filesSkipped: 0 });
    const onTarget = (await sh(`cd ${remote}/tree && find . -type f -exec sha256sum {} + | sort -k2`)).trim().split('\n');
    expect(onTarget.sort()).toEqual(local);

    const back = path.join(dir, 'back');
    mkdirSync(back);
    const down = await transfer({ direction: 'download', sources: [`${remote}/tree`], destination: back, recursive: true });
    expect(down).toMatchObject({ state: 'done', filesDone: 1000, filesSkipped: 0 });
    expect(treeDigest(path.join(back, 'tree'))).toEqual(local);
    // A folder without recursive is refused, as scp without -r.
    const refused = await transfer({ direction: 'download', sources: [`${remote}/tree`], destination: back });
    expect(refused.state).toBe('failed');
  });

  it('the link between the bastions is cut mid-download: failed naming bastion-key, and Retry after the repair resumes from the .part, byte-exact', { timeout: 60_000 }, async () => {
    const down = path.join(dir, 'cut');
    mkdirSync(down);
    const started = await queue.enqueue({ circuitId, direction: 'download', sources: [`${remote}/big.bin`], destination: down });
    const end = ended(started.transferId);
    let cutAt = 0;
    await new Promise<void>((resolve) => {
      const sub = queue.onDidChangeTransfer((s) => {
        if (s.transferId === started.transferId && s.bytesDone >= 4 * MIB && cutAt === 0) {
          cutAt = s.bytesDone;
          labSetLink('mfa-key', false);
          sub.dispose();
          resolve();
        }
      });
    });
    let failed: TransferStatus;
    try {
      failed = await end;
    } finally {
      labSetLink('mfa-key', true);
    }
    expect(failed).toMatchObject({ state: 'failed', error: { code: 'HOP_LOST', hop: { index: 1, name: 'bastion-key' } } });
    expect(failed.error!.message).toContain('hop 2 (bastion-key)');
    const part = statSync(path.join(down, 'big.bin.part')).size;
    expect(part).toBeGreaterThanOrEqual(cutAt);
    expect(part).toBeLessThan(64 * MIB);

    await expect.poll(() => engine.list().find((c) => c.id === circuitId)?.state, { timeout: 20_000 }).not.toBe('open');
    await engine.repair(circuitId);
    const resumedEvents: TransferStatus[] = [];
    const sub = queue.onDidChangeTransfer((s) => s.transferId === started.transferId && resumedEvents.push(s));
    await queue.retry(started.transferId);
    const done = await ended(started.transferId);
    sub.dispose();
    expect(done).toMatchObject({ state: 'done', bytesDone: 64 * MIB });
    // It resumed: the first progress after the retry already counted what the .part held.
    expect(resumedEvents.find((e) => e.state === 'running' && e.currentFile)!.currentFile!.bytesDone).toBeGreaterThanOrEqual(part);
    expect(await sha256File(path.join(down, 'big.bin'))).toBe(bigSha);
  });

  it('a full 16 MiB tmpfs: DISK_FULL keeps the .part; after the mount grows, Retry resumes and completes', { timeout: 60_000 }, async () => {
    const mount = path.join(dir, 'tmpfs');
    mkdirSync(mount);
    expect(spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=16m', 'tmpfs', mount]).status).toBe(0);
    try {
      const started = await queue.enqueue({ circuitId, direction: 'download', sources: [`${remote}/big.bin`], destination: mount });
      const failed = await ended(started.transferId);
      expect(failed).toMatchObject({ state: 'failed', error: { code: 'DISK_FULL' } });
      const part = statSync(path.join(mount, 'big.bin.part')).size;
      expect(part).toBeGreaterThan(8 * MIB);
      expect(part).toBeLessThanOrEqual(16 * MIB);
      expect(spawnSync('mount', ['-o', 'remount,size=80m', mount]).status).toBe(0);
      await queue.retry(started.transferId);
      const done = await ended(started.transferId);
      expect(done).toMatchObject({ state: 'done', bytesDone: 64 * MIB });
      expect(await sha256File(path.join(mount, 'big.bin'))).toBe(bigSha);
    } finally {
      spawnSync('umount', [mount]);
    }
  });

  it('conflicts: skip, rename, overwrite, and ask answered with resume', { timeout: 60_000 }, async () => {
    const local = path.join(dir, 'conflict');
    mkdirSync(local);
    const file = path.join(local, 'notes.txt');
    const content = randomBytes(300_000);
    writeFileSync(file, content);
    const target = `${remote}/conflict`;
    await sh(`mkdir -p ${target} && printf old > ${target}/notes.txt`);

    const skipped = await transfer({ direction: 'upload', sources: [file], destination: target, conflict: 'skip' });
    expect(skipped).toMatchObject({ state: 'done', filesSkipped: 1, filesDone: 0 });
    expect(await sh(`cat ${target}/notes.txt`)).toBe('old');

    const renamed = await transfer({ direction: 'upload', sources: [file], destination: target, conflict: 'rename' });
    expect(renamed).toMatchObject({ state: 'done', filesDone: 1 });
    expect((await sh(`sha256sum '${target}/notes (1).txt'`)).split(' ')[0]).toBe(createHash('sha256').update(content).digest('hex'));

    const overwritten = await transfer({ direction: 'upload', sources: [file], destination: target, conflict: 'overwrite' });
    expect(overwritten.state).toBe('done');
    expect((await sh(`sha256sum ${target}/notes.txt`)).split(' ')[0]).toBe(createHash('sha256').update(content).digest('hex'));

    // A prefix on the target, and the person asked: resume sends only the rest.
    await sh(`head -c 100000 ${target}/notes.txt > ${target}/half && mv ${target}/half ${target}/notes.txt`);
    const started = await queue.enqueue({ circuitId, direction: 'upload', sources: [file], destination: target, conflict: 'ask' });
    await expect.poll(async () => (await queue.transfers()).find((t) => t.transferId === started.transferId)?.state).toBe('asking');
    const asking = (await queue.transfers()).find((t) => t.transferId === started.transferId)!;
    expect(asking.conflict).toMatchObject({ path: `${target}/notes.txt`, existingSize: 100_000, incomingSize: 300_000, canResume: true });
    await queue.answerConflict(started.transferId, 'resume');
    const resumed = await ended(started.transferId);
    expect(resumed).toMatchObject({ state: 'done', filesDone: 1, bytesDone: 300_000 });
    expect((await sh(`sha256sum ${target}/notes.txt`)).split(' ')[0]).toBe(createHash('sha256').update(content).digest('hex'));

    // Downloads: an existing local file renamed beside, never overwritten unasked.
    writeFileSync(path.join(local, 'again.txt'), 'mine');
    await sh(`cp ${target}/notes.txt ${target}/again.txt`);
    const down = await transfer({ direction: 'download', sources: [`${target}/again.txt`], destination: local, conflict: 'rename', preserve: true });
    expect(down.state).toBe('done');
    expect(readFileSync(path.join(local, 'again.txt'), 'utf8')).toBe('mine');
    expect(readFileSync(path.join(local, 'again (1).txt')).equals(content)).toBe(true);
    const remoteMtime = Number((await sh(`stat -c %Y ${target}/again.txt`)).trim());
    expect(Math.floor(statSync(path.join(local, 'again (1).txt')).mtimeMs / 1000)).toBe(remoteMtime);
  });

  it('web routes: an upload and a download by ticket, each ticket one use; no token or a foreign origin, no bytes', { timeout: 60_000 }, async () => {
    const token = 'T'.repeat(43);
    const web = await startWebServer({ rpc: new RpcServer([]), rendererDir: dir, token, files: queue });
    const base = `http://127.0.0.1:${web.port}`;
    const cookie = `hopline_token_${web.port}=${token}`;
    try {
      const body = randomBytes(5 * MIB + 3);
      const sha = createHash('sha256').update(body).digest('hex');
      const { ticket, transferId } = await queue.beginUpload(circuitId, `${remote}/web.bin`, body.length, 'overwrite');
      // No token: refused before the ticket is looked at.
      expect((await fetch(`${base}${FILES_UPLOAD_PATH}${ticket}`, { method: 'PUT', body })).status).toBe(401);
      // Another site's page: refused too.
      expect((await fetch(`${base}${FILES_UPLOAD_PATH}${ticket}`, { method: 'PUT', body, headers: { cookie, origin: 'http://evil.example' } })).status).toBe(403);
      const put = await fetch(`${base}${FILES_UPLOAD_PATH}${ticket}`, { method: 'PUT', body, headers: { cookie, origin: base } });
      expect(put.status).toBe(200);
      expect(await put.json()).toMatchObject({ transferId, state: 'done', bytesDone: body.length });
      expect((await sh(`sha256sum ${remote}/web.bin`)).split(' ')[0]).toBe(sha);
      // The same ticket again: spent.
      expect((await fetch(`${base}${FILES_UPLOAD_PATH}${ticket}`, { method: 'PUT', body, headers: { cookie } })).status).toBe(404);
      // An existing file and the policy 'ask': the PUT waits while the queue asks, as for any transfer.
      const second = randomBytes(4096);
      const asked = await queue.beginUpload(circuitId, `${remote}/web.bin`, second.length, 'ask');
      const asking = new Promise<void>((resolve) => {
        const sub = queue.onDidChangeTransfer((t) => {
          if (t.transferId === asked.transferId && t.state === 'asking') {
            expect(t.conflict).toMatchObject({ path: `${remote}/web.bin`, existingSize: body.length, incomingSize: second.length, canResume: false });
            sub.dispose();
            resolve();
          }
        });
      });
      const waitingPut = fetch(`${base}${FILES_UPLOAD_PATH}${asked.ticket}`, { method: 'PUT', body: second, headers: { cookie, origin: base } });
      await asking;
      await queue.answerConflict(asked.transferId, 'rename');
      expect((await waitingPut).status).toBe(200);
      expect((await sh(`sha256sum '${remote}/web (1).bin'`)).split(' ')[0]).toBe(createHash('sha256').update(second).digest('hex'));
      // The policy 'skip': the bytes are taken and dropped, the file is left alone.
      const skipped = await queue.beginUpload(circuitId, `${remote}/web.bin`, second.length, 'skip');
      const skipPut = await fetch(`${base}${FILES_UPLOAD_PATH}${skipped.ticket}`, { method: 'PUT', body: second, headers: { cookie, origin: base } });
      expect(await skipPut.json()).toMatchObject({ state: 'done', filesSkipped: 1 });

      const down = await queue.beginDownload(circuitId, `${remote}/web.bin`);
      expect(down).toMatchObject({ name: 'web.bin', size: body.length });
      expect((await fetch(`${base}${FILES_DOWNLOAD_PATH}${down.ticket}`)).status).toBe(401);
      const got = await fetch(`${base}${FILES_DOWNLOAD_PATH}${down.ticket}`, { headers: { cookie } });
      expect(got.status).toBe(200);
      expect(got.headers.get('content-disposition')).toBe(`attachment; filename="web.bin"; filename*=UTF-8''web.bin`);
      expect(createHash('sha256').update(Buffer.from(await got.arrayBuffer())).digest('hex')).toBe(sha);
      expect((await fetch(`${base}${FILES_DOWNLOAD_PATH}${down.ticket}`, { headers: { cookie } })).status).toBe(404);
      expect((await fetch(`${base}${FILES_DOWNLOAD_PATH}not-a-ticket-at-all-123`, { headers: { cookie } })).status).toBe(404);
    } finally {
      await web.close();
    }
  });

  it('hopline cp (the built CLI) both ways, with -r and a new name, exit 0; a missing source exits 1', { timeout: 60_000 }, async () => {
    const dataDir = path.join(dir, 'cli-data');
    mkdirSync(dataDir);
    copyFileSync(status.knownHosts, path.join(dataDir, 'known_hosts'));
    const env = { PATH: process.env.PATH!, HOME: dir };
    const jump = `bench@${host('bastion-mfa').address},bench@${host('bastion-key').address}`;
    const target = `bench@${host('target').address}`;
    const cp = (...args: string[]) => run(process.execPath, ['dist/main/cli.cjs', 'cp', '-i', status.clientKey, '-J', jump, '--data-dir', dataDir, ...args], { env, encoding: 'utf8' });
    const small = path.join(dir, 'cli.bin');
    randomFile(small, 3 * MIB + 17);
    const sha = await sha256File(small);

    const up = await cp(small, `${target}:${remote}/renamed.bin`);
    expect(up.stderr).toBe('');
    expect((await sh(`sha256sum ${remote}/renamed.bin`)).split(' ')[0]).toBe(sha);

    const into = path.join(dir, 'cli-down');
    mkdirSync(into);
    await cp('-r', `${target}:${remote}/conflict`, `${target}:${remote}/renamed.bin`, into);
    expect(await sha256File(path.join(into, 'renamed.bin'))).toBe(sha);
    expect(existsSync(path.join(into, 'conflict', 'notes.txt'))).toBe(true);

    const missing = await cp(`${target}:${remote}/no-such-file`, into).then(
      () => ({ code: 0, stderr: '' }),
      (error: { code: number; stderr: string }) => error,
    );
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no-such-file does not exist on hop 3 \(/);
  });
});
