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
 * SSH cannot take back). ssh2's own accounting of the window is kept equal to what was really
 * granted, so it never waits for data the target was not allowed to send.
 *
 * This reaches into ssh2 1.17's private fields (`_protocol.channelWindowAdjust`, a channel's
 * `incoming.window` and `outgoing.id`). ssh2 is pinned to that exact version
 * (test/security/dependencies.test.ts); the shape is checked here before anything is changed,
 * and test/unit/main/services/terminals/shellWindow.test.ts checks the behaviour on a real ssh2
 * connection, so an ssh2 upgrade that moves them fails a test instead of a terminal. Forwarding
 * channels between hops keep ssh2's 2 MiB window: they carry bulk data as well.
 *
 * The cost: one terminal's output rate is at most SHELL_WINDOW_BYTES per round trip to the
 * target (256 KiB per 100 ms is 2.5 MiB/s), about what xterm renders anyway.
 */
import type { Client, ClientChannel } from 'ssh2';
import { log } from '../log';

export const SHELL_WINDOW_BYTES = 256 * 1024;
export const SHELL_BUFFER_BYTES = 64 * 1024;

interface ChannelInternals {
  incoming: { window: number };
  outgoing: { id: number };
  _readableState?: { highWaterMark: number };
  stderr?: { _readableState?: { highWaterMark: number } };
}

interface ProtocolInternals {
  channelWindowAdjust(id: number, amount: number): void;
}

/** Per client: the original refill function, and the capped channels by their remote id. */
const capped = new WeakMap<object, Map<number, { channel: ChannelInternals; window: number }>>();

function internalsOf(client: Pick<Client, 'shell'>, channel: ClientChannel): { protocol: ProtocolInternals; channel: ChannelInternals } | null {
  const protocol = (client as unknown as { _protocol?: ProtocolInternals })._protocol;
  const internals = channel as unknown as ChannelInternals;
  const ok =
    typeof protocol?.channelWindowAdjust === 'function' &&
    typeof internals.incoming?.window === 'number' &&
    typeof internals.outgoing?.id === 'number' &&
    typeof internals._readableState?.highWaterMark === 'number';
  return ok ? { protocol: protocol!, channel: internals } : null;
}

/**
 * Caps a shell channel's window and buffer. Returns false (and changes nothing) if ssh2's
 * internals are not what this expects: the channel then works with ssh2's defaults.
 */
export function capShellWindow(client: Pick<Client, 'shell'>, channel: ClientChannel, window = SHELL_WINDOW_BYTES, buffer = SHELL_BUFFER_BYTES): boolean {
  const found = internalsOf(client, channel);
  if (!found) {
    log.error('ssh2 internals changed: shell channels keep the default 2 MiB window (Ctrl-C will be slower)');
    return false;
  }
  const { protocol, channel: internals } = found;
  internals._readableState!.highWaterMark = buffer;
  if (internals.stderr?._readableState) internals.stderr._readableState.highWaterMark = buffer;

  let channels = capped.get(protocol);
  if (!channels) {
    const byId = new Map<number, { channel: ChannelInternals; window: number }>();
    channels = byId;
    capped.set(protocol, byId);
    const refill = protocol.channelWindowAdjust.bind(protocol);
    // ssh2 has already added `amount` to incoming.window when it calls this.
    protocol.channelWindowAdjust = (id: number, amount: number) => {
      const entry = byId.get(id);
      if (!entry) return refill(id, amount);
      const before = entry.channel.incoming.window - amount;
      const allowed = Math.max(0, Math.min(amount, entry.window - before));
      entry.channel.incoming.window = before + allowed;
      if (allowed > 0) refill(id, allowed);
    };
  }
  const remoteId = internals.outgoing.id;
  channels.set(remoteId, { channel: internals, window });
  channel.once('close', () => {
    if (channels!.get(remoteId)?.channel === internals) channels!.delete(remoteId);
  });
  return true;
}
