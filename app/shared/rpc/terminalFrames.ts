/**
 * Binary terminal frames: terminal bytes travel beside the JSON contract, on the same WebSocket
 * (binary messages) or on one extra Electron IPC channel pair (see ARCHITECTURE.md, flow control).
 *
 *   [type u8][streamId u32 BE][payload]
 *
 *   OUTPUT  main -> renderer  payload: terminal output bytes (1..MAX_PAYLOAD)
 *   INPUT   renderer -> main  payload: keystrokes / paste bytes (1..MAX_PAYLOAD)
 *   ACK     renderer -> main  payload: u32 BE, bytes of OUTPUT processed since the last ACK;
 *                             then optionally one flag byte: CAUGHT_UP (1), the view has processed
 *                             all it received and waits for more (flowLaw.ts grows in-flight on it)
 *   ATTACH  renderer -> main  payload: none, or one flag byte: this connection wants the stream's
 *                             output; flag REPLAY (1): the screen as it is now first (a fresh view)
 *   DETACH  renderer -> main  no payload: it no longer does
 *
 * Decoding is strict and never throws: an unknown type, a short frame or a payload of the wrong
 * length comes back as a typed error, so one bad frame costs one error reply, not a connection.
 */
import { ErrorCode, type WireError } from '../model/errors';

export const TerminalFrameType = {
  OUTPUT: 1,
  INPUT: 2,
  ACK: 3,
  ATTACH: 4,
  DETACH: 5,
} as const;
export type TerminalFrameType = (typeof TerminalFrameType)[keyof typeof TerminalFrameType];

/** ATTACH's optional flag byte. No payload means no flags (the frame before flags existed). */
export const ATTACH_FLAGS = {
  /** Send the terminal's screen (scrollback, screen, modes) before its live output. */
  REPLAY: 1,
} as const;
const KNOWN_ATTACH_FLAGS = ATTACH_FLAGS.REPLAY;

/** ACK's optional flag byte. No flag byte means no flags. */
export const ACK_FLAGS = {
  /** Everything received for the stream has been processed: the view waits for output. */
  CAUGHT_UP: 1,
} as const;

/** type (1) + streamId (4). */
export const TERMINAL_FRAME_HEADER_BYTES = 5;

export const TERMINAL_FRAME_LIMITS = {
  /**
   * Largest OUTPUT or INPUT payload. Output is batched up to this ("about one frame's worth");
   * a longer paste is split by the sender (TerminalStreams.input does).
   */
  maxPayloadBytes: 64 * 1024,
  /** Stream ids are 1..2^32-1; 0 is never a stream. */
  maxStreamId: 0xffff_ffff,
} as const;

/** The Electron IPC channel that carries frames both ways (renderer->main and main->renderer). */
export const TERMINAL_FRAME_CHANNEL = 'terminal:frame';
/** The two preload bridge functions for frames: send one, subscribe to them. */
export const TERMINAL_BRIDGE_SEND = 'terminal:sendFrame';
export const TERMINAL_BRIDGE_SUBSCRIBE = 'terminal:onFrame';

export type TerminalFrame =
  | { type: 'output'; streamId: number; data: Uint8Array }
  | { type: 'input'; streamId: number; data: Uint8Array }
  | { type: 'ack'; streamId: number; bytes: number; caughtUp?: boolean }
  | { type: 'attach'; streamId: number; replay?: boolean }
  | { type: 'detach'; streamId: number };

export type TerminalFrameKind = TerminalFrame['type'];

export type DecodedTerminalFrame = { ok: true; frame: TerminalFrame } | { ok: false; error: WireError };

const codeOf: Record<TerminalFrameKind, number> = {
  output: TerminalFrameType.OUTPUT,
  input: TerminalFrameType.INPUT,
  ack: TerminalFrameType.ACK,
  attach: TerminalFrameType.ATTACH,
  detach: TerminalFrameType.DETACH,
};

const kindOf = new Map<number, TerminalFrameKind>(Object.entries(codeOf).map(([kind, code]) => [code, kind as TerminalFrameKind]));

/** Frames the main side accepts from a renderer, and the one it sends. */
export const FROM_RENDERER: ReadonlySet<TerminalFrameKind> = new Set(['input', 'ack', 'attach', 'detach']);
export const FROM_MAIN: ReadonlySet<TerminalFrameKind> = new Set(['output']);

function isStreamId(value: number): boolean {
  return Number.isInteger(value) && value >= 1 && value <= TERMINAL_FRAME_LIMITS.maxStreamId;
}

function header(type: number, streamId: number, payloadBytes: number): { bytes: Uint8Array; view: DataView } {
  if (!isStreamId(streamId)) throw new RangeError(`Not a stream id: ${streamId}`);
  const bytes = new Uint8Array(TERMINAL_FRAME_HEADER_BYTES + payloadBytes);
  const view = new DataView(bytes.buffer);
  view.setUint8(0, type);
  view.setUint32(1, streamId, false);
  return { bytes, view };
}

/**
 * Encodes one frame (copying the payload once). Throws RangeError on values this side made up
 * wrong (a stream id of 0, an oversized payload): those are bugs in the caller, not input.
 */
