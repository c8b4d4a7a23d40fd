/**
 * One SFTP session per open circuit, on the circuit's own target connection (engine.target()):
 * files ride the hops the person already signed in to, with no new authentication, as Tabby and
 * Termius do. The session is opened on first use and shared by the listing and the transfer
 * queue. It is dropped when the circuit leaves 'open' (closed, failed) or its target connection
 * is replaced by a repair, so the next use opens a fresh one on the live connection.
 *
 * Failures are typed: a circuit that is not open is INVALID_ARGUMENT; a server without the sftp
 * subsystem is SFTP_UNAVAILABLE naming the target hop; a session lost with its circuit is
 * HOP_LOST naming the hop the circuit says died (lostError()).
 */
import type { Client, SFTPWrapper } from 'ssh2';
import { ErrorCode, HoplineError, type HopRef } from '../../../shared/model/errors';
import type { Disposable, Event } from '../../../shared/model/event';
import type { CircuitSummary } from '../../../shared/model/hop';
import { hopName, hopNameAtStart } from '../../../shared/model/hopName';

/** What the files service needs of the engine (CircuitEngine satisfies it). */
export interface SftpEngine {
  /** The open circuit's target connection; throws a HoplineError if the circuit is not open. */
  target(circuitId: string): Client;
  list(): CircuitSummary[];
  onDidChange: Event<CircuitSummary>;
}

interface Session {
  client: Client;
  sftp: Promise<SFTPWrapper>;
}

export class SftpSessions implements Disposable {
  private readonly sessions = new Map<string, Session>();
  /** The last summary seen per circuit, for naming the hop when a session dies with it. */
  private readonly summaries = new Map<string, CircuitSummary>();
  private readonly subscription: Disposable;

  constructor(private readonly engine: SftpEngine) {
    this.subscription = engine.onDidChange((summary) => {
      this.summaries.set(summary.id, summary);
      if (summary.state !== 'open') this.drop(summary.id);
      if (summary.state === 'closed') this.summaries.delete(summary.id);
    });
  }

  /** The circuit's SFTP session, opened on first use (or again after its connection changed). */
  get(circuitId: string): Promise<SFTPWrapper> {
    const client = this.engine.target(circuitId);
    const existing = this.sessions.get(circuitId);
    if (existing && existing.client === client) return existing.sftp;
    if (existing) this.drop(circuitId);
    const sftp = new Promise<SFTPWrapper>((resolve, reject) => {
      client.sftp((error, wrapper) => {
        if (error) {
          reject(new HoplineError(ErrorCode.SFTP_UNAVAILABLE, `${hopNameAtStart(this.targetHop(circuitId))} did not start an SFTP session`, this.targetHop(circuitId), error.message));
          return;
        }
        // A session that ends by itself (the server's sftp process died) is opened again next time.
        wrapper.once('close', () => {
          if (this.sessions.get(circuitId)?.client === client) this.sessions.delete(circuitId);
        });
        // A malformed packet from the server makes ssh2 emit 'error' and destroy the session; with
        // no listener that would be an uncaught exception in the main process. Pending requests
        // fail on their own (HOP_LOST), and the next use opens a fresh session.
        wrapper.on('error', () => {
          if (this.sessions.get(circuitId)?.client === client) this.sessions.delete(circuitId);
        });
        resolve(wrapper);
      });
    });
    const session: Session = { client, sftp };
    this.sessions.set(circuitId, session);
    sftp.catch(() => {
      if (this.sessions.get(circuitId) === session) this.sessions.delete(circuitId);
    });
    return sftp;
  }

  /** The target hop of a circuit (its last), for errors. */
  targetHop(circuitId: string): HopRef {
    const names = this.summary(circuitId)?.hopNames ?? [];
    return { index: Math.max(0, names.length - 1), name: names[names.length - 1] ?? 'target' };
  }

  /**
   * The error for work cut short because the session or its connection went away: HOP_LOST
   * naming the hop the circuit's own error names, else the target hop.
   */
  lostError(circuitId: string, cause?: unknown): HoplineError {
    const summary = this.summary(circuitId);
    const hop = summary?.error?.hop ?? this.targetHop(circuitId);
    const detail = cause instanceof Error ? cause.message : cause === undefined ? undefined : String(cause);
    return new HoplineError(ErrorCode.HOP_LOST, `The connection to ${hopName(hop)} was lost during the file operation`, hop, detail);
  }

  /** Whether the circuit is open now (a transfer waiting to retry asks this). */
  isOpen(circuitId: string): boolean {
    return this.summary(circuitId)?.state === 'open';
  }

  /** Whether the circuit failed (a hop was lost) rather than being closed or never opened: work on it is HOP_LOST. */
  hasFailed(circuitId: string): boolean {
    return this.summary(circuitId)?.state === 'failed';
  }

  private summary(circuitId: string): CircuitSummary | undefined {
    return this.engine.list().find((c) => c.id === circuitId) ?? this.summaries.get(circuitId);
  }

  private drop(circuitId: string): void {
    const session = this.sessions.get(circuitId);
    if (!session) return;
    this.sessions.delete(circuitId);
    session.sftp.then(
      (wrapper) => {
        try {
          wrapper.end();
        } catch {
          // The channel is gone with its connection already.
        }
      },
      () => undefined,
    );
  }

  dispose(): void {
    this.subscription.dispose();
    for (const id of [...this.sessions.keys()]) this.drop(id);
  }
}
