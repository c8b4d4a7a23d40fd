/**
 * OpenSSH certificates (`*-cert-v01@openssh.com`, PROTOCOL.certkeys): parse a certificate blob,
 * verify its CA signature with node:crypto, and check it before it is offered.
 *
 * Pure: no I/O, no ssh2. The user-certificate checks mirror what sshd would refuse, so Hopline
 * can say what is wrong ("expired at …", "not valid for user …") without sending anything.
 */
import { createHash, createPublicKey, verify as cryptoVerify, type KeyObject } from 'node:crypto';

export type CertificateKind = 'user' | 'host';

export interface SshCertificate {
  /** e.g. ssh-ed25519-cert-v01@openssh.com */
  certType: string;
  /** The key's own algorithm, e.g. ssh-ed25519, ssh-rsa, ecdsa-sha2-nistp256. */
  keyType: string;
  /** The certified public key as a plain SSH key blob (what the matching private key has). */
  publicKey: Buffer;
  serial: bigint;
  kind: CertificateKind;
  keyId: string;
  /** Empty means any principal (OpenSSH). */
  principals: string[];
  /** Seconds since the epoch; 0 = always valid from the start. */
  validAfter: bigint;
  /** Seconds since the epoch; 2^64-1 = forever. */
  validBefore: bigint;
  criticalOptions: Array<{ name: string; value: string }>;
  extensions: Array<{ name: string; value: string }>;
  /** The CA's public key blob. */
  signatureKey: Buffer;
  /** SHA256:… of signatureKey, as ssh-keygen -l prints it. */
  signatureKeyFingerprint: string;
  /** The CA's signature algorithm, e.g. ssh-ed25519, rsa-sha2-512. */
  signatureAlgorithm: string;
  /** The bytes the CA signed (everything before the signature). */
  signed: Buffer;
  /** The signature's raw bytes (inside its algorithm wrapper). */
  signature: Buffer;
  /** The whole certificate blob. */
  blob: Buffer;
}

export const FOREVER = 0xffff_ffff_ffff_ffffn;
const CERT_SUFFIX = '-cert-v01@openssh.com';

class Reader {
  private pos = 0;
  constructor(private readonly buf: Buffer) {}
  get offset(): number {
    return this.pos;
  }
  get done(): boolean {
    return this.pos === this.buf.length;
  }
  uint32(): number {
    if (this.pos + 4 > this.buf.length) throw new Error('certificate is truncated');
    const v = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }
  uint64(): bigint {
    if (this.pos + 8 > this.buf.length) throw new Error('certificate is truncated');
    const v = this.buf.readBigUInt64BE(this.pos);
    this.pos += 8;
    return v;
  }
  bytes(): Buffer {
    const len = this.uint32();
    if (this.pos + len > this.buf.length) throw new Error('certificate is truncated');
    const v = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return v;
  }
  string(): string {
    return this.bytes().toString('utf8');
  }
}

function sshString(data: Buffer | string): Buffer {
  const body = typeof data === 'string' ? Buffer.from(data) : data;
  const len = Buffer.alloc(4);
  len.writeUInt32BE(body.length);
  return Buffer.concat([len, body]);
}

function nameValues(buf: Buffer): Array<{ name: string; value: string }> {
  const r = new Reader(buf);
  const out: Array<{ name: string; value: string }> = [];
  while (!r.done) {
    const name = r.string();
    const data = r.bytes();
    // The value is itself an SSH string (e.g. force-command), or empty for flags.
    out.push({ name, value: data.length >= 4 ? new Reader(data).string() : '' });
  }
  return out;
}

/** The public-key fields each base key type carries, in order: 's' string, 'm' mpint. */
function publicFields(keyType: string): number {
  if (keyType === 'ssh-rsa') return 2; // e, n
  if (keyType === 'ssh-ed25519') return 1; // pk
  if (keyType.startsWith('ecdsa-sha2-')) return 2; // curve, Q
  throw new Error(`unsupported certificate key type ${keyType}`);
}

export function isCertificateType(type: string): boolean {
  return type.endsWith(CERT_SUFFIX);
}

