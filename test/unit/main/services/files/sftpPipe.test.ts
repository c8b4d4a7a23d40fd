/**
 * The pipelined transfer loops against a fake SFTP server that misbehaves in the ways a real one
 * may: answers out of order, short reads, a size claim that lies either way, data sent past its
 * own EOF answer, and a local disk that fills up. What lands is exactly the file (bounded by EOF,
 * never by the claim), the requests in flight stay within the window, and a failure leaves a
 * local prefix that resume can trust.
 */
import { randomBytes } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import type { SFTPWrapper } from 'ssh2';
import { describe, expect, it } from 'vitest';
import { pipeDownload, pipeUpload, streamSource, type ChunkSource } from '../../../../../app/main/services/files/sftpPipe';

interface FakeServer {
  /** Bytes the server really has. */
  content: Buffer;
  /** Most bytes per READ answer (a short read below the asked length). */
  maxAnswer?: number;
  /** Answers in a shuffled order rather than as asked. */
  shuffle?: boolean;
  /** After EOF at content.length, still send data for reads past it (a liar). */
  dataPastEof?: boolean;
}

/** A fake SFTPWrapper's read/write, counting what is in flight. */
function fakeSftp(server: FakeServer): { sftp: SFTPWrapper; maxInflight: () => number; reads: { position: number; length: number }[]; written: Buffer[] } {
  let inflight = 0;
  let max = 0;
  const reads: { position: number; length: number }[] = [];
  const queue: (() => void)[] = [];
  const written: Buffer[] = [];
  const schedule = (answer: () => void): void => {
    queue.push(answer);
    if (queue.length === 1)
      setImmediate(() => {
        const batch = queue.splice(0);
        if (server.shuffle) batch.sort(() => Math.random() - 0.5);
        for (const a of batch) a();
      });
  };
  const sftp = {
    read(_handle: Buffer, buffer: Buffer, offset: number, length: number, position: number, cb: (err: Error | undefined, n: number, data: Buffer) => void) {
      inflight++;
      max = Math.max(max, inflight);
      reads.push({ position, length });
      schedule(() => {
        inflight--;
        let slice: Buffer;
        if (position >= server.content.length) slice = server.dataPastEof && position > server.content.length ? randomBytes(Math.min(length, 100)) : Buffer.alloc(0);
        else slice = server.content.subarray(position, Math.min(server.content.length, position + Math.min(length, server.maxAnswer ?? length)));
        slice.copy(buffer, offset);
        cb(undefined, slice.length, buffer.subarray(offset, offset + slice.length));
      });
    },
    write(_handle: Buffer, buffer: Buffer, offset: number, length: number, position: number, cb: (err?: Error) => void) {
      inflight++;
      max = Math.max(max, inflight);
      const copy = Buffer.from(buffer.subarray(offset, offset + length));
      schedule(() => {
        inflight--;
        const end = position + copy.length;
        if (written.length === 0) written.push(Buffer.alloc(0));
        if (written[0]!.length < end) written[0] = Buffer.concat([written[0]!, Buffer.alloc(end - written[0]!.length)]);
        copy.copy(written[0]!, position);
        cb();
      });
    },
  } as unknown as SFTPWrapper;
  return { sftp, maxInflight: () => max, reads, written };
}

/** A local file in memory: writes must come in order (as the loop promises), or it fails. */
function memoryFile(options: { capacity?: number } = {}): { file: FileHandle; data: () => Buffer } {
  let data = Buffer.alloc(0);
  const file = {
    async writev(buffers: Buffer[], position: number) {
      if (position !== data.length) throw new Error(`write at ${position}, file is ${data.length}`);
      let bytesWritten = 0;
      for (const b of buffers) {
        const room = (options.capacity ?? Infinity) - data.length;
        if (room <= 0) throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
        const part = b.subarray(0, Math.min(b.length, room));
        data = Buffer.concat([data, part]);
        bytesWritten += part.length;
      }
      return { bytesWritten, buffers };
    },
  } as unknown as FileHandle;
  return { file, data: () => data };
}

const tuning = { requests: 8, chunkSize: 4096 };
const control = () => ({ signal: new AbortController().signal, onBytes: () => undefined });

