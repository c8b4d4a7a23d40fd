/**
 * known_hosts files with OpenSSH's semantics (`man sshd`, SSH_KNOWN_HOSTS FILE FORMAT), so that a
 * host trusted in the terminal is trusted in Hopline and a key Hopline saves is one `ssh` reads.
 *
 * Reading never throws on content: a line we cannot use is skipped and reported as a warning,
 * as `ssh` does, because one bad line must not lock the user out of every other host.
 */

import { createHash, createHmac, randomBytes } from 'node:crypto';
import { copyFile, link, mkdir, open, readFile, realpath, rename, stat, unlink } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { hostCertificateProblem, type SshCertificate } from './sshCertificate';

export interface KnownHostsSource {
  /** A file path, used only in messages. */
  name: string;
  text: string;
}

export interface KnownHostsWarning {
  source: string;
  /** 1-based, as an editor shows it. */
  line: number;
  reason: string;
}

export type KnownHostsMarker = 'revoked' | 'cert-authority';

/** One comma-separated element of a line's host field. */
export type HostPattern =
  | { kind: 'glob'; negated: boolean; pattern: string }
  | { kind: 'hashed'; negated: boolean; salt: Buffer; hash: Buffer };

export interface KnownHostsEntry {
  source: string;
  line: number;
  marker: KnownHostsMarker | null;
  patterns: HostPattern[];
  type: string;
  blob: Buffer;
}

export type HostKeyVerdict =
  | { kind: 'trusted'; source: string; line: number }
  /** No line for this host with this key type; `knownTypes` are the types it is known under. */
  | { kind: 'unknown'; knownTypes: string[] }
  /** The host has lines with the same key type and none of them holds the presented key. */
  | { kind: 'changed'; previous: PreviousKey[] }
  /** An @revoked line for this host holds the presented key. */
  | { kind: 'revoked'; source: string; line: number }
  /** Only an @cert-authority line covers the host: it never vouches for a plain key. */
  | { kind: 'cert-authority'; source: string; line: number }
  /** A host certificate this @cert-authority line's CA signed, valid now and for this host. */
  | { kind: 'certified'; source: string; line: number };

/** A saved key a changed host no longer presents, and the line that holds it. */
export interface PreviousKey {
  type: string;
  sha256: string;
  source: string;
  line: number;
  /** The host matched a hashed name (`|1|…`), so the line shows no readable name. */
  hashed: boolean;
  /** Readable names on the same line besides this host's: removing the line forgets them too. */
  otherNames: string[];
}

export interface HostKeyCheck {
  verdict: HostKeyVerdict;
  warnings: KnownHostsWarning[];
}

// ---------------------------------------------------------------------------------------------
// Key blobs and fingerprints

/**
 * The key type a public key blob names about itself: the SSH wire string (uint32 big-endian
 * length, then that many bytes) it starts with. Throws on a blob too short to hold it.
 */
export function keyTypeOfBlob(blob: Buffer): string {
  if (blob.length < 4) throw new Error('key blob is too short to hold its type');
  const length = blob.readUInt32BE(0);
  // A type name is short; a huge length is a corrupt blob, not a type.
  if (length === 0 || length > 256 || 4 + length > blob.length) throw new Error('key blob has a bad type length');
  const type = blob.subarray(4, 4 + length).toString('latin1');
  if (!/^[\x21-\x7e]+$/.test(type)) throw new Error('key blob type is not printable');
  return type;
}

