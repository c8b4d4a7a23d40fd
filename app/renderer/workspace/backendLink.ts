/**
 * The words for a link to the backend that is down, from the transport's reconnection progress:
 * pure, so the overlay and its tests share them.
 */
import type { LinkProgress } from '../rpc';

/** "Backend unreachable — reconnecting (attempt 3, next in 2 s)". `now` in epoch ms. */
export function linkDownText(link: LinkProgress, now: number): string {
  if (link.authRejected) return 'Hopline’s backend restarted with a new access token. Open the address it printed (with ?token=) in this browser; this window then reconnects by itself.';
  if (link.attempt === 0) return 'Backend unreachable — reconnecting…';
  if (link.nextAttemptAt === null) return `Backend unreachable — reconnecting (attempt ${link.attempt})…`;
  const seconds = Math.max(0, Math.ceil((link.nextAttemptAt - now) / 1000));
  return `Backend unreachable — reconnecting (attempt ${link.attempt}, next in ${seconds} s)`;
}
