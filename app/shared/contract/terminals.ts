import type { WireError } from '../model/errors';
import type { Event } from '../model/event';
import { defineService } from './service';

/** Limits of a terminal's size, in character cells. */
export const TERMINAL_SIZE_LIMITS = { maxCols: 2000, maxRows: 1000 } as const;

export interface TerminalOpenRequest {
  circuitId: string;
  cols: number;
  rows: number;
  /**
   * When this terminal is the last one on its circuit to end (exit, close, or its shell
   * closing), close the circuit too. Default true. Hops other circuits share stay up (the
   * engine keeps them while they have users). Never applies when the circuit itself ended.
   */
  closeCircuitWhenLastEnds?: boolean;
}

export interface TerminalSummary {
  terminalId: string;
  /** The id its output and input travel under in binary terminal frames. */
  streamId: number;
  circuitId: string;
  cols: number;
  rows: number;
}

/**
 * Shell channels on a circuit's target (issue: terminals), each with a PTY (TERM=xterm-256color).
 * Several terminals per circuit: each is its own shell channel on the target's one connection,
 * so opening another asks nothing.
 *
 * Bytes do not travel through these JSON calls: after `open`, the renderer ATTACHes to
 * `streamId` with binary terminal frames (shared/rpc/terminalFrames.ts, TerminalStreams) and
 * acks the output it has processed (ARCHITECTURE.md, flow control). A page that reloads finds
 * its terminals in `list()` and ATTACHes again; a terminal keeps running without a viewer, and
 * stalls once its unread output reaches the high watermark.
 *
 * Every terminal ends with exactly one event: `onDidExit` when the remote shell reported an exit
 * status or signal, otherwise `onDidEnd` with the reason (the circuit's error naming the hop
 * that failed, `DISCONNECTED` when the circuit or the terminal was closed).
 */
export interface ITerminalsService {
  open(request: TerminalOpenRequest): Promise<{ terminalId: string; streamId: number }>;
  /**
   * Sends window-change to the remote PTY. With several windows showing one terminal the last
   * one to resize (the one the user turned to) sets the size; `onDidResize` tells the others.
   */
  resize(terminalId: string, cols: number, rows: number): Promise<void>;
  /** Ends the shell channel; unknown or already ended ids are a no-op. */
  close(terminalId: string): Promise<void>;
  list(): Promise<TerminalSummary[]>;
  onDidExit: Event<{ terminalId: string; exitCode: number | null; signal: string | null }>;
  onDidEnd: Event<{ terminalId: string; reason: WireError }>;
  /** The PTY's size after a resize (fired for every resize, whichever window asked, in order). */
  onDidResize: Event<{ terminalId: string; cols: number; rows: number }>;
}

export const terminalsService = defineService<ITerminalsService>()({
  name: 'terminals',
  methods: { open: true, resize: true, close: true, list: true },
  events: { onDidExit: true, onDidEnd: true, onDidResize: true },
});