/** Same text as `ssh-keygen -l -E sha256`: `SHA256:` and unpadded base64. */
export function sha256Fingerprint(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

// ---------------------------------------------------------------------------------------------
// Parsing

// Buffer.from(…, 'base64') silently drops what is not base64, so validate the text first.
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function decodeBase64(text: string): Buffer | null {
  return text.length > 0 && BASE64.test(text) ? Buffer.from(text, 'base64') : null;
}

/** Thrown inside the parser for a line to skip; turned into a warning, never escapes. */
class BadLine extends Error {}

function parseMarker(field: string): KnownHostsMarker {
  if (field === '@revoked') return 'revoked';
  if (field === '@cert-authority') return 'cert-authority';
  throw new BadLine(`unknown marker ${field}`);
}

/** `|1|salt|hash`, both base64; the hash is HMAC-SHA1 of the host name keyed by the salt. */
function parseHashed(text: string, negated: boolean): HostPattern {
  const parts = text.split('|');
  const salt = parts.length === 4 && parts[0] === '' && parts[1] === '1' ? decodeBase64(parts[2] ?? '') : null;
  const hash = salt ? decodeBase64(parts[3] ?? '') : null;
  if (!salt || !hash || hash.length !== 20) throw new BadLine('bad hashed host name');
  return { kind: 'hashed', negated, salt, hash };
}

function parsePatterns(field: string): HostPattern[] {
  const patterns: HostPattern[] = [];
  // Empty elements (`a,,b`) are ignored: OpenSSH accepts such lines, so we keep the rest.
  for (const element of field.split(',').filter((e) => e !== '')) {
    const negated = element.startsWith('!');
    const text = negated ? element.slice(1) : element;
    if (text === '') throw new BadLine('empty negated host pattern');
    patterns.push(text.startsWith('|') ? parseHashed(text, negated) : { kind: 'glob', negated, pattern: text.toLowerCase() });
  }
  if (patterns.length === 0) throw new BadLine('no host pattern');
  return patterns;
}

function parseKey(type: string, base64: string): Buffer {
  const blob = decodeBase64(base64);
  if (!blob) throw new BadLine('key is not valid base64');
  let embedded: string;
  try {
    embedded = keyTypeOfBlob(blob);
  } catch (error) {
    throw new BadLine((error as Error).message);
  }
  // A mismatch means a damaged or hand-edited line; trusting it could confuse key types.
  if (embedded !== type) throw new BadLine(`key type ${type} does not match the key, which is ${embedded}`);
  return blob;
}

/** One non-blank, non-comment line; throws BadLine for a line to skip. */
function parseLine(source: string, lineNumber: number, text: string): KnownHostsEntry {
  const fields = text.split(/[ \t]+/);
  const marker = fields[0]?.startsWith('@') ? parseMarker(fields.shift() ?? '') : null;
  // A trailing comment may hold spaces, so only a minimum is checked.
  const [hosts, type, base64] = fields;
  if (hosts === undefined || type === undefined || base64 === undefined) {
    throw new BadLine('expected host patterns, key type and key');
  }
  return { source, line: lineNumber, marker, patterns: parsePatterns(hosts), type, blob: parseKey(type, base64) };
}

/** Every usable line of one file, and a warning for each line skipped. */
export function parseKnownHosts(source: KnownHostsSource): { entries: KnownHostsEntry[]; warnings: KnownHostsWarning[] } {
  const entries: KnownHostsEntry[] = [];
  const warnings: KnownHostsWarning[] = [];
  source.text.split('\n').forEach((raw, index) => {
    const text = raw.trim();
    if (text === '' || text.startsWith('#')) return;
    try {
      entries.push(parseLine(source.name, index + 1, text));
    } catch (error) {
      if (!(error instanceof BadLine)) throw error;
      warnings.push({ source: source.name, line: index + 1, reason: error.message });
    }
  });
  return { entries, warnings };
}

// ---------------------------------------------------------------------------------------------
// Host matching

/**
 * The name a host's keys are filed under: the configured host (never a forwarded address, which
 * would be the same for every hop), bracketed with its port unless the port is 22. Lower-cased
 * as `ssh` does before looking it up, so hashes and patterns compare case-insensitively.
 */
export function knownHostsLookupName(host: string, port: number): string {
  const name = host.toLowerCase();
  return port === 22 ? name : `[${name}]:${port}`;
}

/** `*` any run of characters, `?` exactly one; iterative, so no pattern can make it blow up. */
function globMatch(pattern: string, text: string): boolean {
  let p = 0;
  let t = 0;
  let starP = -1;
  let starT = 0;
  while (t < text.length) {
    const c = pattern[p];
    if (c === '*') {
      starP = p++;
      starT = t;
    } else if (c !== undefined && (c === '?' || c === text[t])) {
      p++;
      t++;
    } else if (starP >= 0) {
      // Let the last star swallow one more character and retry from there.
      p = starP + 1;
      t = ++starT;
    } else {
      return false;
    }
  }
  while (pattern[p] === '*') p++;
  return p === pattern.length;
}

function patternMatches(pattern: HostPattern, name: string): boolean {
  if (pattern.kind === 'glob') return globMatch(pattern.pattern, name);
  return createHmac('sha1', pattern.salt).update(name).digest().equals(pattern.hash);
}

/** OpenSSH's rule: some positive pattern matches and no negated one does. */
function entryMatches(entry: KnownHostsEntry, name: string): boolean {
  let positive = false;
  for (const pattern of entry.patterns) {
    if (!patternMatches(pattern, name)) continue;
    if (pattern.negated) return false;
    positive = true;
  }
  return positive;
}

// ---------------------------------------------------------------------------------------------
// The verdict

function previousKey(entry: KnownHostsEntry, name: string): PreviousKey {
  return {
    type: entry.type,
    sha256: sha256Fingerprint(entry.blob),
    source: entry.source,
    line: entry.line,
    hashed: entry.patterns.some((p) => p.kind === 'hashed' && !p.negated && patternMatches(p, name)),
    otherNames: entry.patterns.flatMap((p) => (p.kind === 'glob' && p.pattern !== name ? [`${p.negated ? '!' : ''}${p.pattern}`] : [])),
  };
}

function decide(matching: KnownHostsEntry[], type: string, blob: Buffer, name: string): HostKeyVerdict {
  const revoked = matching.find((e) => e.marker === 'revoked' && e.blob.equals(blob));
  if (revoked) return { kind: 'revoked', source: revoked.source, line: revoked.line };

  // Only unmarked lines vouch for a plain key; a CA's key equal to it proves nothing.
  const plain = matching.filter((e) => e.marker === null);
  const trusted = plain.find((e) => e.type === type && e.blob.equals(blob));
  if (trusted) return { kind: 'trusted', source: trusted.source, line: trusted.line };

  const sameType = plain.filter((e) => e.type === type);
  if (sameType.length > 0) {
    return {
      kind: 'changed',
      previous: sameType.map((e) => previousKey(e, name)),
    };
  }

  const authority = matching.find((e) => e.marker === 'cert-authority');
  if (authority) return { kind: 'cert-authority', source: authority.source, line: authority.line };

  return { kind: 'unknown', knownTypes: [...new Set(plain.map((e) => e.type))] };
}

/**
 * What the known_hosts `sources`, taken together, say about `key` presented by `host`:`port`
 * (the hop's configured address). Precedence: revoked > trusted > changed > cert-authority >
 * unknown.
 */
export function checkHostKey(
  sources: KnownHostsSource[],
  host: string,
  port: number,
  key: { type: string; blob: Buffer },
): HostKeyCheck {
  const { name, matching, warnings } = entriesFor(sources, host, port);
  // The blob names its own type; prefer it over `key.type`, which a caller may have taken from
  // the negotiated algorithm (rsa-sha2-512 for an ssh-rsa key) and which would hide a change.
  let type = key.type;
  try {
    type = keyTypeOfBlob(key.blob);
  } catch {
    // An unreadable blob matches no line; the caller's type still finds same-type lines.
  }
  return { verdict: decide(matching, type, key.blob, name), warnings };
}

/** Every line of `sources` that applies to `host`:`port`, and a warning for each line skipped. */
function entriesFor(sources: KnownHostsSource[], host: string, port: number): { name: string; matching: KnownHostsEntry[]; warnings: KnownHostsWarning[] } {
  const name = knownHostsLookupName(host, port);
  const warnings: KnownHostsWarning[] = [];
  const matching: KnownHostsEntry[] = [];
  for (const source of sources) {
    const parsed = parseKnownHosts(source);
    warnings.push(...parsed.warnings);
    matching.push(...parsed.entries.filter((e) => entryMatches(e, name)));
  }
  return { name, matching, warnings };
}

export interface HostCertificateCheck extends HostKeyCheck {
  /**
   * Why the certificate did not vouch for the host, or null when it did. When it did not (and
   * nothing is revoked), `verdict` is about the certificate's plain key: ssh, too, drops a
   * certificate it cannot use and checks the bare key against known_hosts.
   */
  problem: string | null;
}

/**
 * What `sources` say about a host certificate presented by `host`:`port`, as OpenSSH's
 * check_host_key(): a revoked CA key or host key is final; a certificate from a CA an
 * @cert-authority line trusts for this host is checked (signature, window, principal); any
 * other outcome retries with the plain key.
 */
export function checkHostCertificate(sources: KnownHostsSource[], host: string, port: number, cert: SshCertificate, nowSeconds?: number): HostCertificateCheck {
  const { name, matching, warnings } = entriesFor(sources, host, port);
  const revoked = matching.find((e) => e.marker === 'revoked' && [cert.signatureKey, cert.publicKey, cert.blob].some((b) => e.blob.equals(b)));
  if (revoked) {
    const what = revoked.blob.equals(cert.signatureKey) ? `its CA key ${cert.signatureKeyFingerprint} is` : 'its key is';
    return { verdict: { kind: 'revoked', source: revoked.source, line: revoked.line }, warnings, problem: `${what} marked @revoked` };
  }
  const authority = matching.find((e) => e.marker === 'cert-authority' && e.blob.equals(cert.signatureKey));
  const problem = authority ? hostCertificateProblem(cert, host, nowSeconds) : `it is signed by CA ${cert.signatureKeyFingerprint}, which no @cert-authority line for ${name} trusts`;
  if (authority && !problem) return { verdict: { kind: 'certified', source: authority.source, line: authority.line }, warnings, problem: null };
  return { verdict: decide(matching, cert.keyType, cert.publicKey, name), warnings, problem };
}

/** Whether some @cert-authority line in `sources` covers `host`:`port` (OpenSSH then offers certificates first). */
export function certAuthorityCovers(sources: KnownHostsSource[], host: string, port: number): boolean {
  const name = knownHostsLookupName(host, port);
  return sources.some((source) => parseKnownHosts(source).entries.some((e) => e.marker === 'cert-authority' && entryMatches(e, name)));
}

// ---------------------------------------------------------------------------------------------
// Writing

/**
 * Throws for a host that could be read back as something other than one literal name: a
 * separator, comment, marker, negation, hash, wildcard or `[host]:port` of its own.
 */
function assertLiteralHost(host: string): void {
  const control = [...host].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f);
  if (host === '' || control || /[\s,#*?[\]]/.test(host) || /^[|@!]/.test(host)) {
    throw new Error(`refusing to save a known_hosts line for host ${JSON.stringify(host)}`);
  }
}

function assertPort(port: number): void {
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`bad port ${port}`);
}

