/**
 * Typed errors. Only `{ code, message, hop? }` ever crosses a process or socket boundary:
 * a stack or a nested cause could carry a secret or a path the renderer has no business with.
 */

export const ErrorCode = {
  // Contract / transport
  BAD_FRAME: 'BAD_FRAME',
  FRAME_TOO_LARGE: 'FRAME_TOO_LARGE',
  METHOD_NOT_FOUND: 'METHOD_NOT_FOUND',
  INVALID_ARGUMENT: 'INVALID_ARGUMENT',
  NOT_AVAILABLE: 'NOT_AVAILABLE',
  DISCONNECTED: 'DISCONNECTED',
  INTERNAL: 'INTERNAL',
  FORBIDDEN: 'FORBIDDEN',
  // Hops and circuits (filled in by the engine)
  HOST_KEY_UNKNOWN: 'HOST_KEY_UNKNOWN',
  HOST_KEY_REJECTED: 'HOST_KEY_REJECTED',
  HOST_KEY_CHANGED: 'HOST_KEY_CHANGED',
  HOST_KEY_REVOKED: 'HOST_KEY_REVOKED',
  AUTH_FAILED: 'AUTH_FAILED',
  HOP_UNREACHABLE: 'HOP_UNREACHABLE',
  HOP_TIMEOUT: 'HOP_TIMEOUT',
  HOP_LOST: 'HOP_LOST',
  HANDSHAKE_FAILED: 'HANDSHAKE_FAILED',
  FORWARD_REFUSED: 'FORWARD_REFUSED',
  PROXY_FAILED: 'PROXY_FAILED',
  CIRCUIT_CYCLE: 'CIRCUIT_CYCLE',
  CIRCUIT_TOO_DEEP: 'CIRCUIT_TOO_DEEP',
  PROMPT_CANCELLED: 'PROMPT_CANCELLED',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Which hop an error concerns: its position in the circuit (0-based) and its display name. */
export interface HopRef {
  index: number;
  name: string;
}

/** The only shape of an error that crosses a boundary. */
export interface WireError {
  code: ErrorCode;
  message: string;
  hop?: HopRef;
}

export class HoplineError extends Error {
  readonly code: ErrorCode;
  readonly hop: HopRef | undefined;

  constructor(code: ErrorCode, message: string, hop?: HopRef) {
    super(message);
    this.name = 'HoplineError';
    this.code = code;
    this.hop = hop;
  }

  toWire(): WireError {
    return this.hop ? { code: this.code, message: this.message, hop: { ...this.hop } } : { code: this.code, message: this.message };
  }

  static fromWire(wire: WireError): HoplineError {
    return new HoplineError(wire.code, wire.message, wire.hop);
  }
}

const knownCodes = new Set<string>(Object.values(ErrorCode));

/** Whether a value received from the other side is a well-formed WireError. */
export function isWireError(value: unknown): value is WireError {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.code === 'string' && knownCodes.has(v.code) && typeof v.message === 'string';
}

/**
 * Converts anything thrown by a service into a WireError. Errors that are not HoplineErrors
 * become INTERNAL with a generic message: their text was not written for the user and may
 * hold details (paths, secrets in a library's message) that must not leave the main side.
 */
export function toWireError(error: unknown): WireError {
  if (error instanceof HoplineError) return error.toWire();
  return { code: ErrorCode.INTERNAL, message: 'Internal error in the main process' };
}
