/**
 * Circuits of hops, with shared prefixes. Each live hop sits in a pool under the key of the whole
 * chain up to it (same hops, users and options), so circuits that start alike reuse the same
 * connections: one bastion serves several targets, and a second target through a warm bastion
 * costs one handshake. Every circuit holds a reference on each hop of its chain; when the last
 * reference goes, hops close from the target outward.
 *
 * When a hop dies (closed, or keepalive unanswered), every circuit through it fails with an error
 * naming the innermost hop that died, and releases what it held.
 */
import { randomUUID } from 'node:crypto';
import type { Client } from 'ssh2';
import { ErrorCode, HoplineError, type WireError } from '../../../shared/model/errors';
import { Emitter } from '../../../shared/model/event';
import type { CircuitSummary, HopStateEvent } from '../../../shared/model/hop';
import { connectHop, forwardThrough, type HopContext, type LiveHop } from './hopConnector';
import { MAX_CIRCUIT_DEPTH, type HopSpec } from './hopSpec';
import type { HopSecrets } from './hopSecrets';
import type { HostKeyFiles } from './hostKeyPolicy';
import type { PromptBroker } from './promptBroker';

interface PoolEntry {
  key: string;
  index: number;
  name: string;
  parent: PoolEntry | null;
  /** Set while connecting; circuits arriving meanwhile wait on it rather than connect twice. */
  connecting: Promise<LiveHop> | null;
  live: LiveHop | null;
  refs: number;
  dead: HoplineError | null;
  closing: boolean;
}

interface CircuitRecord {
  id: string;
  specs: HopSpec[];
  entries: PoolEntry[];
  state: CircuitSummary['state'];
  profileId: string | null;
  error: WireError | null;
  log: string[];
  started: number;
}

export interface CircuitEngineOptions {
  hostKeyFiles: HostKeyFiles;
  prompts: PromptBroker;
  /** Saved secrets for hops with a host id (the credential store); absent: always ask. */
  secrets?: HopSecrets;
}

const MAX_LOG_LINES = 2000;
/** Ended circuits kept for their event logs ("copy details"); older ones are forgotten. */
const MAX_ENDED_CIRCUITS = 100;

/** What makes two hops "the same" for sharing: everything that shapes the connection. */
function hopIdentity(spec: HopSpec): string {
  return JSON.stringify([spec.host.toLowerCase(), spec.port, spec.user, spec.auth, spec.proxy ?? null, spec.agentForward ?? false, spec.keepaliveIntervalMs ?? 0, spec.keepaliveCountMax ?? 3]);
}

/** Refuses circuits that are empty, deeper than 16 hops, or visit one host:port twice. */
export function validateCircuit(specs: HopSpec[]): void {
  if (specs.length === 0) throw new HoplineError(ErrorCode.INVALID_ARGUMENT, 'A circuit needs at least one hop');
  if (specs.length > MAX_CIRCUIT_DEPTH) {
    throw new HoplineError(ErrorCode.CIRCUIT_TOO_DEEP, `This circuit has ${specs.length} hops; Hopline allows at most ${MAX_CIRCUIT_DEPTH}.`, { index: MAX_CIRCUIT_DEPTH, name: specs[MAX_CIRCUIT_DEPTH]!.name });
  }
  const seen = new Map<string, number>();
  specs.forEach((spec, index) => {
    const where = `${spec.host.toLowerCase()}:${spec.port}`;
    const first = seen.get(where);
    if (first !== undefined) {
      throw new HoplineError(ErrorCode.CIRCUIT_CYCLE, `Hop ${index + 1} (${spec.name}) returns to ${where}, already hop ${first + 1} (${specs[first]!.name}): the circuit would go round in a cycle.`, { index, name: spec.name });
    }
    seen.set(where, index);
    if (spec.proxy && index > 0) {
      throw new HoplineError(ErrorCode.INVALID_ARGUMENT, `Hop ${index + 1} (${spec.name}) has a proxy, but only the first hop is reached through one; later hops go through the hop before.`, { index, name: spec.name });
    }
  });
}

export class CircuitEngine {
  private readonly pool = new Map<string, PoolEntry>();
  private readonly circuits = new Map<string, CircuitRecord>();
  /** Hops being ended; dispose() waits for them. */
  private readonly ending = new Set<Promise<void>>();
  private readonly hopState = new Emitter<HopStateEvent>();
  private readonly failed = new Emitter<{ circuitId: string; error: WireError }>();
  readonly onDidChangeHopState = this.hopState.event;
  private readonly changed = new Emitter<CircuitSummary>();
  readonly onDidFail = this.failed.event;
  /** Every change of a circuit's state (opening, open, closed, failed). */
  readonly onDidChange = this.changed.event;

  constructor(private readonly options: CircuitEngineOptions) {}