/** A plain (unhashed) line OpenSSH reads: `host type base64` or `[host]:port type base64`. */
export function formatKnownHostsLine(host: string, port: number, type: string, blob: Buffer): string {
  assertLiteralHost(host);
  assertPort(port);
  // Never write a line that our own parser (and ssh) would skip as damaged.
  if (keyTypeOfBlob(blob) !== type) throw new Error(`key type ${type} does not match the key`);
  const name = port === 22 ? host : `[${host}]:${port}`;
  return `${name} ${type} ${blob.toString('base64')}`;
}

/**
 * Appends one line for the key, creating the directory (0700) and file (0600) like ~/.ssh if
 * missing. A previous last line without its newline gets one first, so the two never merge.
 */
export async function appendKnownHost(file: string, host: string, port: number, type: string, blob: Buffer): Promise<void> {
  const line = formatKnownHostsLine(host, port, type, blob);
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  await exclusive(await canonicalPath(file), () => appendLine(file, line));
}

async function appendLine(file: string, line: string): Promise<void> {
  const handle = await open(file, 'a+', 0o600);
  try {
    const { size } = await handle.stat();
    let needsNewline = false;
    if (size > 0) {
      const last = Buffer.alloc(1);
      await handle.read(last, 0, 1, size - 1);
      needsNewline = last[0] !== 0x0a;
    }
    await handle.appendFile(`${needsNewline ? '\n' : ''}${line}\n`);
  } finally {
    await handle.close();
  }
}

