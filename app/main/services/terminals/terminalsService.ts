/**
 * Terminals on a circuit's target: one shell channel with a PTY per terminal, all on the
 * target's one SSH connection (so another terminal asks nothing). Output leaves through flow
 * control (flowControl.ts) to the connections that ATTACHed its stream (streamRouter.ts);
 * input goes to the channel at once. Every terminal also keeps its screen on this side
 * (screenMirror.ts), so a viewer that ATTACHes with replay (a reloaded page, another window) gets
 * the screen as it is before the live output. A new shell in the same tab (Reconnect) is a new
 * terminal with a fresh mirror; moving the old screen into the scrollback under a separator is
 * done by the renderer's xterm, the only place the old screen still exists (newShellScreen.ts).
 *
 * Every terminal ends with exactly one event: onDidExit when the shell reported an exit status
 * or signal, otherwise onDidEnd with a typed reason (the circuit's error naming the hop that
 * failed, or DISCONNECTED when it was closed).
 */
import { randomUUID } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import type { Client, ClientChannel } from 'ssh2';
import type { ITerminalsService, TerminalOpenRequest, TerminalSummary } from '../../../shared/contract/terminals';
import { ErrorCode, HoplineError, type HopRef, type WireError } from '../../../shared/model/errors';
import { hopName } from '../../../shared/model/hopName';
import { Emitter, type Disposable, type Event } from '../../../shared/model/event';
import type { CircuitSummary } from '../../../shared/model/hop';
import { TERMINAL_FRAME_LIMITS } from '../../../shared/rpc/terminalFrames';
import { log } from '../log';
import { FlowControl, type FlowControlOptions } from './flowControl';
import { ScreenMirror } from './screenMirror';
import { capShellWindow, followInFlight } from './shellWindow';
import { StreamRouter, type StreamSink, type TerminalFrameConnection, type TerminalFrameHub, type TerminalPeer, type TerminalStreamEndpoint, type TerminalStreamLookup } from './streamRouter';

/** What the service needs of the engine (CircuitEngine satisfies it). */
export interface TerminalsEngine {
  /** The open circuit's target connection; throws a HoplineError if the circuit is not open. */
  target(circuitId: string): Pick<Client, 'shell'>;
  list(): CircuitSummary[];
  onDidChange: Event<CircuitSummary>;
}

export interface TerminalsServiceOptions {
  engine: TerminalsEngine;
  /** Closes a circuit (the circuits service's close): used by closeCircuitWhenLastEnds. */
  closeCircuit(circuitId: string): Promise<void>;
  /**
   * Where this terminal's output is logged, when its circuit's profile opted in; null: not logged.
   * Only output is written (what the terminal shows), never input: a masked password the user
   * types is not echoed by the remote, so it never reaches the log.
   */
  sessionLogPath?(circuitId: string, streamId: number): string | null;
  /**
   * Tunes a new shell channel; default capShellWindow (a small SSH window, so Ctrl-C is prompt).
   * Unit tests with fake channels pass a no-op.
   */
  tuneShell?: (client: Pick<Client, 'shell'>, channel: ClientChannel) => void;
  /** For tests. */
  flow?: FlowControlOptions;
  openTimeoutMs?: number;
  closeGraceMs?: number;
}

export const TERM = 'xterm-256color';
const OPEN_TIMEOUT_MS = 15_000;
/**
 * A shell channel that closes without an exit status usually means its connection died; the
 * engine names the dead hop about 50 ms later. Wait this long for that before saying less.
 */
const CLOSE_GRACE_MS = 300;
/** Input the target has not taken yet (its SSH window is full) beyond which more is refused. */
export const MAX_INPUT_BACKLOG_BYTES = 4 * 1024 * 1024;
const encoder = new TextEncoder();

interface Terminal {
  id: string;
  streamId: number;
  circuitId: string;
  cols: number;
  rows: number;
  channel: ClientChannel;
  flow: FlowControl;
  mirror: ScreenMirror;
  sinks: Set<StreamSink>;
  endpoint: TerminalStreamEndpoint;
  exit: { exitCode: number | null; signal: string | null } | null;
  sessionLog: WriteStream | null;
  closeCircuitWhenLastEnds: boolean;
  ended: boolean;
  grace: ReturnType<typeof setTimeout> | null;
}

