/**
 * Pipelined SFTP file bodies (issue 16): many READ or WRITE requests outstanding at once, as
 * OpenSSH's sftp (64 requests) and ssh2's fastGet/fastPut do, so a transfer over a long chain of
 * hops is not one round trip per chunk. Written here rather than using fastGet/fastPut because a
 * transfer must resume from an offset, land in a `.part` file, stop on a signal, and never trust
 * the size a server claims.
 *
 * Downloads: bytes are written to the local file strictly in order, so after any failure (a lost
 * hop, a full disk) the local file's size is exactly what arrived whole, and resume continues from
 * it. How much is read is bounded by EOF, not by the claimed size: past the claimed size only one
 * probe read is outstanding until data shows the file really is longer. Short reads are read
 * again for their remainder; data a server sends past its own EOF answer is dropped.
 *
 * Uploads: the source is pulled only while fewer than `requests` WRITEs are outstanding, so a
 * slow hop slows the reader (a browser's PUT body included) instead of filling memory.
 */
import type { FileHandle } from 'node:fs/promises';
import type { SFTPWrapper } from 'ssh2';

export interface PipeTuning {
  /** Requests outstanding at once. */
  requests: number;
  /** Bytes per READ or WRITE request. */
  chunkSize: number;
}

/**
 * 32 requests of 128 KiB (4 MiB in flight per file). OpenSSH's sftp sends 64 requests of what the
 * server's limits@openssh.com allows (up to 255 KiB); measured over the lab's 3 hops
 * (test/bench/filesBench.ts), 128 KiB chunks uploaded 20-50% faster than 32 KiB ones and
 * downloaded no slower, as fewer, larger requests cost this one process less per byte. A server
 * without the limits extension gets each request split by ssh2 into its own maximum.
 */
export const DEFAULT_TUNING: PipeTuning = { requests: 32, chunkSize: 128 * 1024 };

export interface PipeControl {
  signal: AbortSignal;
  /** Called as whole bytes land (downloads: written locally; uploads: acknowledged by the server). */
  onBytes(count: number): void;
}

function abortError(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error('cancelled');
}

/** How a pipe's promise ends: once, by a failure, its result, or the signal. */
interface PipeEnd<T> {
  /** True once ended: callbacks still arriving from requests in flight do nothing then. */
  readonly finished: boolean;
  fail(error: unknown): void;
  succeed(value: T): void;
}

/**
 * The first of fail, succeed or the signal's abort settles the pipe and drops the abort listener;
 * the rest are ignored. Already ended (`finished`) when the signal was aborted before the start.
 */
function pipeEnd<T>(signal: AbortSignal, resolve: (value: T) => void, reject: (error: unknown) => void): PipeEnd<T> {
  let finished = false;
  const settle = (): boolean => {
    if (finished) return false;
    finished = true;
    signal.removeEventListener('abort', onAbort);
    return true;
  };
  const end: PipeEnd<T> = {
    get finished() {
      return finished;
    },
    fail(error) {
      if (settle()) reject(error);
    },
    succeed(value) {
      if (settle()) resolve(value);
    },
  };
  const onAbort = (): void => end.fail(abortError(signal));
  if (signal.aborted) onAbort();
  else signal.addEventListener('abort', onAbort, { once: true });
  return end;
}

/** An SFTP call as a promise. */
export function sftpAsync<T = void>(call: (done: (error: Error | null | undefined, value?: T) => void) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    call((error, value) => (error ? reject(error) : resolve(value as T)));
  });
}

/** Closes a remote handle without waiting on a connection that may be gone. */
export function closeQuietly(sftp: SFTPWrapper, handle: Buffer): void {
  try {
    sftp.close(handle, () => undefined);
  } catch {
    // The session ended with its connection: the server dropped the handle with it.
  }
}

/**
 * Reads the remote file open as `handle` from `offset` to its EOF into `local` (open for writing),
 * writing at the same offsets. Answers the file's length (the offset of EOF).
 */
export function pipeDownload(sftp: SFTPWrapper, handle: Buffer, local: FileHandle, offset: number, claimedSize: number, tuning: PipeTuning, control: PipeControl): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const { requests, chunkSize } = tuning;
    /** The next offset never asked for yet. */
    let next = offset;
    /** Everything before this is written locally. */
    let written = offset;
    let eofAt = Number.POSITIVE_INFINITY;
    let inflight = 0;
    /** Outstanding reads at or past the claimed size (probes for EOF or a file that grew). */
    let probes = 0;
    let sawDataPastClaim = false;
    /** Remainders of short reads, asked for again before anything new. */
    const gaps: { position: number; length: number }[] = [];
    /** Arrived but not yet written (a later chunk before an earlier one). */
    const arrived = new Map<number, Buffer>();
    let arrivedBytes = 0;
    let writing = false;
    const end = pipeEnd(control.signal, resolve, reject);
    if (end.finished) return;
    const fail = end.fail;

    const request = (position: number, length: number): void => {
      inflight++;
      const pastClaim = position >= claimedSize;
      if (pastClaim) probes++;
      const buffer = Buffer.allocUnsafe(length);
      try {
        sftp.read(handle, buffer, 0, length, position, (error, bytesRead, data) => {
          inflight--;
          if (pastClaim) probes--;
          if (end.finished) return;
          if (error) return fail(error);
          if (bytesRead === 0) {
            eofAt = Math.min(eofAt, position);
          } else if (position < eofAt) {
            // A server that answered EOF earlier cannot add data after it.
            const usable = Math.min(bytesRead, eofAt - position);
            arrived.set(position, data.subarray(0, usable));
            arrivedBytes += usable;
            if (position + usable > claimedSize) sawDataPastClaim = true;
            if (usable < length && position + usable < eofAt) gaps.push({ position: position + usable, length: length - usable });
          }
          flush();
          pump();
        });
      } catch (error) {
        inflight--;
        fail(error);
      }
    };

    const pump = (): void => {
      if (end.finished) return;
      // Local writes behind: stop asking until they catch up (bounded memory).
      while (inflight < requests && arrivedBytes < requests * chunkSize * 2) {
        const gap = gaps.shift();
        if (gap) {
          if (gap.position < eofAt) request(gap.position, Math.min(gap.length, eofAt - gap.position));
          continue;
        }
        if (next >= eofAt) break;
        // Past the claimed size, one probe at a time until data proves the file is longer.
        if (next >= claimedSize && !sawDataPastClaim && probes >= 1) break;
        request(next, chunkSize);
        next += chunkSize;
      }
      if (inflight === 0 && gaps.length === 0 && !writing && written >= eofAt) end.succeed(eofAt);
    };

    const flush = (): void => {
      if (writing || end.finished) return;
      const buffers: Buffer[] = [];
      let position = written;
      for (let chunk = arrived.get(position); chunk; chunk = arrived.get(position)) {
        arrived.delete(position);
        buffers.push(chunk);
        position += chunk.length;
      }
      if (buffers.length === 0) return;
      writing = true;
      const bytes = position - written;
      local.writev(buffers, written).then(
        (result) => {
          writing = false;
          if (end.finished) return;
          if (result.bytesWritten !== bytes) return fail(Object.assign(new Error('short local write'), { code: 'ENOSPC' }));
          written = position;
          arrivedBytes -= bytes;
          control.onBytes(bytes);
          flush();
          pump();
        },
        (error: unknown) => {
          writing = false;
          fail(error);
        },
      );
    };

    pump();
  });
}