  /** Opens (or joins) every hop of the circuit in order. Rejects with a typed error naming the hop. */
  async open(specs: HopSpec[], circuitId: string = randomUUID(), options: { profileId?: string } = {}): Promise<CircuitSummary> {
    validateCircuit(specs);
    const record: CircuitRecord = { id: circuitId, specs, entries: [], state: 'opening', profileId: options.profileId ?? null, error: null, log: [], started: Date.now() };
    this.circuits.set(circuitId, record);
    this.setState(record, 'opening');
    this.note(record, `opening a circuit of ${specs.length} hop(s): ${specs.map((s) => `${s.user}@${s.host}:${s.port}`).join(' -> ')}`);
    let key = '';
    try {
      for (let index = 0; index < specs.length; index++) {
        const spec = specs[index]!;
        key += `|${hopIdentity(spec)}`;
        const entry = await this.acquire(record, key, index, spec);
        record.entries.push(entry);
        if (record.state !== 'opening') throw new HoplineError(ErrorCode.HOP_LOST, `The circuit was closed while opening`, { index, name: spec.name });
      }
    } catch (error) {
      const typed = error instanceof HoplineError ? error : new HoplineError(ErrorCode.INTERNAL, 'Circuit failed unexpectedly');
      this.note(record, `failed: ${typed.code}: ${typed.message}`);
      this.options.prompts.withdrawCircuit(circuitId, typed);
      record.error = typed.toWire();
      this.setState(record, 'failed');
      await this.release(record);
      this.failed.fire({ circuitId, error: typed.toWire() });
      throw typed;
    }
    this.setState(record, 'open');
    this.note(record, `open in ${Date.now() - record.started} ms`);
    return this.summary(record);
  }

  /** The SSH connection to the circuit's target, for exec and shells. */
  target(circuitId: string): Client {
    const record = this.circuits.get(circuitId);
    const live = record?.state === 'open' ? record.entries[record.entries.length - 1]?.live : null;
    if (!live) throw new HoplineError(ErrorCode.INVALID_ARGUMENT, `No open circuit ${circuitId}`);
    return live.client;
  }

  async close(circuitId: string): Promise<void> {
    const record = this.circuits.get(circuitId);
    if (!record) return;
    if (record.state === 'opening') {
      this.setState(record, 'closed');
      this.options.prompts.withdrawCircuit(circuitId, new HoplineError(ErrorCode.PROMPT_CANCELLED, 'The circuit was closed'));
      return;
    }
    if (record.state === 'open') this.setState(record, 'closed');
    this.note(record, 'closing');
    await this.release(record);
  }

  list(): CircuitSummary[] {
    return [...this.circuits.values()].filter((r) => r.state === 'open' || r.state === 'opening').map((r) => this.summary(r));
  }

  /** Whether this id names a circuit, live or recently ended (ids are never reused). */
  knows(circuitId: string): boolean {
    return this.circuits.has(circuitId);
  }

  /** What `ssh -v` would have said, with timestamps; never holds an answer or a secret. */
  eventLog(circuitId: string): string[] {
    return [...(this.circuits.get(circuitId)?.log ?? [])];
  }

  /** For diagnostics: each pooled hop as `name refs state`. */
  describePool(): string[] {
    return [...this.pool.values()].map((e) => `${e.name} refs=${e.refs}${e.dead ? ' dead' : ''}${e.closing ? ' closing' : ''}${e.live ? ' live' : ''}`);
  }

  /** Live SSH connections in the pool: what a test counts to prove sharing and clean-up. */
  get liveHopCount(): number {
    return [...this.pool.values()].filter((e) => e.live && !e.dead).length;
  }

  async dispose(): Promise<void> {
    await Promise.all([...this.circuits.keys()].map((id) => this.close(id)));
    await Promise.all([...this.ending]);
  }

  private forgetOldCircuits(): void {
    const ended = [...this.circuits.values()].filter((r) => r.state === 'closed' || r.state === 'failed');
    for (const record of ended.slice(0, Math.max(0, ended.length - MAX_ENDED_CIRCUITS))) this.circuits.delete(record.id);
  }

  private summary(record: CircuitRecord): CircuitSummary {
    return { id: record.id, hostIds: record.specs.map((s) => s.hostId ?? s.name), profileId: record.profileId, hopNames: record.specs.map((s) => s.name), state: record.state, error: record.error };
  }

  private setState(record: CircuitRecord, state: CircuitSummary['state']): void {
    record.state = state;
    this.changed.fire(this.summary(record));
  }

  private note(record: CircuitRecord, line: string): void {
    if (record.log.length >= MAX_LOG_LINES) record.log.splice(0, record.log.length - MAX_LOG_LINES + 1);
    record.log.push(`+${String(Date.now() - record.started).padStart(6)} ms  ${line}`);
  }

  private emitState(record: CircuitRecord, index: number, event: Omit<HopStateEvent, 'circuitId' | 'hop'>): void {
    this.hopState.fire({ circuitId: record.id, hop: { index, name: record.specs[index]!.name }, ...event });
  }