// ---------------------------------------------------------------------------------------------
// Removing lines, as `ssh-keygen -R` does

/**
 * Edits of one file run one at a time within this process, so a key saved by one circuit while
 * another replaces a line is never lost between a read and the rename that follows it.
 */
const fileQueues = new Map<string, Promise<unknown>>();

async function exclusive<T>(key: string, task: () => Promise<T>): Promise<T> {
  const run = (fileQueues.get(key) ?? Promise.resolve()).then(task, task);
  const tail = run.catch(() => undefined);
  fileQueues.set(key, tail);
  try {
    return await run;
  } finally {
    if (fileQueues.get(key) === tail) fileQueues.delete(key);
  }
}

/** The file a path names once symlinks are followed (a dotfiles-managed ~/.ssh stays a link). */
async function canonicalPath(file: string): Promise<string> {
  try {
    return await realpath(file);
  } catch {
    return resolve(file);
  }
}

/** A line to remove: where it was found, and the key it held then (checked again before removing). */
export interface KnownHostsLineRef {
  line: number;
  type: string;
  sha256: string;
}

/** The file no longer holds, at that line, the entry that was shown to the user. Nothing was written. */
export class KnownHostsChangedError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
  ) {
    super(`${file} changed meanwhile: line ${line} no longer holds the entry that was found there`);
    this.name = 'KnownHostsChangedError';
  }
}

