/**
 * Downloads from a hostile SFTP server on loopback (issue 16, "hostile and faulty servers"): a
 * folder whose listing holds names no file system has ('../x', 'a/b', NUL, device names) and
 * links out of the tree. Nothing is written outside the chosen folder, the links are not
 * followed, every refusal is noted with the name escaped, and a READDIR that never ends is
 * bounded. (The byte-level lies, sizes and short or late answers, are sftpPipe.test.ts.)
 *
 * No lab needed: `HOPLINE_LAB=skip npx vitest run test/integration/transfersHostile.test.ts`.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { TransferQueue } from '../../app/main/services/files/transferQueue';
import { walkRemote, type FileTask } from '../../app/main/services/files/transferWalk';
import type { TransferStatus } from '../../app/shared/model/remoteFile';
import { connectHostileSftp, HOSTILE_HOME, HostileSftp, type HostileFiles } from '../helpers/hostileSftp';

const H = HOSTILE_HOME;
let server: HostileSftp | undefined;
let session: HostileFiles | undefined;
let queue: TransferQueue | undefined;
const dir = mkdtempSync(path.join(tmpdir(), 'hl-transfers-hostile-'));

afterEach(async () => {
  await queue?.dispose();
  await session?.close();
  await server?.close();
  queue = undefined;
  session = undefined;
  server = undefined;
});

/** Every path under `root`, relative, sorted. */
function listTree(root: string): string[] {
  const out: string[] = [];
  const walk = (d: string, rel: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      out.push(r);
      if (e.isDirectory()) walk(path.join(d, e.name), r);
    }
  };
  walk(root, '');
  return out.sort();
}

describe('downloads from a hostile SFTP server', () => {
  it('traversal and device names are refused and noted, links out of the tree are not followed, nothing lands outside the folder', { timeout: 20_000 }, async () => {
    server = new HostileSftp();
    server.dir(`${H}/precious`).dir(`${H}/tree`).dir(`${H}/tree/sub`).dir(`${H}/tree/sub/deep`);
    server.link(`${H}/tree/link-out`, `${H}/precious`);
    server.link(`${H}/tree/sub/link-up`, '../..');
    server.link(`${H}/tree/sneaky`, '../precious/../tree/../precious');
    server.raw(`${H}/tree`, [
      { filename: '../escaped', attrs: { mode: 0o040755 } },
      { filename: 'a/b', attrs: { mode: 0o040755 } },
      { filename: 'nul\0byte', attrs: { mode: 0o040755 } },
      { filename: 'CON', attrs: { mode: 0o040755 } },
      { filename: '/etc', attrs: { mode: 0o040755 } },
      { filename: 'bidi\u202egpj.exe', attrs: { mode: 0o020644 } },
    ]);
    await server.start();
    session = await connectHostileSftp(server);
    queue = new TransferQueue({ sessions: session.sessions });
    const into = path.join(dir, 'into');
    mkdirSync(into);
    const before = readdirSync(dir).sort();

    const started = await queue.enqueue({ circuitId: session.circuitId, direction: 'download', sources: [`${H}/tree`], destination: into, recursive: true });
    const final = await new Promise<TransferStatus>((resolve) => {
      const sub = queue!.onDidChangeTransfer((s) => {
        if (s.transferId === started.transferId && s.state !== 'running' && s.state !== 'queued') {
          sub.dispose();
          resolve(s);
        }
      });
    });
    expect(final).toMatchObject({ state: 'done', filesTotal: 0 });
    // Only the real folders arrived, inside the chosen folder; nothing beside it.
    expect(listTree(into)).toEqual(['tree', 'tree/sub', 'tree/sub/deep']);
    expect(readdirSync(dir).sort()).toEqual(before);
    const notes = final.notes.join('\n');
    expect(notes).toMatch(/tree\/\.\.\/escaped: refused/);
    expect(notes).toMatch(/tree\/a\/b: refused/);
    expect(notes).toMatch(/tree\/nul\\x00byte: refused/);
    expect(notes).toMatch(/tree\/CON: refused/);
    expect(notes).toMatch(/tree\/\/etc: refused/);
    expect(notes).toMatch(/tree\/link-out: a symlink out of the folder, not followed/);
    expect(notes).toMatch(/tree\/sneaky: a symlink out of the folder, not followed/);
    expect(notes).toMatch(/tree\/sub\/link-up: a symlink out of the folder, not followed/);
    // The bidi override is shown escaped, never raw.
    expect(notes).toContain('bidi\\u{202e}gpj.exe: not a regular file, skipped');
    expect(notes).not.toContain('\u202e');
    // The server was never asked to open or list what the links point to.
    expect(server.touched(`${H}/precious`).filter((r) => /^(OPENDIR|OPEN) /.test(r))).toEqual([]);
  });

  it('a READDIR that never ends is cut at the entry bound, with a note', { timeout: 20_000 }, async () => {
    server = new HostileSftp({ endless: new Set([`${H}/forever`]) });
    server.dir(`${H}/forever`);
    await server.start();
    session = await connectHostileSftp(server);
    const sftp = await session.sessions.get(session.circuitId);
    const files: FileTask[] = [];
    const notes: string[] = [];
    const into = path.join(dir, 'forever');
    mkdirSync(into);
    await walkRemote(sftp, [`${H}/forever`], into, { recursive: true, followSymlinks: false, maxDirEntries: 300 }, {
      signal: new AbortController().signal,
      file: (t) => void files.push(t),
      dir: () => undefined,
      note: (t) => notes.push(t),
      problem: (e) => notes.push(String(e)),
    });
    expect(files.length).toBeGreaterThanOrEqual(300);
    expect(files.length).toBeLessThan(500);
    expect(notes).toEqual(['forever: more than 300 entries, the rest not read']);
  });
});

process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