/** Parses a certificate blob (the base64-decoded middle field of KEY-cert.pub). */
export function parseCertificate(blob: Buffer): SshCertificate {
  const r = new Reader(blob);
  const certType = r.string();
  if (!isCertificateType(certType)) throw new Error(`not an OpenSSH certificate (${certType.slice(0, 60)})`);
  const keyType = certType.slice(0, -CERT_SUFFIX.length);
  r.bytes(); // nonce
  const fields: Buffer[] = [];
  for (let i = publicFields(keyType); i > 0; i--) fields.push(r.bytes());
  const publicKey = Buffer.concat([sshString(keyType), ...fields.map(sshString)]);
  const serial = r.uint64();
  const kindCode = r.uint32();
  if (kindCode !== 1 && kindCode !== 2) throw new Error(`unknown certificate type ${kindCode}`);
  const keyId = r.string();
  const principalsBuf = new Reader(r.bytes());
  const principals: string[] = [];
  while (!principalsBuf.done) principals.push(principalsBuf.string());
  const validAfter = r.uint64();
  const validBefore = r.uint64();
  const criticalOptions = nameValues(r.bytes());
  const extensions = nameValues(r.bytes());
  r.bytes(); // reserved
  const signatureKey = r.bytes();
  const signedEnd = r.offset;
  const sigBlob = new Reader(r.bytes());
  if (!r.done) throw new Error('certificate has trailing data');
  const signatureAlgorithm = sigBlob.string();
  const signature = sigBlob.bytes();
  return {
    certType,
    keyType,
    publicKey,
    serial,
    kind: kindCode === 1 ? 'user' : 'host',
    keyId,
    principals,
    validAfter,
    validBefore,
    criticalOptions,
    extensions,
    signatureKey,
    signatureKeyFingerprint: fingerprint(signatureKey),
    signatureAlgorithm,
    signed: blob.subarray(0, signedEnd),
    signature,
    blob,
  };
}

/** Reads an OpenSSH `KEY-cert.pub` line ("type base64 [comment]") into a certificate. */
export function parseCertificateLine(text: string): SshCertificate {
  const [type, b64] = text.trim().split(/\s+/);
  if (!type || !b64 || !isCertificateType(type)) throw new Error('not an OpenSSH certificate file');
  const cert = parseCertificate(Buffer.from(b64, 'base64'));
  if (cert.certType !== type) throw new Error(`certificate file says ${type} but holds ${cert.certType}`);
  return cert;
}

/** SHA256:base64 (no padding) of a public key blob, as ssh-keygen prints it. */
export function fingerprint(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

const b64url = (b: Buffer): string => b.toString('base64url');
/** An SSH mpint without its sign byte. */
const unsigned = (b: Buffer): Buffer => (b.length > 1 && b[0] === 0 ? b.subarray(1) : b);

const CURVES: Record<string, { crv: string; hash: string; size: number }> = {
  nistp256: { crv: 'P-256', hash: 'sha256', size: 32 },
  nistp384: { crv: 'P-384', hash: 'sha384', size: 48 },
  nistp521: { crv: 'P-521', hash: 'sha512', size: 66 },
};

function caKey(blob: Buffer): { type: string; key: KeyObject; curve?: (typeof CURVES)[string] } {
  const r = new Reader(blob);
  const type = r.string();
  if (type === 'ssh-ed25519') {
    return { type, key: createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: b64url(r.bytes()) }, format: 'jwk' }) };
  }
  if (type === 'ssh-rsa') {
    const e = unsigned(r.bytes());
    const n = unsigned(r.bytes());
    return { type, key: createPublicKey({ key: { kty: 'RSA', n: b64url(n), e: b64url(e) }, format: 'jwk' }) };
  }
  if (type.startsWith('ecdsa-sha2-')) {
    const curve = CURVES[r.string()];
    const q = r.bytes();
    if (!curve || q[0] !== 4 || q.length !== 1 + 2 * curve.size) throw new Error(`unsupported CA key ${type}`);
    const x = q.subarray(1, 1 + curve.size);
    const y = q.subarray(1 + curve.size);
    return { type, curve, key: createPublicKey({ key: { kty: 'EC', crv: curve.crv, x: b64url(x), y: b64url(y) }, format: 'jwk' }) };
  }
  throw new Error(`unsupported CA key type ${type}`);
}

function pad(b: Buffer, size: number): Buffer {
  const u = unsigned(b);
  if (u.length > size) throw new Error('bad ECDSA signature');
  return Buffer.concat([Buffer.alloc(size - u.length), u]);
}