/** Where an upload's bytes come from: a local file, or a browser's PUT body. */
export interface ChunkSource {
  /** Up to `max` next bytes; an empty buffer at the end. */
  read(max: number): Promise<Buffer>;
}

/** Local reads are this big and served in request-sized slices: fewer trips to the thread pool. */
const LOCAL_READ_BYTES = 1024 * 1024;

/** A local file read from `offset`, one read ahead of what is asked for. */
export function fileSource(file: FileHandle, offset: number): ChunkSource {
  let position = offset;
  let block: Buffer = Buffer.alloc(0);
  let ended = false;
  const fill = async (): Promise<Buffer> => {
    const buffer = Buffer.allocUnsafe(LOCAL_READ_BYTES);
    const { bytesRead } = await file.read(buffer, 0, LOCAL_READ_BYTES, position);
    position += bytesRead;
    return buffer.subarray(0, bytesRead);
  };
  let next: Promise<Buffer> | null = null;
  return {
    async read(max) {
      if (block.length === 0 && !ended) {
        block = await (next ?? fill());
        next = null;
        if (block.length === 0) ended = true;
        else next = fill();
        // A read-ahead that fails is said by the read that needs it.
        next?.catch(() => undefined);
      }
      const out = block.subarray(0, max);
      block = block.subarray(out.length);
      return out;
    },
  };
}

/** A stream (an HTTP request body), pulled on demand so the socket is paused while the hops are busy. */
export function streamSource(stream: AsyncIterable<Buffer | string>): ChunkSource {
  const iterator = stream[Symbol.asyncIterator]();
  let pending: Buffer = Buffer.alloc(0);
  let ended = false;
  return {
    async read(max) {
      while (pending.length < max && !ended) {
        const step = await iterator.next();
        if (step.done) ended = true;
        else pending = pending.length === 0 ? Buffer.from(step.value) : Buffer.concat([pending, Buffer.from(step.value)]);
      }
      const out = pending.subarray(0, max);
      pending = pending.subarray(out.length);
      return out;
    },
  };
}

/**
 * Writes everything `source` gives to the remote file open as `handle`, from `offset`. Answers
 * the offset after the last byte. `onAcked` hears the offset below which every write was acknowledged.
 */
export function pipeUpload(sftp: SFTPWrapper, handle: Buffer, source: ChunkSource, offset: number, tuning: PipeTuning, control: PipeControl & { onAcked?(offset: number): void }): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const { requests, chunkSize } = tuning;
    let position = offset;
    let inflight = 0;
    let reading = false;
    let sourceEnded = false;
    /** Acknowledged writes not yet contiguous with `acked`. */
    const ackedAhead = new Map<number, number>();
    let acked = offset;
    const end = pipeEnd(control.signal, resolve, reject);
    if (end.finished) return;
    const fail = end.fail;

    const ack = (at: number, length: number): void => {
      ackedAhead.set(at, length);
      const before = acked;
      for (let n = ackedAhead.get(acked); n !== undefined; n = ackedAhead.get(acked)) {
        ackedAhead.delete(acked);
        acked += n;
      }
      if (acked > before) control.onAcked?.(acked);
    };

    const pump = (): void => {
      if (end.finished) return;
      if (sourceEnded) {
        if (inflight === 0) end.succeed(position);
        return;
      }
      if (reading || inflight >= requests) return;
      reading = true;
      source.read(chunkSize).then(
        (chunk) => {
          reading = false;
          if (end.finished) return;
          if (chunk.length === 0) {
            sourceEnded = true;
            return pump();
          }
          const at = position;
          position += chunk.length;
          inflight++;
          try {
            sftp.write(handle, chunk, 0, chunk.length, at, (error) => {
              inflight--;
              if (end.finished) return;
              if (error) return fail(error);
              control.onBytes(chunk.length);
              ack(at, chunk.length);
              pump();
            });
          } catch (error) {
            inflight--;
            return fail(error);
          }
          pump();
        },
        (error: unknown) => {
          reading = false;
          fail(error);
        },
      );
    };
    pump();
  });
}
