/**
 * The host-key policy on real files: a changed key is put to the person with the saved one beside
 * it, and "replace" edits only the line the engine found, in the file it found it in.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { verifyHostKey, type AskHostKey, type HostKeyFiles } from '../../../../../app/main/services/engine/hostKeyPolicy';
import { checkHostKey, sha256Fingerprint } from '../../../../../app/main/services/engine/knownHosts';
import type { HoplineError } from '../../../../../app/shared/model/errors';
import type { HostKeyDecision } from '../../../../../app/shared/model/prompt';

const root = mkdtempSync(join(tmpdir(), 'hopline-policy-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function generate(name: string): { text: string; blob: Buffer } {
  const file = join(root, `key-${name}`);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', name, '-f', file]);
  const [type, base64] = readFileSync(`${file}.pub`, 'utf8').trim().split(' ') as [string, string];
  return { text: `${type} ${base64}`, blob: Buffer.from(base64, 'base64') };
}

const saved = generate('saved');
const presented = generate('presented');
const hop = { index: 1, name: 'bastion-key' };

let n = 0;
function setup(user: string, app: string, replaceChangedKeys = true): HostKeyFiles {
  const dir = join(root, `case-${++n}`);
  mkdirSync(join(dir, 'ssh'), { recursive: true });
  const files = { userFiles: [join(dir, 'ssh', 'known_hosts')], appFile: join(dir, 'known_hosts'), replaceChangedKeys };
  writeFileSync(files.userFiles[0]!, user);
  writeFileSync(files.appFile, app);
  return files;
}

async function verify(files: HostKeyFiles, decision: HostKeyDecision | ((files: HostKeyFiles) => HostKeyDecision)) {
  const ask = vi.fn<AskHostKey>(async () => (typeof decision === 'function' ? decision(files) : decision));
  const log: string[] = [];
  const outcome = await verifyHostKey(files, hop, '198.18.2.2', 22, presented.blob, ask, (line) => log.push(line)).catch((e: unknown) => e as HoplineError);
  return { outcome, ask, log };
}

const trusts = (files: HostKeyFiles) => checkHostKey([...files.userFiles, files.appFile].map((name) => ({ name, text: readFileSync(name, 'utf8') })), '198.18.2.2', 22, { type: 'ssh-ed25519', blob: presented.blob }).verdict.kind;

describe('a changed host key', () => {
  it('is refused outright, without asking, where replacing is not offered (the CLI, as ssh)', async () => {
    const files = setup('', `198.18.2.2 ${saved.text}\n`, false);
    const { outcome, ask } = await verify(files, 'replace');
    expect(outcome).toMatchObject({ code: 'HOST_KEY_CHANGED', hop });
    expect(ask).not.toHaveBeenCalled();
  });

  it('is put to the person with the saved key, its file and line, beside the presented one', async () => {
    const files = setup('', `198.18.9.9 ${saved.text}\n198.18.2.2,bastion-key ${saved.text}\n`);
    const { ask } = await verify(files, 'reject');
    expect(ask).toHaveBeenCalledExactlyOnceWith({
      host: '198.18.2.2',
      port: 22,
      type: 'ssh-ed25519',
      sha256: sha256Fingerprint(presented.blob),
      otherKnownTypes: [],
      changed: { saved: [{ type: 'ssh-ed25519', sha256: sha256Fingerprint(saved.blob), file: files.appFile, line: 2, owner: 'hopline', hashed: false, otherNames: ['bastion-key'] }] },
    });
  });

  it('"replace" in Hopline\'s file: only that line goes, a backup stays, the new key is saved and trusted', async () => {
    const app = `198.18.9.9 ${saved.text}\n198.18.2.2 ${saved.text}\n[198.18.2.2]:2222 ${saved.text}\n`;
    const files = setup('', app);
    const { outcome, log } = await verify(files, 'replace');
    expect(outcome).toEqual({ type: 'ssh-ed25519', sha256: sha256Fingerprint(presented.blob), how: 'replaced' });
    expect(readFileSync(files.appFile, 'utf8')).toBe(`198.18.9.9 ${saved.text}\n[198.18.2.2]:2222 ${saved.text}\n198.18.2.2 ${presented.text}\n`);
    expect(readFileSync(`${files.appFile}.old`, 'utf8')).toBe(app);
    expect(trusts(files)).toBe('trusted');
    expect(log.join('\n')).toContain(`removed ${files.appFile} line 2; the previous file is kept as ${files.appFile}.old`);
  });

  it('in the user\'s own file: plain "replace" edits nothing; "replace-in-user-file" removes it there and saves the new key in Hopline\'s file', async () => {
    const user = `# mine\n198.18.2.2 ${saved.text}\n`;
    const files = setup(user, '');
    const refused = await verify(files, 'replace');
    expect(refused.ask.mock.calls[0]![0].changed!.saved[0]).toMatchObject({ owner: 'user', line: 2 });
    expect(refused.outcome).toMatchObject({ code: 'HOST_KEY_REJECTED', hop });
    expect((refused.outcome as HoplineError).message).toMatch(/editing that file was not confirmed/);
    expect(readFileSync(files.userFiles[0]!, 'utf8')).toBe(user);
    expect(readFileSync(files.appFile, 'utf8')).toBe('');

    const { outcome } = await verify(files, 'replace-in-user-file');
    expect(outcome).toMatchObject({ how: 'replaced' });
    expect(readFileSync(files.userFiles[0]!, 'utf8')).toBe('# mine\n');
    expect(readFileSync(`${files.userFiles[0]!}.old`, 'utf8')).toBe(user);
    expect(readFileSync(files.appFile, 'utf8')).toBe(`198.18.2.2 ${presented.text}\n`);
    expect(trusts(files)).toBe('trusted');
  });

  it('"reject" ends it as the person\'s choice; an unknown key\'s "accept" never accepts a changed one', async () => {
    const app = `198.18.2.2 ${saved.text}\n`;
    const files = setup('', app);
    const rejected = await verify(files, 'reject');
    expect(rejected.outcome).toMatchObject({ code: 'HOST_KEY_REJECTED', hop });
    expect((rejected.outcome as HoplineError).message).toMatch(/^You chose not to connect to hop 2 \(bastion-key\).*: its host key has changed/);
    for (const decision of ['accept-once', 'accept-and-save'] as const) {
      expect((await verify(files, decision)).outcome).toMatchObject({ code: 'HOST_KEY_CHANGED', hop });
    }
    expect(readFileSync(files.appFile, 'utf8')).toBe(app);
    expect(existsSync(`${files.appFile}.old`)).toBe(false);
  });

  it('a file edited while the person decided: a typed error, and nothing is written', async () => {
    const files = setup('', `198.18.2.2 ${saved.text}\n`);
    const edited = `# someone was here\n198.18.2.2 ${saved.text}\n`;
    const { outcome } = await verify(files, (f) => {
      writeFileSync(f.appFile, edited);
      return 'replace';
    });
    expect(outcome).toMatchObject({ code: 'KNOWN_HOSTS_CHANGED', hop });
    expect((outcome as HoplineError).message).toMatch(/changed while you were deciding: line 1 no longer holds the saved key of hop 2 \(bastion-key\)/);
    expect(readFileSync(files.appFile, 'utf8')).toBe(edited);
    expect(existsSync(`${files.appFile}.old`)).toBe(false);
  });

  it('a hashed saved line is replaced like a plain one', async () => {
    const files = setup(`198.18.2.2 ${saved.text}\n`, '');
    execFileSync('ssh-keygen', ['-H', '-f', files.userFiles[0]!], { stdio: 'ignore' });
    const { outcome, ask } = await verify(files, 'replace-in-user-file');
    expect(ask.mock.calls[0]![0].changed!.saved[0]).toMatchObject({ hashed: true, line: 1 });
    expect(outcome).toMatchObject({ how: 'replaced' });
    expect(readFileSync(files.userFiles[0]!, 'utf8')).toBe('');
  });
});

describe('a revoked host key', () => {
  it('stays refused with no question, even where replacing is offered', async () => {
    const files = setup(`@revoked 198.18.2.2 ${presented.text}\n`, `198.18.2.2 ${presented.text}\n`);
    const { outcome, ask } = await verify(files, 'replace-in-user-file');
    expect(outcome).toMatchObject({ code: 'HOST_KEY_REVOKED', hop });
    expect(ask).not.toHaveBeenCalled();
    expect(readFileSync(files.userFiles[0]!, 'utf8')).toBe(`@revoked 198.18.2.2 ${presented.text}\n`);
  });

  it('a changed key whose host also has an @revoked line for another key: the @revoked line is kept', async () => {
    const other = generate('other');
    const user = `@revoked 198.18.2.2 ${other.text}\n198.18.2.2 ${saved.text}\n`;
    const files = setup(user, '');
    const { outcome } = await verify(files, 'replace-in-user-file');
    expect(outcome).toMatchObject({ how: 'replaced' });
    expect(readFileSync(files.userFiles[0]!, 'utf8')).toBe(`@revoked 198.18.2.2 ${other.text}\n`);
  });

  it('an @cert-authority line is never touched by a replace', async () => {
    const ca = generate('ca');
    const user = `@cert-authority 198.18.* ${ca.text}\n198.18.2.2 ${saved.text}\n`;
    const files = setup(user, '');
    await verify(files, 'replace-in-user-file');
    expect(readFileSync(files.userFiles[0]!, 'utf8')).toBe(`@cert-authority 198.18.* ${ca.text}\n`);
  });
});
