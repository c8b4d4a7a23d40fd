/** The CLI's closed-pipe bookkeeping, on fake streams that fail as a closed pipe or a full disk do. */
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { guardPipes, isClosed, pipeClosed, settled, whenClosed, writeFailure } from '../../../../app/main/cli/closedPipes';

function failingStream(code: string): Writable {
  return new Writable({
    write(_chunk, _encoding, callback) {
      callback(Object.assign(new Error(`write ${code}`), { code }));
    },
  });
}

describe('closedPipes', () => {
  it('notes EPIPE once, runs the closed callbacks, drops later writes without crashing, and calls it a closed pipe', async () => {
    const reader = failingStream('EPIPE');
    guardPipes([reader]);
    let called = 0;
    whenClosed(reader, () => called++);
    expect(isClosed(reader)).toBe(false);
    reader.write('first line\n');
    await settled([reader]);
    expect(isClosed(reader)).toBe(true);
    expect(called).toBe(1);
    // Later writes fail too (ERR_STREAM_DESTROYED) and are swallowed, not counted again.
    reader.write('second line\n');
    await settled([reader]);
    expect(called).toBe(1);
    expect(pipeClosed()).toBe(true);
    expect(writeFailure()).toBeNull();
    // Registered after the fact: runs at once.
    whenClosed(reader, () => called++);
    expect(called).toBe(2);
  });

  it('keeps another write error (a full disk) to be said at the end', async () => {
    const disk = failingStream('ENOSPC');
    guardPipes([disk]);
    disk.write('data');
    await settled([disk]);
    expect(isClosed(disk)).toBe(true);
    expect(writeFailure()).toBe('cannot write to an output stream (ENOSPC)');
  });
});
