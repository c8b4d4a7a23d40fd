/**
 * Removing a changed host's saved line, checked against OpenSSH's own `ssh-keygen -R` (the tool a
 * user would otherwise run): the same lines go and stay, the same `.old` backup is kept.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkHostKey, KnownHostsChangedError, removeKnownHostsLines, sha256Fingerprint, type PreviousKey } from '../../../../../app/main/services/engine/knownHosts';

const dir = mkdtempSync(join(tmpdir(), 'hopline-kh-remove-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Key {
  type: string;
  text: string;
  blob: Buffer;
}

function generate(name: string, type: 'ed25519' | 'ecdsa'): Key {
  const file = join(dir, `key-${name}`);
  execFileSync('ssh-keygen', ['-q', '-t', type, '-N', '', '-C', name, '-f', file]);
  const [keyType, base64] = readFileSync(`${file}.pub`, 'utf8').trim().split(' ') as [string, string];
  return { type: keyType, text: `${keyType} ${base64}`, blob: Buffer.from(base64, 'base64') };
}

const oldKey = generate('old', 'ed25519');
const newKey = generate('new', 'ed25519');
const ecdsa = generate('ecdsa', 'ecdsa');
const other = generate('other', 'ed25519');
const ca = generate('ca', 'ed25519');

let counter = 0;
function file(text: string, mode = 0o600): string {
  const name = join(dir, `known_hosts-${++counter}`);
  writeFileSync(name, text);
  chmodSync(name, mode);
  return name;
}

/** What the engine found: the changed verdict's saved lines for `host` presenting `newKey`. */
function found(name: string, host: string, port = 22): PreviousKey[] {
  const { verdict } = checkHostKey([{ name, text: readFileSync(name, 'utf8') }], host, port, newKey);
  if (verdict.kind !== 'changed') throw new Error(`expected a changed verdict, got ${verdict.kind}`);
  return verdict.previous;
}

function sshKeygenRemove(name: string, host: string): void {
  execFileSync('ssh-keygen', ['-R', host, '-f', name], { stdio: 'ignore' });
}

function sshKeygenFinds(name: string, host: string): boolean {
  return spawnSync('ssh-keygen', ['-F', host, '-f', name], { encoding: 'utf8' }).status === 0;
}

