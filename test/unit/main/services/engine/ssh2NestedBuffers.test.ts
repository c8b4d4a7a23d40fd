/**
 * patches/ssh2+1.17.0.patch, nested sessions (issue 17 item 4): a hop's SSH session rides the
 * previous hop's channel, so each of its packets arrives split across that channel's data and is
 * assembled in a buffer of its own. The patch lets the outer session's AES-GCM decipher reuse
 * that buffer when the nested session gave it back (it copies its input as it parses), instead of
 * allocating 32 KiB per packet per hop (about half of the garbage collections of a 3-hop
 * transfer). These fail without the patch, and check that no payload anyone kept is overwritten.
 */
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import net, { type AddressInfo } from 'node:net';
import ssh2, { type ClientChannel, type Connection } from 'ssh2';
import { describe, expect, it } from 'vitest';
import { testHostKey } from '../../../../helpers/hostKey';

const { Client, Server } = ssh2;
const require = createRequire(import.meta.url);

interface Decipher {
  decrypt(data: Buffer, p: number, len: number): unknown;
  copyInput: boolean;
  releasePayload(payload: Buffer): void;
  _assemblyBuffer(len: number): Buffer;
}
interface Cipher {
  allocPacket(payloadLen: number): Buffer;
  encrypt(packet: Buffer): void;
}
const sshCrypto = require('ssh2/lib/protocol/crypto.js') as {
  bindingAvailable: boolean;
  CIPHER_INFO: Record<string, unknown>;
  createCipher(config: unknown): Cipher;
  createDecipher(config: unknown): Decipher;
};

const GCM = 'aes128-gcm@openssh.com' as const;

/** Encrypts payloads as one AES-GCM stream and returns a decipher for it, with what it delivers. */
function gcmPair(payloads: Buffer[], onPayload: (payload: Buffer, decipher: Decipher) => void): { stream: Buffer; decipher: Decipher } {
  const key = randomBytes(16);
  const iv = randomBytes(12);
  const out: Buffer[] = [];
  const cipher = sshCrypto.createCipher({ outbound: { onWrite: (p: Buffer) => out.push(Buffer.from(p)), cipherInfo: sshCrypto.CIPHER_INFO[GCM], cipherKey: key, cipherIV: Buffer.from(iv), seqno: 0 } });
  for (const payload of payloads) {
    const packet = cipher.allocPacket(payload.length);
    payload.copy(packet, 5);
    cipher.encrypt(packet);
  }
  // The decipher hands itself to onPayload through this holder (it exists only after creation).
  const holder: { decipher?: Decipher } = {};
  const decipher = sshCrypto.createDecipher({ inbound: { onPayload: (p: Buffer) => onPayload(p, holder.decipher!), decipherInfo: sshCrypto.CIPHER_INFO[GCM], decipherKey: key, decipherIV: Buffer.from(iv), seqno: 0 } });
  holder.decipher = decipher;
  return { stream: Buffer.concat(out), decipher };
}

function feed(decipher: Decipher, stream: Buffer, chunk: number): void {
  for (let at = 0; at < stream.length; at += chunk) {
    const piece = Buffer.from(stream.subarray(at, Math.min(at + chunk, stream.length)));
    decipher.decrypt(piece, 0, piece.length);
  }
}

