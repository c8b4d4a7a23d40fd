/**
 * Typed errors. Only `{ code, message, hop?, detail? }` ever crosses a process or socket boundary:
 * a stack or a nested cause could carry a secret or a path the renderer has no business with.
 *
 * `message` is one plain sentence for a person, naming the hop as `hop N (name)` (hopName.ts).
 * `detail` is the raw text behind it (an OS error code, a server's own words), shown only on
 * demand (the renderer's "Details", the CLI's --verbose) so it never crowds the sentence.
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
  /** A saved host is still part of profiles' circuits: the message names them (delete it with a replacement instead). */
  HOST_IN_USE: 'HOST_IN_USE',
  // Hops and circuits (filled in by the engine)
  HOST_KEY_UNKNOWN: 'HOST_KEY_UNKNOWN',
  HOST_KEY_REJECTED: 'HOST_KEY_REJECTED',
  HOST_KEY_CHANGED: 'HOST_KEY_CHANGED',
  HOST_KEY_REVOKED: 'HOST_KEY_REVOKED',
  /** A known_hosts file changed between showing a saved key and replacing it: nothing was edited. */
  KNOWN_HOSTS_CHANGED: 'KNOWN_HOSTS_CHANGED',
  /** A known_hosts file could not be read or rewritten while replacing a key. */
  KNOWN_HOSTS_UNWRITABLE: 'KNOWN_HOSTS_UNWRITABLE',
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
  // Port forwards (services/forwards)
  /** A forward's listening address:port is taken by another program: the message names it. */
  PORT_IN_USE: 'PORT_IN_USE',
  /** A forward could not listen for another reason (a privileged port, an address this computer does not have). */
  FORWARD_BIND_FAILED: 'FORWARD_BIND_FAILED',
  /** A forwarded connection could not reach its destination (from the target for -L/-D, from here for -R). */
  FORWARD_CONNECT_FAILED: 'FORWARD_CONNECT_FAILED',
  // Files and transfers (services/files)
  /** The target has no SFTP subsystem, or refused to start it. */
  SFTP_UNAVAILABLE: 'SFTP_UNAVAILABLE',
  /** A remote or local path does not exist (SSH_FX_NO_SUCH_FILE, ENOENT): the message names it. */
  FILE_NOT_FOUND: 'FILE_NOT_FOUND',
  /** The server or this computer refused access (SSH_FX_PERMISSION_DENIED, EACCES): the message names the path. */
  PERMISSION_DENIED: 'PERMISSION_DENIED',
  /** The destination exists and the chosen policy does not replace it. */
  FILE_EXISTS: 'FILE_EXISTS',
  /** A remote name that would escape the chosen folder or is not a safe local name ('../', '/', NUL, CON, ...). */
  UNSAFE_NAME: 'UNSAFE_NAME',
  /** The local disk is full (ENOSPC): the `.part` file is kept so the transfer can resume. */
  DISK_FULL: 'DISK_FULL',
  /** Any other SFTP failure, with the server's words in `detail`. */
  SFTP_FAILED: 'SFTP_FAILED',
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
  /** Raw text behind the sentence, for whoever debugs it; never a secret. */
  detail?: string;
}

export class HoplineError extends Error {
  readonly code: ErrorCode;
  readonly hop: HopRef | undefined;
  readonly detail: string | undefined;

  constructor(code: ErrorCode, message: string, hop?: HopRef, detail?: string) {
    super(message);
    this.name = 'HoplineError';
    this.code = code;
    this.hop = hop;
    this.detail = detail;
  }

  toWire(): WireError {
    const wire: WireError = { code: this.code, message: this.message };
    if (this.hop) wire.hop = { ...this.hop };
    if (this.detail) wire.detail = this.detail;
    return wire;
  }

  static fromWire(wire: WireError): HoplineError {
    return new HoplineError(wire.code, wire.message, wire.hop, typeof wire.detail === 'string' ? wire.detail : undefined);
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