describe('pipeDownload', () => {
  it('lands the file exactly, answers out of order and short reads included, within the window', async () => {
    const content = randomBytes(200_000);
    const server = fakeSftp({ content, shuffle: true, maxAnswer: 3000 });
    const local = memoryFile();
    const length = await pipeDownload(server.sftp, Buffer.from('h'), local.file, 0, content.length, tuning, control());
    expect(length).toBe(content.length);
    expect(local.data().equals(content)).toBe(true);
    expect(server.maxInflight()).toBeLessThanOrEqual(tuning.requests);
  });

  it('a size claim too small: reads on to EOF, one probe at a time until data shows the file is longer', async () => {
    const content = randomBytes(100_000);
    const server = fakeSftp({ content });
    const local = memoryFile();
    expect(await pipeDownload(server.sftp, Buffer.from('h'), local.file, 0, 10, tuning, control())).toBe(content.length);
    expect(local.data().equals(content)).toBe(true);
  });

  it('a size claim too large: stops at EOF without asking for the claimed gigabytes', async () => {
    const content = randomBytes(10_000);
    const server = fakeSftp({ content });
    const local = memoryFile();
    expect(await pipeDownload(server.sftp, Buffer.from('h'), local.file, 0, 1024 ** 3, tuning, control())).toBe(content.length);
    expect(local.data().equals(content)).toBe(true);
    // The window bounds the reads past EOF: never more than one window's worth.
    expect(server.reads.filter((r) => r.position >= content.length).length).toBeLessThanOrEqual(tuning.requests);
  });

  it('data sent past the server\'s own EOF answer is dropped', async () => {
    const content = randomBytes(50_000);
    const server = fakeSftp({ content, dataPastEof: true, shuffle: true });
    const local = memoryFile();
    expect(await pipeDownload(server.sftp, Buffer.from('h'), local.file, 0, content.length, tuning, control())).toBe(content.length);
    expect(local.data().equals(content)).toBe(true);
  });

  it('resumes from an offset: only the rest is asked for', async () => {
    const content = randomBytes(64_000);
    const server = fakeSftp({ content });
    const local = memoryFile();
    // The part that arrived before.
    await local.file.writev([content.subarray(0, 20_000)], 0);
    expect(await pipeDownload(server.sftp, Buffer.from('h'), local.file, 20_000, content.length, tuning, control())).toBe(content.length);
    expect(local.data().equals(content)).toBe(true);
    expect(Math.min(...server.reads.map((r) => r.position))).toBe(20_000);
  });

  it('a full disk fails with ENOSPC and what was written is an exact prefix', async () => {
    const content = randomBytes(100_000);
    const server = fakeSftp({ content, shuffle: true });
    const local = memoryFile({ capacity: 30_001 });
    await expect(pipeDownload(server.sftp, Buffer.from('h'), local.file, 0, content.length, tuning, control())).rejects.toMatchObject({ code: 'ENOSPC' });
    expect(local.data().equals(content.subarray(0, local.data().length))).toBe(true);
  });

  it('stops when cancelled', async () => {
    const content = randomBytes(1_000_000);
    const server = fakeSftp({ content });
    const abort = new AbortController();
    let seen = 0;
    const done = pipeDownload(server.sftp, Buffer.from('h'), memoryFile().file, 0, content.length, tuning, {
      signal: abort.signal,
      onBytes: (n) => {
        seen += n;
        if (seen > 100_000) abort.abort(new Error('cancelled by the person'));
      },
    });
    await expect(done).rejects.toThrow('cancelled by the person');
  });
});

describe('pipeUpload', () => {
  const source = (data: Buffer, piece = 1000): ChunkSource => {
    let at = 0;
    return {
      async read(max) {
        const out = data.subarray(at, at + Math.min(max, piece));
        at += out.length;
        return out;
      },
    };
  };

  it('writes every byte at its offset with acknowledgements out of order; the acknowledged offset only grows', async () => {
    const content = randomBytes(150_000);
    const server = fakeSftp({ content: Buffer.alloc(0), shuffle: true });
    const acked: number[] = [];
    const end = await pipeUpload(server.sftp, Buffer.from('h'), source(content, 4096), 0, tuning, { ...control(), onAcked: (at) => acked.push(at) });
    expect(end).toBe(content.length);
    expect(server.written[0]!.equals(content)).toBe(true);
    expect(server.maxInflight()).toBeLessThanOrEqual(tuning.requests);
    expect([...acked].sort((a, b) => a - b)).toEqual(acked);
    expect(acked[acked.length - 1]).toBe(content.length);
  });

  it('takes a stream (a browser body) in request-sized pieces', async () => {
    const content = randomBytes(40_000);
    async function* body(): AsyncGenerator<Buffer> {
      for (let i = 0; i < content.length; i += 777) yield content.subarray(i, i + 777);
    }
    const server = fakeSftp({ content: Buffer.alloc(0) });
    expect(await pipeUpload(server.sftp, Buffer.from('h'), streamSource(body()), 0, tuning, control())).toBe(content.length);
    expect(server.written[0]!.equals(content)).toBe(true);
  });
});

