import { execFileSync, spawnSync } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import {
  appendKnownHost,
  checkHostKey,
  formatKnownHostsLine,
  keyTypeOfBlob,
  parseKnownHosts,
  readKnownHostsSources,
  sha256Fingerprint,
  type KnownHostsSource,
} from '../../../../../app/main/services/engine/knownHosts';

// Real keys from OpenSSH's own ssh-keygen, so the parser is checked against what users have.
const dir = mkdtempSync(join(tmpdir(), 'hopline-known-hosts-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface TestKey {
  pub: string;
  type: string;
  base64: string;
  blob: Buffer;
  /** `type base64`, the tail of a known_hosts line. */
  text: string;
}

function generateKey(name: string, type: 'ed25519' | 'ecdsa' | 'rsa'): TestKey {
  const file = join(dir, name);
  const bits = type === 'rsa' ? ['-b', '2048'] : [];
  execFileSync('ssh-keygen', ['-q', '-t', type, ...bits, '-N', '', '-C', name, '-f', file]);
  const pub = `${file}.pub`;
  const [keyType, base64] = readFileSync(pub, 'utf8').trim().split(' ');
  if (!keyType || !base64) throw new Error(`unexpected ${pub}`);
  return { pub, type: keyType, base64, blob: Buffer.from(base64, 'base64'), text: `${keyType} ${base64}` };
}

const ed = generateKey('ed', 'ed25519');
const ed2 = generateKey('ed2', 'ed25519');
const ecdsa = generateKey('ecdsa', 'ecdsa');
const rsa = generateKey('rsa', 'rsa');
const ca = generateKey('ca', 'ed25519');
const revoked = generateKey('revoked', 'ed25519');

function sshKeygenFingerprint(key: TestKey): string {
  // "256 SHA256:… comment (ED25519)"
  return execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', key.pub], { encoding: 'utf8' }).split(' ')[1] ?? '';
}

/** `ssh-keygen -F name -f file`: exit status and output, i.e. whether OpenSSH finds the name. */
function sshKeygenFind(name: string, file: string): { found: boolean; stdout: string } {
  const result = spawnSync('ssh-keygen', ['-F', name, '-f', file], { encoding: 'utf8' });
  return { found: result.status === 0, stdout: result.stdout };
}

// Line numbers matter: verdicts and warnings name them.
const knownHostsText = [
  '# written by the test from freshly generated keys', // 1
  `plain.example.com ${ed.text}`, // 2
  `*.example.org,!bad.example.org ${ed.text}`, // 3
  `host?.lab ${ed.text}`, // 4
  `[ported.example.com]:2222 ${ed.text}`, // 5
  `multi.example.com ${ecdsa.text}`, // 6
  `changed.example.com ${ed2.text} old key`, // 7
  `changed.example.com ${rsa.text}`, // 8
  `@revoked * ${revoked.text}`, // 9
  `plain.example.com ${revoked.text}`, // 10
  `@cert-authority *.ca.example ${ca.text}`, // 11
  `@cert-authority ca-equal.example ${ed.text}`, // 12
  `trusted.ca.example ${ed.text}`, // 13
  `changed.ca.example ${ed2.text}`, // 14
  `MixedCase.Example.COM ${ed.text}`, // 15
  `broken.example.com ssh-rsa ${ed.base64}`, // 16: type field does not match the blob
  'not a key line', // 17
  `after-broken.example.com ${ed.text}`, // 18
  '',
].join('\n');
const sources: KnownHostsSource[] = [{ name: '/home/ana/.ssh/known_hosts', text: knownHostsText }];

function check(host: string, port: number, key: TestKey, from: KnownHostsSource[] = sources) {
  return checkHostKey(from, host, port, { type: key.type, blob: key.blob }).verdict;
}

const trustedAt = (line: number) => ({ kind: 'trusted', source: '/home/ana/.ssh/known_hosts', line });
const nothingKnown = { kind: 'unknown', knownTypes: [] };

describe('keyTypeOfBlob and sha256Fingerprint', () => {
  it.each([
    ['ed25519', ed],
    ['ecdsa', ecdsa],
    ['rsa', rsa],
  ])('read %s keys as ssh-keygen does', (_name, key) => {
    expect(keyTypeOfBlob(key.blob)).toBe(key.type);
    expect(sha256Fingerprint(key.blob)).toBe(sshKeygenFingerprint(key));
    expect(sha256Fingerprint(key.blob)).not.toContain('=');
  });

  it('throws on a blob too short to hold its type', () => {
    expect(() => keyTypeOfBlob(Buffer.from([0, 0]))).toThrow();
    expect(() => keyTypeOfBlob(Buffer.from([0, 0, 0, 11, 0x73, 0x73]))).toThrow();
    expect(() => keyTypeOfBlob(Buffer.alloc(0))).toThrow();
  });
});

describe('checkHostKey', () => {
  it('trusts a plain host, case-insensitively, and knows nothing of other hosts', () => {
    expect(check('plain.example.com', 22, ed)).toEqual(trustedAt(2));
    expect(check('PLAIN.Example.Com', 22, ed)).toEqual(trustedAt(2));
    expect(check('mixedcase.example.com', 22, ed)).toEqual(trustedAt(15));
    expect(check('nobody.example.com', 22, ed)).toEqual(nothingKnown);
  });

  it('matches * and ? wildcards and honours negation', () => {
    expect(check('www.example.org', 22, ed)).toEqual(trustedAt(3));
    expect(check('a.b.example.org', 22, ed)).toEqual(trustedAt(3));
    expect(check('example.org', 22, ed)).toEqual(nothingKnown);
    expect(check('bad.example.org', 22, ed)).toEqual(nothingKnown);
    expect(check('BAD.Example.ORG', 22, ed)).toEqual(nothingKnown);
    expect(check('host1.lab', 22, ed)).toEqual(trustedAt(4));
    expect(check('host12.lab', 22, ed)).toEqual(nothingKnown);
    expect(check('host.lab', 22, ed)).toEqual(nothingKnown);
  });

  it('looks up [host]:port for ports other than 22, never the plain name', () => {
    expect(check('ported.example.com', 2222, ed)).toEqual(trustedAt(5));
    expect(check('ported.example.com', 22, ed)).toEqual(nothingKnown);
    expect(check('ported.example.com', 2200, ed)).toEqual(nothingKnown);
    expect(check('plain.example.com', 2222, ed)).toEqual(nothingKnown);
  });

  it('reports the types a host is known under when the presented type is new', () => {
    expect(check('multi.example.com', 22, ed)).toEqual({ kind: 'unknown', knownTypes: [ecdsa.type] });
    expect(check('multi.example.com', 22, ecdsa)).toEqual(trustedAt(6));
  });

  it('reports a changed key of the same type with the previous fingerprint', () => {
    const verdict = check('changed.example.com', 22, ed);
    expect(verdict).toEqual({
      kind: 'changed',
      previous: [{ type: 'ssh-ed25519', sha256: sshKeygenFingerprint(ed2), source: '/home/ana/.ssh/known_hosts', line: 7, hashed: false, otherNames: [] }],
    });
    // Both fingerprints are at hand for the warning, and they differ.
    expect(sha256Fingerprint(ed.blob)).toBe(sshKeygenFingerprint(ed));
    expect(sshKeygenFingerprint(ed)).not.toBe(sshKeygenFingerprint(ed2));
    // The rsa line of the same host is a different type: trusted, not changed.
    expect(check('changed.example.com', 22, rsa)).toEqual(trustedAt(8));
  });

  it('judges the key type from the blob, not from a negotiated algorithm name', () => {
    const verdict = checkHostKey(sources, 'changed.example.com', 22, { type: 'rsa-sha2-512', blob: rsa.blob }).verdict;
    expect(verdict).toEqual(trustedAt(8));
  });

  it('puts @revoked above every trusting line', () => {
    expect(check('plain.example.com', 22, revoked)).toEqual({ kind: 'revoked', source: '/home/ana/.ssh/known_hosts', line: 9 });
    expect(check('anything.anywhere', 2222, revoked)).toMatchObject({ kind: 'revoked', line: 9 });
  });

  it('never trusts a plain key through an @cert-authority line, even an equal one', () => {
    expect(check('ca-equal.example', 22, ed)).toEqual({ kind: 'cert-authority', source: '/home/ana/.ssh/known_hosts', line: 12 });
    expect(check('web.ca.example', 22, ca)).toMatchObject({ kind: 'cert-authority', line: 11 });
    // A plain line still trusts, and a changed key still reads as changed.
    expect(check('trusted.ca.example', 22, ed)).toEqual(trustedAt(13));
    expect(check('changed.ca.example', 22, ed)).toMatchObject({ kind: 'changed', previous: [{ line: 14 }] });
  });

  it('skips invalid lines with warnings and keeps using the others', () => {
    const { verdict, warnings } = checkHostKey(sources, 'after-broken.example.com', 22, { type: ed.type, blob: ed.blob });
    expect(verdict).toEqual(trustedAt(18));
    expect(warnings.map((w) => [w.source, w.line])).toEqual([
      ['/home/ana/.ssh/known_hosts', 16],
      ['/home/ana/.ssh/known_hosts', 17],
    ]);
    expect(warnings[0]?.reason).toMatch(/ssh-rsa.*ssh-ed25519/);
    // The damaged line neither trusts nor counts as a previous key.
    expect(check('broken.example.com', 22, ed)).toEqual(nothingKnown);
  });

  it('weighs every source together', () => {
    const first: KnownHostsSource = { name: 'first', text: `garbage\nelsewhere.example.com ${ed.text}\n` };
    const second: KnownHostsSource = { name: 'second', text: `elsewhere.example.com ${ed2.text}\n` };
    const third: KnownHostsSource = { name: 'third', text: `@revoked elsewhere.example.com ${ed.text}\n` };
    const both = checkHostKey([second, first], 'elsewhere.example.com', 22, { type: ed.type, blob: ed.blob });
    expect(both.verdict).toEqual({ kind: 'trusted', source: 'first', line: 2 });
    expect(both.warnings).toEqual([{ source: 'first', line: 1, reason: expect.any(String) }]);
    expect(check('elsewhere.example.com', 22, ed, [first, second, third])).toEqual({ kind: 'revoked', source: 'third', line: 1 });
  });
});

describe('hashed host names', () => {
  function hashedFile(): string {
    const file = join(dir, 'hashed_known_hosts');
    writeFileSync(file, `hashed.example.com ${ed.text}\n[hashed.example.com]:2222 ${ecdsa.text}\n`);
    copyFileSync(file, `${file}.plain`);
    execFileSync('ssh-keygen', ['-q', '-H', '-f', file], { stdio: 'pipe' });
    return readFileSync(file, 'utf8');
  }

  it('match lines hashed by ssh-keygen -H', () => {
    const text = hashedFile();
    expect(text).not.toContain('hashed.example.com');
    const hashed = [{ name: 'hashed', text }];
    expect(check('hashed.example.com', 22, ed, hashed)).toMatchObject({ kind: 'trusted', line: 1 });
    expect(check('Hashed.Example.COM', 22, ed, hashed)).toMatchObject({ kind: 'trusted', line: 1 });
    expect(check('hashed.example.com', 2222, ecdsa, hashed)).toMatchObject({ kind: 'trusted', line: 2 });
    expect(check('hashed.example.com', 22, ecdsa, hashed)).toEqual({ kind: 'unknown', knownTypes: [ed.type] });
    expect(check('other.example.com', 22, ed, hashed)).toEqual(nothingKnown);
  });

  it('are HMAC-SHA1 of the lookup name keyed by the salt, as OpenSSH computes them', () => {
    const [hostField] = hashedFile().split('\n')[0]?.split(' ') ?? [];
    const [, magic, salt, hash] = hostField?.split('|') ?? [];
    expect(magic).toBe('1');
    const ours = createHmac('sha1', Buffer.from(salt ?? '', 'base64')).update('hashed.example.com').digest('base64');
    expect(ours).toBe(hash);
  });

  it('match lines hashed by us, also for [host]:port and negated', () => {
    const hashOf = (name: string) => {
      const salt = randomBytes(20);
      return `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
    };
    const text = `${hashOf('ours.example.com')} ${ed.text}\n${hashOf('[ours.example.com]:2022')} ${ed2.text}\n` +
      `*.ours.example,!${hashOf('no.ours.example')} ${ed.text}\n`;
    const hashed = [{ name: 'ours', text }];
    expect(check('ours.example.com', 22, ed, hashed)).toMatchObject({ kind: 'trusted', line: 1 });
    expect(check('ours.example.com', 2022, ed2, hashed)).toMatchObject({ kind: 'trusted', line: 2 });
    expect(check('ours.example.com', 2022, ed, hashed)).toMatchObject({ kind: 'changed' });
    expect(check('yes.ours.example', 22, ed, hashed)).toMatchObject({ kind: 'trusted', line: 3 });
    expect(check('no.ours.example', 22, ed, hashed)).toEqual(nothingKnown);
  });
});

describe('the static fixture with invalid lines', () => {
  const fixture = fileURLToPath(new URL('../../../../fixtures/known_hosts/invalid_lines', import.meta.url));
  const text = readFileSync(fixture, 'utf8');
  const fixtureKey = Buffer.from('AAAAC3NzaC1lZDI1NTE5AAAAILAB8hGiJNHTYMEyXDhKkArv6AV2rMXIKozLb7YN9Ux/', 'base64');

  it('reports each invalid line by number and keeps the valid ones', () => {
    const { entries, warnings } = parseKnownHosts({ name: fixture, text });
    expect(entries.map((e) => e.line)).toEqual([5, 13]);
    expect(warnings.map((w) => w.line)).toEqual([6, 7, 8, 9, 10, 11]);
    expect(warnings.every((w) => w.source === fixture)).toBe(true);
    const reasons = warnings.map((w) => w.reason);
    expect(reasons[0]).toMatch(/expected/);
    expect(reasons[1]).toMatch(/base64/);
    expect(reasons[2]).toMatch(/does not match/);
    expect(reasons[3]).toMatch(/marker/);
    expect(reasons[4]).toMatch(/type length/);
    expect(reasons[5]).toMatch(/hashed/);
  });

  it('still trusts the valid lines around them', () => {
    const key = { type: 'ssh-ed25519', blob: fixtureKey };
    const result = checkHostKey([{ name: fixture, text }], 'fixture.example.net', 22, key);
    expect(result.verdict).toEqual({ kind: 'trusted', source: fixture, line: 5 });
    expect(result.warnings).toHaveLength(6);
    expect(checkHostKey([{ name: fixture, text }], 'fixture.example.net', 2222, key).verdict).toMatchObject({ kind: 'trusted', line: 13 });
    expect(sha256Fingerprint(fixtureKey)).toBe('SHA256:7QbjTC+aYcqImUNh9ExgU/FrsGQAtAZObYUv/O6t/qU');
  });

  it('ignores CRLF line ends and blank lines', () => {
    const crlf = `\r\n# comment\r\nfixture.example.net ssh-ed25519 ${fixtureKey.toString('base64')}\r\n`;
    const result = checkHostKey([{ name: 'crlf', text: crlf }], 'fixture.example.net', 22, { type: 'ssh-ed25519', blob: fixtureKey });
    expect(result).toEqual({ verdict: { kind: 'trusted', source: 'crlf', line: 3 }, warnings: [] });
  });
});

describe('formatKnownHostsLine', () => {
  it('writes plain lines that OpenSSH finds and we trust', () => {
    const lines = [
      formatKnownHostsLine('saved.example.com', 22, ed.type, ed.blob),
      formatKnownHostsLine('saved.example.com', 2222, ecdsa.type, ecdsa.blob),
      formatKnownHostsLine('10.0.0.7', 22, rsa.type, rsa.blob),
    ];
    expect(lines).toEqual([
      `saved.example.com ${ed.text}`,
      `[saved.example.com]:2222 ${ecdsa.text}`,
      `10.0.0.7 ${rsa.text}`,
    ]);
    const file = join(dir, 'formatted_known_hosts');
    writeFileSync(file, `${lines.join('\n')}\n`);

    const port22 = sshKeygenFind('saved.example.com', file);
    expect(port22.found).toBe(true);
    expect(port22.stdout).toContain(lines[0]);
    expect(port22.stdout).not.toContain('[saved.example.com]');
    expect(sshKeygenFind('[saved.example.com]:2222', file).stdout).toContain(lines[1]);
    expect(sshKeygenFind('10.0.0.7', file).found).toBe(true);
    expect(sshKeygenFind('unsaved.example.com', file).found).toBe(false);

    const saved = [{ name: file, text: readFileSync(file, 'utf8') }];
    expect(check('saved.example.com', 22, ed, saved)).toMatchObject({ kind: 'trusted', line: 1 });
    expect(check('saved.example.com', 2222, ecdsa, saved)).toMatchObject({ kind: 'trusted', line: 2 });
  });

  it('refuses a type that does not match the key, and bad ports', () => {
    expect(() => formatKnownHostsLine('h.example', 22, 'ssh-rsa', ed.blob)).toThrow();
    expect(() => formatKnownHostsLine('h.example', 0, ed.type, ed.blob)).toThrow();
    expect(() => formatKnownHostsLine('h.example', 70000, ed.type, ed.blob)).toThrow();
  });
});

describe('appendKnownHost', () => {
  const injections = ['a b', 'a\tb', 'a,b', '#host', 'a\nb', '|1|c2FsdA==|aGFzaA==', '@revoked', '!bad.example', '*.example', 'host?', '[a]:22', 'a\u0000b', ''];

  it.skipIf(process.platform === 'win32')('creates the directory 0700 and the file 0600', async () => {
    const file = join(dir, 'fresh', '.ssh', 'known_hosts');
    await appendKnownHost(file, 'new.example.com', 22, ed.type, ed.blob);
    await appendKnownHost(file, 'new.example.com', 2222, ecdsa.type, ecdsa.blob);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'fresh', '.ssh')).mode & 0o777).toBe(0o700);
    expect(readFileSync(file, 'utf8')).toBe(`new.example.com ${ed.text}\n[new.example.com]:2222 ${ecdsa.text}\n`);
    expect(sshKeygenFind('[new.example.com]:2222', file).found).toBe(true);
  });

  it('ends a previous last line before appending', async () => {
    const file = join(dir, 'no_final_newline');
    writeFileSync(file, `old.example.com ${ed2.text}`);
    await appendKnownHost(file, 'next.example.com', 22, ed.type, ed.blob);
    const text = readFileSync(file, 'utf8');
    expect(text).toBe(`old.example.com ${ed2.text}\nnext.example.com ${ed.text}\n`);
    const saved = [{ name: file, text }];
    expect(check('old.example.com', 22, ed2, saved)).toMatchObject({ kind: 'trusted', line: 1 });
    expect(check('next.example.com', 22, ed, saved)).toMatchObject({ kind: 'trusted', line: 2 });
  });

  it.each(injections)('refuses the host %j, writing nothing', async (host) => {
    const file = join(dir, 'refused', 'known_hosts');
    await expect(appendKnownHost(file, host, 22, ed.type, ed.blob)).rejects.toThrow();
    expect(() => statSync(file)).toThrow();
  });
});

describe('readKnownHostsSources', () => {
  it('reads the files that exist, in order, and skips missing ones', async () => {
    const a = join(dir, 'source_a');
    const b = join(dir, 'source_b');
    writeFileSync(a, 'a\n');
    writeFileSync(b, 'b\n');
    const read = await readKnownHostsSources([b, join(dir, 'missing'), join(dir, 'missing-dir', 'known_hosts'), a]);
    expect(read).toEqual([
      { name: b, text: 'b\n' },
      { name: a, text: 'a\n' },
    ]);
  });
});
