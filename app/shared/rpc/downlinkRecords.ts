/**
 * Web mode's downlink: everything the server sends a page (JSON contract frames and binary
 * terminal frames), in order, as one streamed HTTP response body instead of WebSocket messages.
 *
 * Why: Chromium hands a WebSocket's incoming bytes to the page through a pipe of about 128 KiB
 * and a response body through one of 512 KiB; the page's main thread, busy parsing terminal
 * output, takes one pipe's worth per turn. Measured in the same page (npm run bench --
 * terminals): xterm fed over a loopback WebSocket 9-11 MiB/s, fed from a streamed body 38-43,
 * a raw write 33-41. The WebSocket stays for everything the page sends (calls, keystrokes,
 * acks) and for the downlink itself when the stream cannot be had (webServer.ts, downlinks.ts).
 *
 * A body is a byte stream, so each message is a record:
 *
 *   [length u32 BE][message: `length` bytes]
 *
 * A message whose first byte is `{` is a JSON ServerFrame as UTF-8 text; anything else is a
 * terminal frame (its type byte is 1-5, shared/rpc/terminalFrames.ts). All JSON goes on the same
 * body as the terminal output, so an exit event can never overtake the shell's last output.
 */

/** The largest message a record may hold: as the WebSocket's hard limit. */
export const MAX_DOWNLINK_RECORD_BYTES = 16 * 1024 * 1024;
export const DOWNLINK_RECORD_HEADER_BYTES = 4;
/** `{`: a JSON text message. */
const JSON_FIRST_BYTE = 0x7b;

/** The 4-byte header for a message of `length` bytes. */
export function downlinkRecordHeader(length: number): Uint8Array {
  if (!Number.isInteger(length) || length < 1 || length > MAX_DOWNLINK_RECORD_BYTES) throw new RangeError(`A downlink record holds 1..${MAX_DOWNLINK_RECORD_BYTES} bytes, not ${length}`);
  const header = new Uint8Array(DOWNLINK_RECORD_HEADER_BYTES);
  new DataView(header.buffer).setUint32(0, length, false);
  return header;
}

export function isJsonRecord(message: Uint8Array): boolean {
  return message[0] === JSON_FIRST_BYTE;
}

/**
 * Cuts a body's chunks back into messages (tell JSON from terminal frames with isJsonRecord).
 * Chunks split records anywhere; a message that lies whole in one chunk is handed on as a view
 * of it (no copy), and only a record that straddles chunks is copied, once, into a buffer of its
 * full size (so a large record arriving in many chunks costs one copy, not one per chunk). A
 * length of 0 or over the limit is a broken stream: `push` then returns an error and takes
 * nothing more.
 */
export class DownlinkRecordSplitter {
  /** A header begun at the end of an earlier chunk: its first `headerFilled` bytes. */
  private readonly header = new Uint8Array(DOWNLINK_RECORD_HEADER_BYTES);
  private headerFilled = 0;
  /** The message of a record begun in an earlier chunk, allocated whole once its length is known. */
  private partial: Uint8Array | null = null;
  private partialFilled = 0;
  private broken = false;
  constructor(private readonly onMessage: (message: Uint8Array) => void) {}

  /** Feeds one chunk; returns an error message if the stream is broken (and stays so). */
  push(chunk: Uint8Array): string | null {
    if (this.broken) return 'The downlink stream is broken';
    let at = 0;
    if (this.headerFilled > 0) {
      at = Math.min(DOWNLINK_RECORD_HEADER_BYTES - this.headerFilled, chunk.byteLength);
      this.header.set(chunk.subarray(0, at), this.headerFilled);
      this.headerFilled += at;
      if (this.headerFilled < DOWNLINK_RECORD_HEADER_BYTES) return null;
      this.headerFilled = 0;
      const length = new DataView(this.header.buffer).getUint32(0, false);
      if (!this.validLength(length)) return this.breakOn(length);
      this.partial = new Uint8Array(length);
      this.partialFilled = 0;
    }
    if (this.partial) {
      const take = Math.min(this.partial.byteLength - this.partialFilled, chunk.byteLength - at);
      this.partial.set(chunk.subarray(at, at + take), this.partialFilled);
      this.partialFilled += take;
      at += take;
      if (this.partialFilled < this.partial.byteLength) return null;
      const message = this.partial;
      this.partial = null;
      this.onMessage(message);
    }
    const view = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    while (chunk.byteLength - at >= DOWNLINK_RECORD_HEADER_BYTES) {
      const length = view.getUint32(at, false);
      if (!this.validLength(length)) return this.breakOn(length);
      const start = at + DOWNLINK_RECORD_HEADER_BYTES;
      if (chunk.byteLength - start < length) {
        // Ends in a later chunk. Kept as a copy: a view would pin the whole chunk until then.
        this.partial = new Uint8Array(length);
        this.partial.set(chunk.subarray(start));
        this.partialFilled = chunk.byteLength - start;
        return null;
      }
      at = start + length;
      this.onMessage(chunk.subarray(start, at));
    }
    // Fewer than a header's bytes left: the start of the next record.
    this.header.set(chunk.subarray(at), 0);
    this.headerFilled = chunk.byteLength - at;
    return null;
  }

  /** Bytes of a record begun but not yet whole. */
  get pendingBytes(): number {
    return this.headerFilled + (this.partial ? DOWNLINK_RECORD_HEADER_BYTES + this.partialFilled : 0);
  }

  private validLength(length: number): boolean {
    return length >= 1 && length <= MAX_DOWNLINK_RECORD_BYTES;
  }

  private breakOn(length: number): string {
    this.broken = true;
    this.partial = null;
    this.headerFilled = 0;
    return `A downlink record of ${length} bytes (must be 1..${MAX_DOWNLINK_RECORD_BYTES})`;
  }
}