describe('how both pipes end', () => {
  /** A browser body of `data`, in 4 KiB pieces. */
  async function* body(data: Buffer): AsyncGenerator<Buffer> {
    for (let i = 0; i < data.length; i += 4096) yield data.subarray(i, i + 4096);
  }
  /** A signal that counts its abort listeners, to see that an ended pipe leaves none behind. */
  const countedSignal = () => {
    const abort = new AbortController();
    let listeners = 0;
    const add = abort.signal.addEventListener.bind(abort.signal);
    const remove = abort.signal.removeEventListener.bind(abort.signal);
    abort.signal.addEventListener = ((...args: Parameters<typeof add>) => (listeners++, add(...args))) as typeof add;
    abort.signal.removeEventListener = ((...args: Parameters<typeof remove>) => (listeners--, remove(...args))) as typeof remove;
    return { abort, listeners: () => listeners };
  };

  it('a signal aborted before the start rejects with its reason and sends no request', async () => {
    const server = fakeSftp({ content: randomBytes(10_000) });
    const abort = new AbortController();
    abort.abort(new Error('cancelled before it began'));
    const local = memoryFile();
    await expect(pipeDownload(server.sftp, Buffer.from('h'), local.file, 0, 10_000, tuning, { signal: abort.signal, onBytes: () => undefined })).rejects.toThrow('cancelled before it began');
    await expect(pipeUpload(server.sftp, Buffer.from('h'), streamSource(body(randomBytes(10))), 0, tuning, { signal: abort.signal, onBytes: () => undefined })).rejects.toThrow('cancelled before it began');
    expect(server.reads).toEqual([]);
    expect(server.written).toEqual([]);
    expect(local.data().length).toBe(0);
  });

  it('a finished or failed pipe drops its abort listener, and a later abort changes nothing', async () => {
    const content = randomBytes(50_000);
    const down = countedSignal();
    const local = memoryFile();
    expect(await pipeDownload(fakeSftp({ content }).sftp, Buffer.from('h'), local.file, 0, content.length, tuning, { signal: down.abort.signal, onBytes: () => undefined })).toBe(content.length);
    expect(down.listeners()).toBe(0);
    down.abort.abort(new Error('too late'));
    expect(local.data().equals(content)).toBe(true);

    const full = countedSignal();
    await expect(pipeDownload(fakeSftp({ content }).sftp, Buffer.from('h'), memoryFile({ capacity: 10_000 }).file, 0, content.length, tuning, { signal: full.abort.signal, onBytes: () => undefined })).rejects.toMatchObject({ code: 'ENOSPC' });
    expect(full.listeners()).toBe(0);

    const up = countedSignal();
    const server = fakeSftp({ content: Buffer.alloc(0) });
    expect(await pipeUpload(server.sftp, Buffer.from('h'), streamSource(body(content)), 0, tuning, { signal: up.abort.signal, onBytes: () => undefined })).toBe(content.length);
    expect(up.listeners()).toBe(0);
    expect(server.written[0]!.equals(content)).toBe(true);
  });

  it('an upload stops when cancelled, with fewer bytes acknowledged than sent', async () => {
    const content = randomBytes(1_000_000);
    const server = fakeSftp({ content: Buffer.alloc(0) });
    const abort = new AbortController();
    let acked = 0;
    const done = pipeUpload(server.sftp, Buffer.from('h'), streamSource(body(content)), 0, tuning, {
      signal: abort.signal,
      onBytes: (n) => {
        acked += n;
        if (acked > 100_000) abort.abort(new Error('cancelled by the person'));
      },
    });
    await expect(done).rejects.toThrow('cancelled by the person');
    expect(acked).toBeLessThan(content.length);
  });
});