describe('removeKnownHostsLines', () => {
  const lines = [
    '# my hosts',
    `other.example ${other.text}`,
    `db.example,10.0.0.5 ${oldKey.text}`,
    '',
    `@cert-authority *.example ${ca.text}`,
    `@revoked db.example ${other.text}`,
    'this line is not valid',
    `web.example ${other.text}`,
  ];

  it('removes the whole line naming the host, keeps every other byte, and matches ssh-keygen -R', async () => {
    const text = lines.join('\n') + '\n';
    const ours = file(text, 0o640);
    const theirs = file(text, 0o640);
    const previous = found(ours, 'db.example');
    expect(previous).toEqual([expect.objectContaining({ line: 3, hashed: false, otherNames: ['10.0.0.5'] })]);

    const result = await removeKnownHostsLines(ours, 'db.example', 22, previous);
    expect(result).toEqual({ backup: `${ours}.old`, removed: [3] });
    expect(readFileSync(ours, 'utf8')).toBe(lines.filter((_, i) => i !== 2).join('\n') + '\n');
    expect(readFileSync(`${ours}.old`, 'utf8')).toBe(text);
    // ssh-keygen keeps the mode less group/other write bits: 0640 stays 0640.
    expect(statSync(ours).mode & 0o777).toBe(0o640);

    // ssh-keygen -R refuses a file with an invalid line; compare on the valid ones.
    const valid = lines.filter((l) => l !== 'this line is not valid').join('\n') + '\n';
    const ours2 = file(valid);
    writeFileSync(theirs, valid);
    await removeKnownHostsLines(ours2, 'db.example', 22, found(ours2, 'db.example'));
    sshKeygenRemove(theirs, 'db.example');
    expect(readFileSync(ours2, 'utf8')).toBe(readFileSync(theirs, 'utf8'));
    expect(readFileSync(`${ours2}.old`, 'utf8')).toBe(readFileSync(`${theirs}.old`, 'utf8'));
    expect(sshKeygenFinds(ours2, 'db.example')).toBe(true); // the @revoked line stays, as with ssh-keygen
    expect(sshKeygenFinds(ours2, '10.0.0.5')).toBe(false);
  });

  it('removes only the changed type: the host keeps its line of another key type', async () => {
    const name = file(`db.example ${ecdsa.text}\ndb.example ${oldKey.text}\n`);
    await removeKnownHostsLines(name, 'db.example', 22, found(name, 'db.example'));
    expect(readFileSync(name, 'utf8')).toBe(`db.example ${ecdsa.text}\n`);
  });

  it('removes a hashed line (ssh-keygen -H) and says it was hashed', async () => {
    const name = file(`db.example ${oldKey.text}\n[db.example]:2222 ${oldKey.text}\nweb.example ${other.text}\n`);
    execFileSync('ssh-keygen', ['-H', '-f', name], { stdio: 'ignore' });
    rmSync(`${name}.old`);
    const hashedText = readFileSync(name, 'utf8');
    expect(hashedText).toMatch(/^\|1\|/);
    const previous = found(name, 'db.example');
    expect(previous).toEqual([expect.objectContaining({ line: 1, hashed: true, otherNames: [] })]);
    await removeKnownHostsLines(name, 'db.example', 22, previous);
    expect(readFileSync(name, 'utf8')).toBe(hashedText.split('\n').slice(1).join('\n'));
    expect(sshKeygenFinds(name, 'db.example')).toBe(false);
    expect(sshKeygenFinds(name, '[db.example]:2222')).toBe(true);
    expect(sshKeygenFinds(name, 'web.example')).toBe(true);
  });

  it('removes [host]:port lines only for that port', async () => {
    const name = file(`[db.example]:2222 ${oldKey.text}\ndb.example ${oldKey.text}\n`);
    await removeKnownHostsLines(name, 'db.example', 2222, found(name, 'db.example', 2222));
    expect(readFileSync(name, 'utf8')).toBe(`db.example ${oldKey.text}\n`);
  });

  it('never touches @revoked or @cert-authority lines, even when asked to', async () => {
    const text = `@revoked db.example ${oldKey.text}\n@cert-authority db.example ${oldKey.text}\n`;
    const name = file(text);
    for (const line of [1, 2]) {
      await expect(removeKnownHostsLines(name, 'db.example', 22, [{ line, type: oldKey.type, sha256: sha256Fingerprint(oldKey.blob) }])).rejects.toBeInstanceOf(KnownHostsChangedError);
    }
    expect(readFileSync(name, 'utf8')).toBe(text);
    expect(existsSync(`${name}.old`)).toBe(false);
  });

  it('refuses, writing nothing, when the file changed since the line was found', async () => {
    const name = file(`db.example ${oldKey.text}\n`);
    const previous = found(name, 'db.example');
    const edited = `# added by hand\ndb.example ${oldKey.text}\n`;
    writeFileSync(name, edited);
    const error = await removeKnownHostsLines(name, 'db.example', 22, previous).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KnownHostsChangedError);
    expect(error).toMatchObject({ file: name, line: 1 });
    expect(readFileSync(name, 'utf8')).toBe(edited);
    expect(existsSync(`${name}.old`)).toBe(false);
    // A line that now holds another key for the host is not the one shown either.
    writeFileSync(name, `db.example ${other.text}\n`);
    await expect(removeKnownHostsLines(name, 'db.example', 22, previous)).rejects.toBeInstanceOf(KnownHostsChangedError);
  });

  it('replaces an older .old, as ssh-keygen does, and edits the file a symlink points to', async () => {
    const target = file(`db.example ${oldKey.text}\nweb.example ${oldKey.text}\n`);
    const link = join(dir, 'linked_known_hosts');
    symlinkSync(target, link);
    writeFileSync(`${target}.old`, 'an older backup\n');
    const result = await removeKnownHostsLines(link, 'db.example', 22, found(link, 'db.example'));
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(result.backup).toBe(`${target}.old`);
    expect(readFileSync(target, 'utf8')).toBe(`web.example ${oldKey.text}\n`);
    expect(readFileSync(`${target}.old`, 'utf8')).toBe(`db.example ${oldKey.text}\nweb.example ${oldKey.text}\n`);
  });

  it('keeps CRLF line ends and a missing final newline as they were', async () => {
    const name = file(`web.example ${other.text}\r\ndb.example ${oldKey.text}\r\nx.example ${other.text}`);
    await removeKnownHostsLines(name, 'db.example', 22, found(name, 'db.example'));
    expect(readFileSync(name, 'utf8')).toBe(`web.example ${other.text}\r\nx.example ${other.text}`);
  });

  it('serialises edits of one file: a second edit sees the first one\'s result, and refuses a line that moved', async () => {
    const name = file(`a.example ${oldKey.text}\nb.example ${oldKey.text}\nc.example ${other.text}\n`);
    const a = found(name, 'a.example');
    const b = found(name, 'b.example');
    // b's line number is found before a's line goes: the second edit must see it moved and refuse.
    const results = await Promise.allSettled([removeKnownHostsLines(name, 'a.example', 22, a), removeKnownHostsLines(name, 'b.example', 22, b)]);
    expect(results[0].status).toBe('fulfilled');
    expect(results[1]).toMatchObject({ status: 'rejected', reason: expect.any(KnownHostsChangedError) });
    expect(readFileSync(name, 'utf8')).toBe(`b.example ${oldKey.text}\nc.example ${other.text}\n`);
  });
});