  /** Joins a live or connecting hop with this key, or connects it. */
  private async acquire(record: CircuitRecord, key: string, index: number, spec: HopSpec): Promise<PoolEntry> {
    const existing = this.pool.get(key);
    if (existing && !existing.dead && !existing.closing) {
      existing.refs++;
      try {
        const live = existing.live ?? (await existing.connecting!);
        this.note(record, `hop ${index + 1} (${spec.name}): shared with another circuit (${existing.refs} users)`);
        this.emitState(record, index, { state: 'ready', timings: {}, authMethod: live.authMethod, hostKeyFingerprint: live.hostKey.sha256, shared: true });
        return existing;
      } catch (error) {
        existing.refs--;
        // The circuit that was connecting this hop was closed at its prompt: that person's
        // "cancel" is not this circuit's answer. Connect the hop afresh (asking this circuit's
        // questions) once the failed attempt has left the pool, as it has by now: its owner's
        // catch ran first, having awaited the same promise first.
        if (error instanceof HoplineError && error.code === ErrorCode.PROMPT_CANCELLED && record.state === 'opening' && this.pool.get(key) !== existing) {
          this.note(record, `hop ${index + 1} (${spec.name}): the circuit sharing it was cancelled; connecting it for this one`);
          return this.acquire(record, key, index, spec);
        }
        throw error;
      }
    }
    const parent = index === 0 ? null : record.entries[index - 1]!;
    const entry: PoolEntry = { key, index, name: spec.name, parent, connecting: null, live: null, refs: 1, dead: null, closing: false };
    const ctx: HopContext = { circuitId: record.id, ref: { index, name: spec.name }, count: record.specs.length, spec };
    entry.connecting = (async () => {
      const sock = parent ? await forwardThrough(parent.live!, ctx) : undefined;
      return connectHop(ctx, {
        hostKeyFiles: this.options.hostKeyFiles,
        prompts: this.options.prompts,
        secrets: this.options.secrets,
        log: (line) => this.note(record, line),
        state: (state, details) => this.emitState(record, index, { state, ...details }),
      }, sock);
    })();
    this.pool.set(key, entry);
    try {
      entry.live = await entry.connecting;
    } catch (error) {
      this.pool.delete(key);
      this.emitState(record, index, { state: 'failed', timings: {} });
      throw error;
    } finally {
      entry.connecting = null;
    }
    this.watch(entry);
    return entry;
  }

  /** Notices a hop dying after setup and fails every circuit through it. */
  private watch(entry: PoolEntry): void {
    const live = entry.live!;
    let lastError: Error | null = null;
    live.client.on('error', (err: Error) => (lastError = err));
    // Over a channel, a hop that dies may only 'end' (its carrier channel got EOF) and never 'close'.
    const died = (): void => {
      live.client.off('close', died);
      live.client.off('end', died);
      if (entry.closing) return;
      const why = lastError && /keepalive/i.test(lastError.message) ? `stopped answering keepalives` : `closed the connection`;
      entry.dead = new HoplineError(ErrorCode.HOP_LOST, `Hop ${entry.index + 1} (${entry.name}) ${why}.`, { index: entry.index, name: entry.name });
      if (this.pool.get(entry.key) === entry) this.pool.delete(entry.key);
      // Hops beyond a dead one die with it; let their events land, then name the dead hop nearest this computer.
      setTimeout(() => this.failCircuitsThrough(entry), 50);
    };
    live.client.on('close', died);
    live.client.on('end', died);
  }

  private failCircuitsThrough(dead: PoolEntry): void {
    for (const record of this.circuits.values()) {
      if (record.state !== 'open' || !record.entries.includes(dead)) continue;
      const first = record.entries.find((e) => e.dead)!;
      record.error = first.dead!.toWire();
      this.setState(record, 'failed');
      this.note(record, `lost: ${first.dead!.message}`);
      this.emitState(record, first.index, { state: 'failed', timings: {} });
      this.failed.fire({ circuitId: record.id, error: first.dead!.toWire() });
      void this.release(record);
    }
  }

  /**
   * Drops this circuit's references at once (so a hop another circuit still uses is never ended,
   * and one nobody uses is never handed out again), then ends the unused hops target first.
   */
  private release(record: CircuitRecord): Promise<void> {
    const unused: PoolEntry[] = [];
    for (const entry of record.entries.splice(0).reverse()) {
      if (--entry.refs > 0) continue;
      entry.closing = true;
      if (this.pool.get(entry.key) === entry) this.pool.delete(entry.key);
      unused.push(entry);
    }
    // Disconnects are started target first and travel in that order over the shared carriers;
    // waiting for each hop's close before starting the next would only add round trips.
    this.forgetOldCircuits();
    const ending = Promise.all(
      unused.map(async (entry) => {
        this.note(record, `hop ${entry.index + 1} (${entry.name}): closing`);
        await entry.live?.end();
        this.emitState(record, entry.index, { state: 'closed', timings: {} });
      }),
    ).then(() => undefined);
    this.ending.add(ending);
    void ending.finally(() => this.ending.delete(ending));
    return ending;
  }
}