export class TerminalsService implements ITerminalsService, TerminalFrameHub, TerminalStreamLookup {
  private readonly terminals = new Map<string, Terminal>();
  private readonly byStream = new Map<number, Terminal>();
  /** Opens in flight per circuit: a circuit is not closed under a terminal that is opening. */
  private readonly opening = new Map<string, number>();
  private nextStreamId = 1;
  private readonly exited = new Emitter<{ terminalId: string; exitCode: number | null; signal: string | null }>();
  private readonly endedEmitter = new Emitter<{ terminalId: string; reason: WireError }>();
  private readonly resized = new Emitter<{ terminalId: string; cols: number; rows: number }>();
  private readonly circuitWatch: Disposable;
  readonly onDidExit = this.exited.event;
  readonly onDidEnd = this.endedEmitter.event;
  readonly onDidResize = this.resized.event;

  constructor(private readonly options: TerminalsServiceOptions) {
    this.circuitWatch = options.engine.onDidChange((circuit) => {
      if (circuit.state === 'closed' || circuit.state === 'failed') this.circuitEnded(circuit);
    });
  }

  async open(request: TerminalOpenRequest): Promise<{ terminalId: string; streamId: number }> {
    const { circuitId, cols, rows } = request;
    const client = this.options.engine.target(circuitId);
    const hop = this.targetHop(circuitId);
    this.opening.set(circuitId, (this.opening.get(circuitId) ?? 0) + 1);
    let channel: ClientChannel;
    try {
      channel = await this.openShell(client, hop, cols, rows);
    } finally {
      const left = (this.opening.get(circuitId) ?? 1) - 1;
      if (left > 0) this.opening.set(circuitId, left);
      else this.opening.delete(circuitId);
    }
    if (!this.isOpen(circuitId)) {
      this.quietly(() => channel.close());
      throw new HoplineError(ErrorCode.HOP_LOST, `The circuit ended while a shell was opening on ${hopName(hop)}`, hop);
    }
    const terminal = this.track(channel, circuitId, cols, rows, request.closeCircuitWhenLastEnds !== false);
    return { terminalId: terminal.id, streamId: terminal.streamId };
  }

  async resize(terminalId: string, cols: number, rows: number): Promise<void> {
    const terminal = this.get(terminalId);
    if (terminal.cols !== cols || terminal.rows !== rows) {
      terminal.cols = cols;
      terminal.rows = rows;
      this.quietly(() => terminal.channel.setWindow(rows, cols, 0, 0));
      terminal.mirror.resize(cols, rows);
    }
    // Told even when unchanged: every resize a window sends comes back to it as an event, which
    // is how it tells its own sizes from another window's (useTerminalsStore).
    this.resized.fire({ terminalId, cols, rows });
  }

  async close(terminalId: string): Promise<void> {
    const terminal = this.terminals.get(terminalId);
    if (terminal) this.end(terminal, { code: ErrorCode.DISCONNECTED, message: 'The terminal was closed' }, true);
  }

  async list(): Promise<TerminalSummary[]> {
    return [...this.terminals.values()].map((t) => ({ terminalId: t.id, streamId: t.streamId, circuitId: t.circuitId, cols: t.cols, rows: t.rows }));
  }

  /** TerminalFrameHub: one router per client connection. */
  connect(peer: TerminalPeer): TerminalFrameConnection {
    return new StreamRouter(this, peer);
  }

  /** TerminalStreamLookup. */
  stream(streamId: number): TerminalStreamEndpoint | undefined {
    return this.byStream.get(streamId)?.endpoint;
  }

  /** For tests and diagnostics: a terminal's flow state. */
  flowOf(terminalId: string): { pressure: number; paused: boolean; waiting: number; viewers: number; inFlight: number } | null {
    const t = this.terminals.get(terminalId);
    return t ? { pressure: t.flow.pressure, paused: t.flow.isPaused, waiting: t.flow.waitingBytes, viewers: t.flow.sinkCount, inFlight: t.flow.inFlight } : null;
  }

  /** Ends every terminal (no circuit is closed by this: the circuits service closes them next). */
  dispose(): void {
    this.circuitWatch.dispose();
    for (const terminal of [...this.terminals.values()]) this.end(terminal, { code: ErrorCode.DISCONNECTED, message: 'Hopline is shutting down' }, false);
    this.exited.dispose();
    this.endedEmitter.dispose();
    this.resized.dispose();
  }

