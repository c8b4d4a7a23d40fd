import type { Event } from '../model/event';
import type { ForwardSpec, ForwardStatus } from '../model/forward';
import { defineService } from './service';

export type { ForwardKind, ForwardSpec, ForwardState, ForwardStatus } from '../model/forward';

/**
 * Port forwards on open circuits (issue 15): local -L, remote -R and dynamic -D (SOCKS5 with
 * names resolved at the far end, and SOCKS4/4a), as OpenSSH defines them. Each forward belongs to
 * one circuit, is started and stopped on its own, and lives through a reconnect of that circuit:
 * a local or dynamic listener stays bound while hops are rebuilt, and a remote forward is asked
 * for again on the new target connection. Closing the circuit removes its forwards.
 *
 * Errors are typed (PORT_IN_USE naming the address and port, FORWARD_REFUSED naming the hop and
 * the server's refusal, FORWARD_CONNECT_FAILED, FORWARD_BIND_FAILED). onDidChange reports state
 * changes at once and counters at most a few times a second per forward.
 */
export interface IForwardsService {
  list(): Promise<ForwardStatus[]>;
  /** Adds a forward to a circuit and starts it (unless `options.start` is false). */
  add(circuitId: string, spec: ForwardSpec, options?: { start?: boolean }): Promise<ForwardStatus>;
  start(forwardId: string): Promise<ForwardStatus>;
  /** Stops listening and ends the forward's open connections; the forward stays, stopped. */
  stop(forwardId: string): Promise<ForwardStatus>;
  /** Stops it and forgets it; unknown ids are a no-op. */
  remove(forwardId: string): Promise<void>;
  onDidChange: Event<ForwardStatus>;
  onDidRemove: Event<{ forwardId: string; circuitId: string }>;
}

export const forwardsService = defineService<IForwardsService>()({
  name: 'forwards',
  methods: { list: true, add: true, start: true, stop: true, remove: true },
  events: { onDidChange: true, onDidRemove: true },
});
