/**
 * A smaller SSH window for shell channels, so Ctrl-C stops a flood promptly.
 *
 * What a terminal still shows after Ctrl-C is everything already on its way: the bytes the
 * target may send ahead (its SSH channel window), what ssh2 has buffered, and what the viewer has
 * not yet acknowledged (flowControl.ts). ssh2 grants every channel a 2 MiB window and refills it
 * to 2 MiB whenever it falls to 1 MiB, and its stream buffers another 2 MiB before it stops
 * refilling; with a renderer that parses `yes` at a few MiB/s that was more than a second of
 * output after Ctrl-C (npm run bench: terminals). Neither size is an ssh2 option.
 *
 * So, per shell channel: the stream's buffer is made small (a paused channel stops refilling
 * the window after SHELL_BUFFER_BYTES), and the refills ssh2 sends are clamped so the target
 * never has more than SHELL_WINDOW_BYTES of window (after the first 2 MiB granted at open, which
 * SSH cannot take back).
 *
 * Both are set through `setWindowLimit`, a small API that patches/ssh2+1.17.0.patch adds to
 * ssh2's Channel (see app/main/services/engine/ssh2Patch.ts): ssh2 grants at most the limit on
 * each refill, so its own accounting of the window stays equal to what was really granted and it
 * never waits for data the target was not allowed to send. test/unit/main/services/terminals/
 * shellWindow.test.ts checks the behaviour on a real ssh2 connection, so a missing patch fails a
 * test instead of a terminal. Forwarding channels between hops keep ssh2's 2 MiB window: they
 * carry bulk data as well.
 *
 * SHELL_WINDOW_BYTES is only where a channel starts: from then on the window follows flow
 * control's in-flight figure (followInFlight), the page's measured parse rate times the round
 * trip plus a latency budget (app/shared/flow/flowLaw.ts), so it grows while the page keeps up
 * with a fast log and shrinks under a slow-parsing flood. A fixed 256 KiB capped one terminal at
 * 256 KiB per round trip (2.8 MiB/s through the lab's 3 hops, while xterm parses a log at 25+).
 * ssh2 cannot grant more than MAX_SHELL_WINDOW_BYTES (its own 2 MiB default, the patch's limit).
 */
import type { Client, ClientChannel } from 'ssh2';
import { log } from '../log';
import { hasWindowLimit } from '../engine/ssh2Patch';

export const SHELL_WINDOW_BYTES = 256 * 1024;
export const SHELL_BUFFER_BYTES = 64 * 1024;
export const MAX_SHELL_WINDOW_BYTES = 2 * 1024 * 1024;

/**
 * Caps a shell channel's window and buffer. Returns false (and changes nothing) if ssh2 lacks
 * the patched API: the channel then works with ssh2's defaults.
 */
export function capShellWindow(_client: Pick<Client, 'shell'>, channel: ClientChannel, window = SHELL_WINDOW_BYTES, buffer = SHELL_BUFFER_BYTES): boolean {
  if (!hasWindowLimit(channel)) {
    log.error('ssh2 is not patched (patches/ssh2+1.17.0.patch): shell channels keep the default 2 MiB window (Ctrl-C will be slower)');
    return false;
  }
  channel.setWindowLimit(window, buffer);
  return true;
}

/**
 * The shell channel's window follows flow control's in-flight figure (clamped to what ssh2 can
 * grant). Silent without the patch: capShellWindow said so once when the channel opened.
 */
export function followInFlight(channel: ClientChannel, bytes: number): void {
  if (!hasWindowLimit(channel)) return;
  channel.setWindowLimit(Math.max(SHELL_BUFFER_BYTES, Math.min(MAX_SHELL_WINDOW_BYTES, Math.round(bytes))));
}