/**
 * True when the CA key inside the certificate signed it. ed25519, ECDSA (P-256/384/521) and RSA
 * with rsa-sha2-256/512; RSA with SHA-1 (ssh-rsa) is refused, as OpenSSH's default
 * CASignatureAlgorithms does since 8.2.
 */
export function verifyCertificateSignature(cert: SshCertificate): boolean {
  let ca: ReturnType<typeof caKey>;
  try {
    ca = caKey(cert.signatureKey);
  } catch {
    return false;
  }
  const alg = cert.signatureAlgorithm;
  try {
    if (ca.type === 'ssh-ed25519' && alg === 'ssh-ed25519') return cryptoVerify(null, cert.signed, ca.key, cert.signature);
    if (ca.type === 'ssh-rsa' && (alg === 'rsa-sha2-256' || alg === 'rsa-sha2-512')) {
      return cryptoVerify(alg === 'rsa-sha2-256' ? 'sha256' : 'sha512', cert.signed, ca.key, cert.signature);
    }
    if (ca.curve && alg === ca.type) {
      const rs = new Reader(cert.signature);
      const sig = Buffer.concat([pad(rs.bytes(), ca.curve.size), pad(rs.bytes(), ca.curve.size)]);
      return cryptoVerify(ca.curve.hash, cert.signed, { key: ca.key, dsaEncoding: 'ieee-p1363' }, sig);
    }
  } catch {
    return false;
  }
  return false;
}

/** An instant in seconds as ISO 8601 UTC, or "forever". */
export function certTime(seconds: bigint): string {
  if (seconds >= FOREVER) return 'forever';
  const ms = Number(seconds) * 1000;
  return Number.isFinite(ms) && ms < 8.64e15 ? new Date(ms).toISOString().replace('.000Z', 'Z') : 'forever';
}

/** The checks every certificate must pass whatever it certifies: its CA's signature and its validity window. */
function signatureOrTimeProblem(cert: SshCertificate, id: string, nowSeconds: number): string | null {
  if (!verifyCertificateSignature(cert)) return `${id} has a signature its CA key (${cert.signatureKeyFingerprint}) does not verify`;
  const now = BigInt(nowSeconds);
  if (now < cert.validAfter) return `${id} is not valid before ${certTime(cert.validAfter)}`;
  if (now >= cert.validBefore) return `${id} expired at ${certTime(cert.validBefore)}`;
  return null;
}

/**
 * Why OpenSSH would refuse this user certificate for `user` at `nowSeconds`, or null when it
 * may be offered. The key id is quoted as it is (callers sanitise before showing it).
 */
export function userCertificateProblem(cert: SshCertificate, user: string, nowSeconds: number = Math.floor(Date.now() / 1000)): string | null {
  const id = `certificate "${cert.keyId}"`;
  if (cert.kind !== 'user') return `${id} is a host certificate, not a user certificate`;
  const problem = signatureOrTimeProblem(cert, id, nowSeconds);
  if (problem) return problem;
  if (cert.principals.length > 0 && !cert.principals.includes(user)) {
    return `${id} is not valid for user ${user} (principals: ${cert.principals.join(', ')})`;
  }
  return null;
}

/**
 * Why OpenSSH's check_host_cert() would refuse this host certificate for `host` (the name the
 * hop is configured with, lower-cased as ssh does), or null when its CA vouches for the host.
 * As ssh: an empty principal list is valid for any host, names compare exactly (no wildcards),
 * and a host certificate may not carry critical options.
 */
export function hostCertificateProblem(cert: SshCertificate, host: string, nowSeconds: number = Math.floor(Date.now() / 1000)): string | null {
  const id = `host certificate "${cert.keyId}"`;
  if (cert.kind !== 'host') return `${id} is a user certificate, not a host certificate`;
  const problem = signatureOrTimeProblem(cert, id, nowSeconds);
  if (problem) return problem;
  const name = host.toLowerCase();
  if (cert.principals.length > 0 && !cert.principals.includes(name)) {
    return `${id} is not valid for host ${name} (principals: ${cert.principals.join(', ')})`;
  }
  if (cert.criticalOptions.length > 0) return `${id} carries critical options (${cert.criticalOptions.map((o) => o.name).join(', ')}), which a host certificate may not`;
  return null;
}
