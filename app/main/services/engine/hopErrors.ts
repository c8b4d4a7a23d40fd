/**
 * How a hop's setup is named in messages, and how ssh2's errors become typed errors that say
 * which hop failed, how far it got, and in the server's own words only as one bounded plain line.
 */
import { ErrorCode, HoplineError } from '../../../shared/model/errors';
import { hopName } from '../../../shared/model/hopName';
import type { HopContext } from './hopConnector';
import { sanitizeForMessage } from './tcpConnect';

/** Server text (a banner, a disconnect reason) shown in an error message or a log line at most. */
export const MAX_SERVER_TEXT_IN_MESSAGE = 300;
export const MAX_SERVER_TEXT_IN_LOG = 1000;

/** "hop 2 (inner) at ops@10.0.2.2:22": the one hop-naming form (hopName), then where it is. */
export function label(ctx: HopContext): string {
  const s = ctx.spec;
  return `${hopName(ctx.ref)} at ${s.user}@${s.host}:${s.port}`;
}

/** How far a hop's setup got, for messages: what the server was doing when it failed or stalled. */
export type SetupPhase = 'handshake' | 'authentication';

export const PHASE_TEXT: Record<SetupPhase, string> = { handshake: 'the SSH handshake', authentication: 'authentication' };

export function errorFromSsh2(ctx: HopContext, err: Error & { level?: string; code?: string | number }, phase: SetupPhase, tried: string[], offered: string[]): HoplineError {
  // The socket's own typed error (a ProxyCommand that exited, a proxy that refused) says it best.
  if (err instanceof HoplineError) return err;
  if (err.level === 'client-authentication') {
    return new HoplineError(ErrorCode.AUTH_FAILED, `Authentication failed for ${label(ctx)}. Tried: ${tried.join(', ') || 'nothing'}. Server accepts: ${offered.join(', ') || 'unknown'}.`, ctx.ref);
  }
  if (typeof err.code === 'number') {
    // A DISCONNECT from the server, whose description is the server's own text. Its reason code
    // says little (OpenSSH's "Too many authentication failures" is a PROTOCOL_ERROR); the phase says more.
    const why = `${label(ctx)} disconnected during ${PHASE_TEXT[phase]}: ${sanitizeForMessage(err.message, MAX_SERVER_TEXT_IN_MESSAGE) || 'no reason given'}`;
    const reason = `SSH disconnect reason ${err.code}`;
    if (phase === 'authentication') return new HoplineError(ErrorCode.AUTH_FAILED, `${why}. Tried: ${tried.join(', ') || 'nothing'}.`, ctx.ref, reason);
    return new HoplineError(ErrorCode.HANDSHAKE_FAILED, why, ctx.ref, reason);
  }
  if (err.level === 'agent') return new HoplineError(ErrorCode.AUTH_FAILED, `The SSH agent could not be used for ${label(ctx)}: ${sanitizeForMessage(err.message, MAX_SERVER_TEXT_IN_MESSAGE)}`, ctx.ref);
  if (err.level === 'client-timeout') return new HoplineError(ErrorCode.HOP_TIMEOUT, `${label(ctx)}: ${sanitizeForMessage(err.message, MAX_SERVER_TEXT_IN_MESSAGE)}`, ctx.ref);
  if (err.level === 'client-socket' || typeof err.code === 'string') {
    return new HoplineError(ErrorCode.HOP_UNREACHABLE, `The connection to ${label(ctx)} broke`, ctx.ref, sanitizeForMessage(String(err.code ?? err.message), MAX_SERVER_TEXT_IN_MESSAGE));
  }
  // What is left is the server breaking the protocol: ssh2's 'handshake' and 'protocol' errors,
  // and what its parser throws (a greeting too long, a packet too large for ssh2 to take).
  const said = err.message.replace(/^Handshake failed: /, '').replace(/^no matching (.+)$/i, 'no $1 in common with the server');
  const shown = sanitizeForMessage(said, MAX_SERVER_TEXT_IN_MESSAGE);
  return new HoplineError(ErrorCode.HANDSHAKE_FAILED, phase === 'handshake' ? `SSH handshake with ${label(ctx)} failed: ${shown}` : `${label(ctx)} broke the SSH protocol during authentication: ${shown}`, ctx.ref);
}