  private openShell(client: Pick<Client, 'shell'>, hop: HopRef, cols: number, rows: number): Promise<ClientChannel> {
    return new Promise((resolve, reject) => {
      let settled = false;
      const timeoutMs = this.options.openTimeoutMs ?? OPEN_TIMEOUT_MS;
      const timer = setTimeout(() => {
        settled = true;
        reject(new HoplineError(ErrorCode.HOP_TIMEOUT, `Hop ${hop.index + 1} (${hop.name}) did not open a shell within ${Math.round(timeoutMs / 1000)} s`, hop));
      }, timeoutMs);
      try {
        client.shell({ term: TERM, cols, rows, width: 0, height: 0 }, (err, channel) => {
          clearTimeout(timer);
          if (settled) {
            // Too late: the caller was told it timed out.
            if (!err) this.quietly(() => channel.close());
            return;
          }
          settled = true;
          if (err) {
            reject(new HoplineError(ErrorCode.FORWARD_REFUSED, `Hop ${hop.index + 1} (${hop.name}) refused a shell: ${err.message}`, hop));
            return;
          }
          (this.options.tuneShell ?? capShellWindow)(client, channel);
          resolve(channel);
        });
      } catch {
        clearTimeout(timer);
        settled = true;
        reject(new HoplineError(ErrorCode.HOP_LOST, `Hop ${hop.index + 1} (${hop.name}) is not connected`, hop));
      }
    });
  }

  private track(channel: ClientChannel, circuitId: string, cols: number, rows: number, closeCircuitWhenLastEnds: boolean): Terminal {
    const flow = new FlowControl(
      {
        pause: () => {
          channel.pause();
          channel.stderr.pause();
        },
        resume: () => {
          channel.resume();
          channel.stderr.resume();
        },
      },
      { onInFlight: (bytes) => this.quietly(() => followInFlight(channel, bytes)), ...this.options.flow },
    );
    const mirror = new ScreenMirror(cols, rows, (bytes) => flow.setBacklog(bytes));
    const sinks = new Set<StreamSink>();
    const streamId = this.allocateStreamId();
    const terminal: Terminal = {
      id: randomUUID(),
      streamId,
      circuitId,
      cols,
      rows,
      channel,
      flow,
      mirror,
      sinks,
      endpoint: {
        attach: (sink, options) => {
          if (terminal.ended) return;
          sinks.add(sink);
          if (!options?.replay) {
            flow.attach(sink);
            return;
          }
          // The snapshot is of every byte pushed so far; what comes from now on is held for
          // this sink and follows it.
          const release = flow.attachAfterLead(sink);
          mirror.snapshot().then(
            (screen) => release(screen ? encoder.encode(screen) : null),
            (error: unknown) => {
              // Disposed with its terminal (the sink is told it ended), or a serializer fault:
              // the viewer gets the live output without its past.
              if (!terminal.ended) log.error(`terminal ${terminal.streamId}: screen snapshot failed`, error);
              release(null);
            },
          );
        },
        detach: (sink) => {
          sinks.delete(sink);
          flow.detach(sink);
        },
        ack: (sink, bytes, caughtUp) => {
          flow.ack(sink, bytes, caughtUp);
        },
        input: (data) => this.input(terminal, data),
      },
      exit: null,
      sessionLog: this.openSessionLog(circuitId, streamId),
      closeCircuitWhenLastEnds,
      ended: false,
      grace: null,
    };
    this.terminals.set(terminal.id, terminal);
    this.byStream.set(terminal.streamId, terminal);
    const output = (data: Buffer): void => {
      terminal.sessionLog?.write(data);
      // Mirror first, push second, both now: a snapshot asked for between two chunks covers
      // exactly the chunks flow control has already taken.
      mirror.write(data);
      flow.push(data);
    };
    channel.on('data', output);
    // With a PTY the remote merges stderr into the terminal; anything on the extended stream
    // is output all the same.
    channel.stderr.on('data', output);
    channel.on('exit', (code: unknown, signal: unknown) => {
      terminal.exit = { exitCode: typeof code === 'number' ? code : null, signal: typeof signal === 'string' ? signal : null };
    });
    // ssh2 emits 'close' only after every byte was read ('end'): output is complete here.
    channel.on('close', () => this.channelClosed(terminal));
    channel.on('error', (error: unknown) => log.error(`terminal ${terminal.streamId}: shell channel error`, error));
    return terminal;
  }

  private input(terminal: Terminal, data: Uint8Array): WireError | null {
    if (terminal.ended) return { code: ErrorCode.INVALID_ARGUMENT, message: `Terminal stream ${terminal.streamId} has ended` };
    if (terminal.channel.writableLength > MAX_INPUT_BACKLOG_BYTES) {
      return { code: ErrorCode.FRAME_TOO_LARGE, message: `The target is not taking input (over ${MAX_INPUT_BACKLOG_BYTES} bytes wait); this input was dropped` };
    }
    terminal.channel.write(data);
    return null;
  }

