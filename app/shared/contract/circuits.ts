import type { Event } from '../model/event';
import type { CircuitSummary, HopStateEvent } from '../model/hop';
import type { WireError } from '../model/errors';
import { defineService } from './service';

export interface CircuitPreview {
  /** `ssh -J … user@target` as one shell-quoted line, or null with the reason in `problems`. */
  sshCommand: string | null;
  /** The ssh_config block, or null with the reason in `problems`. */
  sshConfig: string | null;
  problems: WireError[];
}

/** Opening and closing circuits of saved hosts (issues: hop engine, builder). */
export interface ICircuitsService {
  /** `circuitId` (a UUID the caller makes) lets the caller recognise its circuit's events before this resolves. */
  open(request: { hostIds: string[]; profileId?: string; circuitId?: string }): Promise<CircuitSummary>;
  /**
   * Reconnect / Retry: brings a failed circuit back under the same id, reusing the hops before
   * the failure that are still up and rebuilding only the rest (so only those ask anything).
   * Resolves like open; an open circuit is returned as it is.
   */
  repair(circuitId: string): Promise<CircuitSummary>;
  close(circuitId: string): Promise<void>;
  list(): Promise<CircuitSummary[]>;
  /** What `ssh -v` would tell, without secrets: for "copy details". */
  eventLog(circuitId: string): Promise<string[]>;
  /**
   * The circuit as `ssh -J` and ssh_config would write it. With `profileId`, the saved profile's
   * forwards go in too (LocalForward… lines, -L… options), as `hopline export` writes them.
   */
  preview(request: { hostIds: string[]; alias?: string; profileId?: string }): Promise<CircuitPreview>;
  onDidChangeHopState: Event<HopStateEvent>;
  onDidChange: Event<CircuitSummary>;
  onDidFail: Event<{ circuitId: string; error: WireError }>;
}

export const circuitsService = defineService<ICircuitsService>()({
  name: 'circuits',
  methods: { open: true, repair: true, close: true, list: true, eventLog: true, preview: true },
  events: { onDidChangeHopState: true, onDidChange: true, onDidFail: true },
});
