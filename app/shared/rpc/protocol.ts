/**
 * Transport-agnostic framing. The same frames travel as JSON text over the web-mode WebSocket
 * and as structured-clone values over Electron IPC.
 */
import { ErrorCode, isWireError, type WireError } from '../model/errors';

export type ClientFrame =
  | { type: 'call'; id: number; channel: string; args: unknown[] }
  | { type: 'subscribe'; channel: string }
  | { type: 'unsubscribe'; channel: string };

export type Result = { ok: true; value: unknown } | { ok: false; error: WireError };

export type ServerFrame =
  | ({ type: 'result'; id: number } & Result)
  | { type: 'event'; channel: string; data: unknown }
  /** A frame that could not be read well enough to know which call it answers. */
  | { type: 'error'; error: WireError };

/** Limits that keep one bad frame from costing more than it should. */
export const FRAME_LIMITS = {
  /** Text frames above this get a FRAME_TOO_LARGE reply; the connection stays open. */
  maxTextBytes: 1024 * 1024,
  maxChannelLength: 128,
  maxArgs: 16,
} as const;

const CHANNEL_PATTERN = /^[a-z][a-zA-Z]*:[a-z][a-zA-Z]*$/;

export type ParsedClientFrame = { ok: true; frame: ClientFrame } | { ok: false; id: number | null; error: WireError };

function bad(id: number | null, message: string): ParsedClientFrame {
  return { ok: false, id, error: { code: ErrorCode.BAD_FRAME, message } };
}

/**
 * Checks the shape of a decoded frame from a client. Channel names are checked against a
 * strict pattern before any lookup, so `__proto__` or `constructor` never reach a table.
 */
export function parseClientFrame(value: unknown): ParsedClientFrame {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return bad(null, 'Frame must be a JSON object');
  const v = value as Record<string, unknown>;
  const id = typeof v.id === 'number' && Number.isSafeInteger(v.id) && v.id >= 0 ? v.id : null;
  const channel = v.channel;
  if (typeof channel !== 'string' || channel.length > FRAME_LIMITS.maxChannelLength || !CHANNEL_PATTERN.test(channel)) {
    return { ok: false, id, error: { code: ErrorCode.METHOD_NOT_FOUND, message: 'Unknown or malformed channel name' } };
  }
  switch (v.type) {
    case 'call': {
      if (id === null) return bad(null, 'A call needs a non-negative integer id');
      if (!Array.isArray(v.args) || v.args.length > FRAME_LIMITS.maxArgs) return bad(id, 'A call needs an args array');
      return { ok: true, frame: { type: 'call', id, channel, args: v.args } };
    }
    case 'subscribe':
    case 'unsubscribe':
      return { ok: true, frame: { type: v.type, channel } };
    default:
      return bad(id, 'Unknown frame type');
  }
}

/** Checks a frame from the server; a client drops anything that does not pass. */
export function parseServerFrame(value: unknown): ServerFrame | null {
  if (typeof value !== 'object' || value === null) return null;
  const v = value as Record<string, unknown>;
  if (v.type === 'result' && typeof v.id === 'number') {
    if (v.ok === true) return { type: 'result', id: v.id, ok: true, value: v.value };
    if (v.ok === false && isWireError(v.error)) return { type: 'result', id: v.id, ok: false, error: v.error };
    return null;
  }
  if (v.type === 'event' && typeof v.channel === 'string') return { type: 'event', channel: v.channel, data: v.data };
  if (v.type === 'error' && isWireError(v.error)) return { type: 'error', error: v.error };
  return null;
}
