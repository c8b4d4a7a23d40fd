/**
 * SFTP status codes (draft-ietf-secsh-filexfer-02, section 7) turned into Hopline's typed errors.
 * The message is one sentence naming the path (escaped, as remote names are untrusted) and the
 * target hop; the server's own words go to `detail`. An answer that never came because the
 * session or its connection went away is HOP_LOST naming the hop the circuit says died.
 */
import { ErrorCode, HoplineError, type HopRef } from '../../../shared/model/errors';
import { hopName, hopNameAtStart } from '../../../shared/model/hopName';
import { displayName } from '../../../shared/model/remoteNames';

export const SFTP_STATUS = {
  OK: 0,
  EOF: 1,
  NO_SUCH_FILE: 2,
  PERMISSION_DENIED: 3,
  FAILURE: 4,
  BAD_MESSAGE: 5,
  NO_CONNECTION: 6,
  CONNECTION_LOST: 7,
  OP_UNSUPPORTED: 8,
} as const;

/** What the mapping needs to name things. */
export interface ErrorContext {
  /** The target hop (where the SFTP server runs). */
  hop: HopRef;
  /** The error for a lost session, naming the hop that died (SftpSessions.lostError). */
  lost(cause: unknown): HoplineError;
}

/** A remote path as it may appear in a message: escaped and short enough for one sentence. */
export function shownPath(path: string): string {
  return displayName(path, 300);
}

/** The SFTP status code of an ssh2 error, if it carries one (a lost session's errors do not). */
export function sftpStatus(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

/** Maps an ssh2 SFTP failure for an operation on `path` ("create", "rename", ...). */
export function sftpError(error: unknown, path: string, context: ErrorContext, action = 'use'): HoplineError {
  if (error instanceof HoplineError) return error;
  const status = sftpStatus(error);
  const detail = serverWords(error);
  const where = shownPath(path);
  switch (status) {
    case SFTP_STATUS.NO_SUCH_FILE:
      return new HoplineError(ErrorCode.FILE_NOT_FOUND, `${where} does not exist on ${hopName(context.hop)}`, context.hop, detail);
    case SFTP_STATUS.PERMISSION_DENIED:
      return new HoplineError(ErrorCode.PERMISSION_DENIED, `${hopNameAtStart(context.hop)} denied permission to ${action} ${where}`, context.hop, detail);
    case SFTP_STATUS.NO_CONNECTION:
    case SFTP_STATUS.CONNECTION_LOST:
    case undefined:
      return context.lost(error);
    default:
      return new HoplineError(ErrorCode.SFTP_FAILED, `${hopNameAtStart(context.hop)} could not ${action} ${where}`, context.hop, detail);
  }
}

/** The server's own words, bounded and escaped: they are untrusted text too. */
function serverWords(error: unknown): string | undefined {
  const message = error instanceof Error ? error.message : undefined;
  return message ? displayName(message, 500) : undefined;
}