  private channelClosed(terminal: Terminal): void {
    if (terminal.ended) return;
    if (terminal.exit) {
      this.end(terminal, null, true);
      return;
    }
    // Give the engine its moment to name the hop that died (circuitEnded ends us with that).
    terminal.flow.flush();
    terminal.grace = setTimeout(() => {
      const hop = this.targetHop(terminal.circuitId);
      this.end(terminal, { code: ErrorCode.DISCONNECTED, message: `The shell on hop ${hop.index + 1} (${hop.name}) ended without an exit status` }, true);
    }, this.options.closeGraceMs ?? CLOSE_GRACE_MS);
  }

  private circuitEnded(circuit: CircuitSummary): void {
    const reason: WireError =
      circuit.state === 'failed'
        ? (circuit.error ?? { code: ErrorCode.HOP_LOST, message: 'The circuit was lost' })
        : { code: ErrorCode.DISCONNECTED, message: 'The circuit was closed' };
    for (const terminal of [...this.terminals.values()]) {
      if (terminal.circuitId === circuit.id) this.end(terminal, reason, false);
    }
  }

  /**
   * Ends a terminal once: last output to its viewers, its channel closed, then onDidExit (if
   * the shell reported one) or onDidEnd with `reason`.
   */
  private end(terminal: Terminal, reason: WireError | null, mayCloseCircuit: boolean): void {
    if (terminal.ended) return;
    terminal.flow.flush();
    terminal.ended = true;
    if (terminal.grace) clearTimeout(terminal.grace);
    this.terminals.delete(terminal.id);
    this.byStream.delete(terminal.streamId);
    for (const sink of terminal.sinks) sink.ended();
    terminal.sinks.clear();
    terminal.flow.dispose();
    terminal.mirror.dispose();
    terminal.sessionLog?.end();
    const { channel } = terminal;
    channel.removeAllListeners('data');
    channel.stderr.removeAllListeners('data');
    // Let anything still buffered drain, so ssh2 can finish the channel.
    this.quietly(() => {
      channel.resume();
      channel.stderr.resume();
      channel.close();
    });
    if (terminal.exit) this.exited.fire({ terminalId: terminal.id, ...terminal.exit });
    else this.endedEmitter.fire({ terminalId: terminal.id, reason: reason ?? { code: ErrorCode.DISCONNECTED, message: 'The terminal ended' } });

    const circuitId = terminal.circuitId;
    if (!mayCloseCircuit || !terminal.closeCircuitWhenLastEnds || this.opening.has(circuitId)) return;
    if ([...this.terminals.values()].some((t) => t.circuitId === circuitId)) return;
    if (!this.isOpen(circuitId)) return;
    this.options.closeCircuit(circuitId).catch((error: unknown) => log.error('closing a circuit after its last terminal failed', error));
  }

  private openSessionLog(circuitId: string, streamId: number): WriteStream | null {
    const file = this.options.sessionLogPath?.(circuitId, streamId) ?? null;
    if (!file) return null;
    const stream = createWriteStream(file, { flags: 'a', mode: 0o600 });
    // A full disk must not take the terminal down: the log stops, the session goes on.
    stream.on('error', (error) => log.error(`session log ${file} stopped`, error));
    return stream;
  }

  private get(terminalId: string): Terminal {
    const terminal = this.terminals.get(terminalId);
    if (!terminal) throw new HoplineError(ErrorCode.INVALID_ARGUMENT, `No terminal ${terminalId} (it ended, or never existed)`);
    return terminal;
  }

  private isOpen(circuitId: string): boolean {
    return this.options.engine.list().some((c) => c.id === circuitId && c.state === 'open');
  }

  /** The circuit's target as a hop reference for errors. */
  private targetHop(circuitId: string): HopRef {
    const circuit = this.options.engine.list().find((c) => c.id === circuitId);
    const names = circuit?.hopNames ?? [];
    return names.length > 0 ? { index: names.length - 1, name: names[names.length - 1]! } : { index: 0, name: 'target' };
  }

  private allocateStreamId(): number {
    // Stream ids are never reused while a terminal holds one.
    for (;;) {
      const id = this.nextStreamId;
      this.nextStreamId = id >= TERMINAL_FRAME_LIMITS.maxStreamId ? 1 : id + 1;
      if (!this.byStream.has(id)) return id;
    }
  }

  private quietly(action: () => void): void {
    try {
      action();
    } catch {
      // The channel's connection is already gone: nothing left to tell it.
    }
  }
}
