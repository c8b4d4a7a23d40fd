/**
 * Text a server may send before its version string (RFC 4253 §4.2 allows lines there), bounded.
 * OpenSSH's client takes 1024 lines; real servers send a line or two. ssh2 means to enforce
 * limits of its own but counts only within two reads at a time, so past these the hop fails here.
 */
import type { Duplex } from 'node:stream';

export const MAX_PREAMBLE_LINES = 1024;
export const MAX_PREAMBLE_BYTES = 64 * 1024;

/**
 * Counts what arrives on `sock` before the server's version string and calls `tooMuch` once it
 * passes MAX_PREAMBLE_LINES or MAX_PREAMBLE_BYTES. It starts listening when ssh2 does (a 'data'
 * listener added any earlier would start the flow with nobody else listening) and stops at the
 * version string, so it costs nothing once the session runs. Returns a function that stops it.
 */
export function watchPreamble(sock: Duplex, tooMuch: (what: string) => void): () => void {
  let lines = 0;
  let bytes = 0;
  /** The start of the current line, up to 4 characters: "SSH-" marks the version string. */
  let lineStart = '';
  const stop = (): void => {
    sock.off('newListener', onNewListener);
    sock.off('data', onData);
  };
  const onData = (chunk: Buffer): void => {
    for (const byte of chunk) {
      if (lineStart.length < 4) {
        lineStart += String.fromCharCode(byte);
        if (lineStart === 'SSH-') return stop();
      }
      bytes++;
      if (byte === 0x0a) {
        lines++;
        lineStart = '';
      }
      if (lines > MAX_PREAMBLE_LINES || bytes > MAX_PREAMBLE_BYTES) {
        stop();
        return tooMuch(lines > MAX_PREAMBLE_LINES ? `more than ${MAX_PREAMBLE_LINES} lines` : `more than ${MAX_PREAMBLE_BYTES / 1024} kB`);
      }
    }
  };
  const onNewListener = (event: string | symbol): void => {
    if (event !== 'data') return;
    sock.off('newListener', onNewListener);
    // ssh2's listener is added right after this one, in the same tick: neither misses a byte.
    sock.on('data', onData);
  };
  sock.on('newListener', onNewListener);
  return stop;
}