describe('ssh2 patch: buffers of nested sessions', () => {
  it('runs on ssh2\'s AES-GCM binding, which the patch changes', () => {
    expect(sshCrypto.bindingAvailable).toBe(true);
  });

  it('reuses the assembly buffer only for payloads given back, and never overwrites a kept one', () => {
    const payloads = Array.from({ length: 6 }, () => randomBytes(20_000));
    const seen: { copy: Buffer; view: Buffer }[] = [];
    const { stream, decipher } = gcmPair(payloads, (payload, d) => {
      seen.push({ copy: Buffer.from(payload), view: payload });
      // Packets 0, 1 and 3 are given back (consumed); 2, 4 and 5 are kept by their consumer.
      if ([0, 1, 3].includes(seen.length - 1)) d.releasePayload(payload);
    });
    // 7000-byte chunks: every 20 KiB packet is split, so every one is assembled.
    feed(decipher, stream, 7000);
    expect(seen.length).toBe(payloads.length);
    expect(seen.every((s, i) => s.copy.equals(payloads[i]!))).toBe(true);
    // Given back: the next packet was assembled in the same buffer.
    expect(seen[1]!.view.buffer).toBe(seen[0]!.view.buffer);
    expect(seen[2]!.view.buffer).toBe(seen[1]!.view.buffer);
    // Kept: the next packet got a fresh buffer, and the kept payload still reads as it arrived.
    expect(seen[3]!.view.buffer).not.toBe(seen[2]!.view.buffer);
    expect(seen[5]!.view.buffer).not.toBe(seen[4]!.view.buffer);
    for (const kept of [2, 4, 5]) expect(seen[kept]!.view.equals(seen[kept]!.copy)).toBe(true);
  });

  it('with copyInput, copies even whole packets out of the chunk; without it, decrypts them in place', () => {
    const payloads = [randomBytes(10_000), randomBytes(10_000)];
    const views: Buffer[] = [];
    // (A decipher stops at a payload handler's return value: these return nothing.)
    const plain = gcmPair(payloads, (payload) => {
      views.push(payload);
    });
    const whole = Buffer.from(plain.stream);
    plain.decipher.decrypt(whole, 0, whole.length);
    expect(views.map((v) => v.toString('hex'))).toEqual(payloads.map((v) => v.toString('hex')));
    expect(views.every((v) => v.buffer === whole.buffer)).toBe(true);

    const copied: Buffer[] = [];
    const copying = gcmPair(payloads, (payload) => {
      copied.push(payload);
    });
    copying.decipher.copyInput = true;
    const chunk = Buffer.from(copying.stream);
    copying.decipher.decrypt(chunk, 0, chunk.length);
    expect(copied.map((v) => v.toString('hex'))).toEqual(payloads.map((v) => v.toString('hex')));
    expect(copied.some((v) => v.buffer === chunk.buffer)).toBe(false);
  });

  it('nests a session in a channel: data intact, the nested session copies, the outer reuses its buffer', async () => {
    const data = randomBytes(3 * 1024 * 1024);
    const key = testHostKey().private;
    const algorithms = { cipher: [GCM] };
    // The target: an exec that writes `data`.
    const target = new Server({ hostKeys: [key], algorithms }, (conn: Connection) => {
      conn.on('authentication', (ctx) => ctx.accept());
      conn.on('ready', () =>
        conn.on('session', (accept) =>
          accept().on('exec', (acceptExec) => {
            const stream = acceptExec();
            stream.end(data, () => stream.exit(0));
          }),
        ),
      );
      conn.on('error', () => undefined);
    });
    // The jump host: forwards direct-tcpip to the target over TCP.
    const jump = new Server({ hostKeys: [key], algorithms }, (conn: Connection) => {
      conn.on('authentication', (ctx) => ctx.accept());
      conn.on('ready', () =>
        conn.on('tcpip', (accept, _reject, info) => {
          const channel = accept();
          const socket = net.connect(info.destPort, info.destIP);
          channel.pipe(socket).pipe(channel);
        }),
      );
      conn.on('error', () => undefined);
    });
    target.listen(0, '127.0.0.1');
    jump.listen(0, '127.0.0.1');
    await Promise.all([once(target, 'listening'), once(jump, 'listening')]);
    const outer = new Client();
    const inner = new Client();
    try {
      outer.connect({ host: '127.0.0.1', port: (jump.address() as AddressInfo).port, username: 'u', algorithms });
      await once(outer, 'ready');
      const channel = await new Promise<ClientChannel>((resolve, reject) =>
        outer.forwardOut('127.0.0.1', 0, '127.0.0.1', (target.address() as AddressInfo).port, (err, ch) => (err ? reject(err) : resolve(ch))),
      );
      // Count the buffers the outer session's decipher assembles packets in.
      const outerDecipher = (outer as unknown as { _protocol: { _decipher: Decipher } })._protocol._decipher;
      const assemble = outerDecipher._assemblyBuffer.bind(outerDecipher);
      const buffers = new Set<ArrayBufferLike>();
      let assembled = 0;
      outerDecipher._assemblyBuffer = (len: number) => {
        const buf = assemble(len);
        if (len >= 4096) {
          assembled++;
          buffers.add(buf.buffer);
        }
        return buf;
      };
      inner.connect({ sock: channel, username: 'u', algorithms });
      await once(inner, 'ready');
      const innerProtocol = (inner as unknown as { _protocol: { _copyInput?: boolean } })._protocol;
      expect(innerProtocol._copyInput).toBe(true);
      const received = await new Promise<Buffer>((resolve, reject) =>
        inner.exec('cat', (err, stream) => {
          if (err) return reject(err);
          const parts: Buffer[] = [];
          stream.on('data', (d: Buffer) => parts.push(d));
          stream.on('close', () => resolve(Buffer.concat(parts)));
        }),
      );
      expect(createHash('sha256').update(received).digest('hex')).toBe(createHash('sha256').update(data).digest('hex'));
      // Most of 3 MiB of packets were split and assembled; nearly all in one reused buffer.
      expect(assembled).toBeGreaterThan(20);
      expect(buffers.size).toBeLessThan(assembled / 4);
    } finally {
      inner.end();
      outer.end();
      target.close();
      jump.close();
    }
  });
});