export interface KnownHostsRemoval {
  /** The file as it was before, as `ssh-keygen -R` keeps it: `<file>.old`. */
  backup: string;
  removed: number[];
}

/**
 * Removes whole lines that hold `host`:`port`'s plain (unmarked) keys, as `ssh-keygen -R` does:
 * a line naming several hosts goes as a whole, @revoked and @cert-authority lines are never
 * touched, and every other line (comments, invalid lines) is kept byte for byte.
 *
 * Each line must still hold, for this host, the key it held when it was found; otherwise
 * KnownHostsChangedError and the file is left alone. The previous contents are kept as
 * `<file>.old` (a hard link, replacing an older .old, as ssh-keygen does), and the new contents
 * replace the file by rename, so a reader sees either the old file or the new one, never half.
 * Unlike `ssh-keygen -R`, only the given lines go: the host's lines of other key types stay.
 */
export async function removeKnownHostsLines(file: string, host: string, port: number, refs: KnownHostsLineRef[]): Promise<KnownHostsRemoval> {
  // Removals run in the order they were asked for: resolving the canonical path first would let
  // a later call overtake an earlier one while realpath() is in flight.
  return exclusive(REMOVALS, async () => {
    const target = await canonicalPath(file);
    return removeUnderLock(file, target, host, port, refs);
  });
}

/** Every removal's turn, before the file's own queue (which appends share). */
const REMOVALS = '\0known_hosts removals';

function removeUnderLock(file: string, target: string, host: string, port: number, refs: KnownHostsLineRef[]): Promise<KnownHostsRemoval> {
  return exclusive(target, async () => {
    const name = knownHostsLookupName(host, port);
    const text = await readFile(target, 'utf8');
    const lines = text.split('\n');
    const drop = new Set<number>();
    for (const ref of refs) {
      const raw = lines[ref.line - 1];
      const entry = raw === undefined ? undefined : parseKnownHosts({ name: file, text: raw }).entries[0];
      const same = entry && entry.marker === null && entryMatches(entry, name) && entry.type === ref.type && sha256Fingerprint(entry.blob) === ref.sha256;
      if (!same) throw new KnownHostsChangedError(file, ref.line);
      drop.add(ref.line - 1);
    }
    const kept = lines.filter((_, index) => !drop.has(index)).join('\n');

    const { mode } = await stat(target);
    const temporary = `${target}.hopline-${randomBytes(6).toString('hex')}`;
    const backup = `${target}.old`;
    const handle = await open(temporary, 'wx', 0o600);
    try {
      // ssh-keygen keeps the mode, less any write bit for group and others.
      await handle.chmod(mode & 0o644);
      await handle.writeFile(kept);
      await handle.sync();
    } catch (error) {
      await handle.close();
      await unlink(temporary).catch(() => undefined);
      throw error;
    }
    await handle.close();
    try {
      await unlink(backup).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT') throw error;
      });
      // A filesystem without hard links still gets its backup, as a copy.
      await link(target, backup).catch(() => copyFile(target, backup));
      await rename(temporary, target);
    } catch (error) {
      await unlink(temporary).catch(() => undefined);
      throw error;
    }
    return { backup, removed: [...drop].map((index) => index + 1).sort((a, b) => a - b) };
  });
}

/**
 * The files that exist, in order. A missing file is normal (no ~/.ssh yet); any other error
 * (unreadable file) is thrown, since treating it as empty would make known hosts look new.
 */
export async function readKnownHostsSources(files: string[]): Promise<KnownHostsSource[]> {
  const sources: KnownHostsSource[] = [];
  for (const name of files) {
    try {
      sources.push({ name, text: await readFile(name, 'utf8') });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw error;
    }
  }
  return sources;
}
