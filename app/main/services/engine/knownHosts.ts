/**
 * known_hosts files with OpenSSH's semantics (`man sshd`, SSH_KNOWN_HOSTS FILE FORMAT), so that a
 * host trusted in the terminal is trusted in Hopline and a key Hopline saves is one `ssh` reads.
 *
 * Reading never throws on content: a line we cannot use is skipped and reported as a warning,
 * as `ssh` does, because one bad line must not lock the user out of every other host.
 */

import { createHash, createHmac } from 'node:crypto';
import { mkdir, open, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';

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
  | { kind: 'changed'; previous: { type: string; sha256: string; source: string; line: number }[] }
  /** An @revoked line for this host holds the presented key. */
  | { kind: 'revoked'; source: string; line: number }
  /** Only an @cert-authority line covers the host: it never vouches for a plain key. */
  | { kind: 'cert-authority'; source: string; line: number };

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

function decide(matching: KnownHostsEntry[], type: string, blob: Buffer): HostKeyVerdict {
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
      previous: sameType.map((e) => ({ type: e.type, sha256: sha256Fingerprint(e.blob), source: e.source, line: e.line })),
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
  const name = knownHostsLookupName(host, port);
  const warnings: KnownHostsWarning[] = [];
  const matching: KnownHostsEntry[] = [];
  for (const source of sources) {
    const parsed = parseKnownHosts(source);
    warnings.push(...parsed.warnings);
    matching.push(...parsed.entries.filter((e) => entryMatches(e, name)));
  }
  // The blob names its own type; prefer it over `key.type`, which a caller may have taken from
  // the negotiated algorithm (rsa-sha2-512 for an ssh-rsa key) and which would hide a change.
  let type = key.type;
  try {
    type = keyTypeOfBlob(key.blob);
  } catch {
    // An unreadable blob matches no line; the caller's type still finds same-type lines.
  }
  return { verdict: decide(matching, type, key.blob), warnings };
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