export function encodeTerminalFrame(frame: TerminalFrame): Uint8Array {
  switch (frame.type) {
    case 'output':
    case 'input': {
      const n = frame.data.byteLength;
      if (n === 0 || n > TERMINAL_FRAME_LIMITS.maxPayloadBytes) throw new RangeError(`A ${frame.type} payload must be 1..${TERMINAL_FRAME_LIMITS.maxPayloadBytes} bytes, not ${n}`);
      const { bytes } = header(codeOf[frame.type], frame.streamId, n);
      bytes.set(frame.data, TERMINAL_FRAME_HEADER_BYTES);
      return bytes;
    }
    case 'ack': {
      if (!Number.isInteger(frame.bytes) || frame.bytes < 0 || frame.bytes > 0xffff_ffff) throw new RangeError(`Not an ack count: ${frame.bytes}`);
      const { bytes, view } = header(TerminalFrameType.ACK, frame.streamId, frame.caughtUp ? 5 : 4);
      view.setUint32(TERMINAL_FRAME_HEADER_BYTES, frame.bytes, false);
      if (frame.caughtUp) view.setUint8(TERMINAL_FRAME_HEADER_BYTES + 4, ACK_FLAGS.CAUGHT_UP);
      return bytes;
    }
    case 'attach': {
      // Without replay the frame stays as it always was (no payload).
      if (!frame.replay) return header(TerminalFrameType.ATTACH, frame.streamId, 0).bytes;
      const { bytes, view } = header(TerminalFrameType.ATTACH, frame.streamId, 1);
      view.setUint8(TERMINAL_FRAME_HEADER_BYTES, ATTACH_FLAGS.REPLAY);
      return bytes;
    }
    case 'detach':
      return header(TerminalFrameType.DETACH, frame.streamId, 0).bytes;
  }
}

function bad(message: string, code: WireError['code'] = ErrorCode.BAD_FRAME): DecodedTerminalFrame {
  return { ok: false, error: { code, message } };
}

/**
 * Decodes one frame. The payload of OUTPUT/INPUT is a view into `bytes` (no copy). `accept`
 * limits which kinds this side takes (FROM_RENDERER on the main side, FROM_MAIN in a renderer).
 */
export function decodeTerminalFrame(bytes: Uint8Array, accept: ReadonlySet<TerminalFrameKind> = FROM_RENDERER): DecodedTerminalFrame {
  if (!(bytes instanceof Uint8Array)) return bad('A terminal frame must be bytes');
  if (bytes.byteLength < TERMINAL_FRAME_HEADER_BYTES) return bad(`A terminal frame needs at least ${TERMINAL_FRAME_HEADER_BYTES} bytes, got ${bytes.byteLength}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const type = view.getUint8(0);
  const kind = kindOf.get(type);
  if (!kind) return bad(`Unknown terminal frame type ${type}`);
  if (!accept.has(kind)) return bad(`A ${kind} frame is not accepted in this direction`);
  const streamId = view.getUint32(1, false);
  if (!isStreamId(streamId)) return bad('Stream id 0 is not a stream');
  const payloadBytes = bytes.byteLength - TERMINAL_FRAME_HEADER_BYTES;
  switch (kind) {
    case 'output':
    case 'input':
      if (payloadBytes === 0) return bad(`An empty ${kind} frame`);
      if (payloadBytes > TERMINAL_FRAME_LIMITS.maxPayloadBytes) return bad(`A ${kind} payload of ${payloadBytes} bytes exceeds ${TERMINAL_FRAME_LIMITS.maxPayloadBytes}`, ErrorCode.FRAME_TOO_LARGE);
      return { ok: true, frame: { type: kind, streamId, data: bytes.subarray(TERMINAL_FRAME_HEADER_BYTES) } };
    case 'ack': {
      if (payloadBytes !== 4 && payloadBytes !== 5) return bad(`An ack payload is 4 bytes and an optional flag byte, not ${payloadBytes} bytes`);
      const count = view.getUint32(TERMINAL_FRAME_HEADER_BYTES, false);
      if (payloadBytes === 4) return { ok: true, frame: { type: 'ack', streamId, bytes: count } };
      const flags = view.getUint8(TERMINAL_FRAME_HEADER_BYTES + 4);
      if ((flags & ~ACK_FLAGS.CAUGHT_UP) !== 0) return bad(`Unknown ack flags ${flags}`);
      return { ok: true, frame: { type: 'ack', streamId, bytes: count, caughtUp: (flags & ACK_FLAGS.CAUGHT_UP) !== 0 } };
    }
    case 'attach': {
      if (payloadBytes === 0) return { ok: true, frame: { type: 'attach', streamId } };
      if (payloadBytes !== 1) return bad(`An attach payload is at most 1 flag byte, not ${payloadBytes} bytes`);
      const flags = view.getUint8(TERMINAL_FRAME_HEADER_BYTES);
      if ((flags & ~KNOWN_ATTACH_FLAGS) !== 0) return bad(`Unknown attach flags ${flags}`);
      return { ok: true, frame: (flags & ATTACH_FLAGS.REPLAY) !== 0 ? { type: 'attach', streamId, replay: true } : { type: 'attach', streamId } };
    }
    case 'detach':
      if (payloadBytes !== 0) return bad(`A detach frame has no payload, got ${payloadBytes} bytes`);
      return { ok: true, frame: { type: kind, streamId } };
  }
}
