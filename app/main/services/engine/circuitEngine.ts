/**
 * Circuits of hops, with shared prefixes. Each live hop sits in a pool under the key of the whole
 * chain up to it (same hops, users and options), so circuits that start alike reuse the same
 * connections: one bastion serves several targets, and a second target through a warm bastion
 * costs one handshake. Every circuit holds a reference on each hop of its chain; when the last
 * reference goes, hops close from the target outward.
 *
 * When a hop dies (closed, or keepalive unanswered), every circuit through it fails with an error
 * naming the innermost hop that died, and releases the dead hop and those beyond it. The hops
 * before it that are still up stay up, held by the failed circuit, so that repair() (Reconnect,
 * Retry) rebuilds only what died and asks MFA only where a rebuilt hop needs it. A circuit that
 * fails while opening keeps its live prefix the same way (a target that is down must not cost
 * the bastion's code again), unless the person cancelled or closed it.
 *
 * How long a failed circuit keeps its live prefix: until repair() takes it, close() ends it
 * (closing the tab or the circuit), dispose(), a kept hop dies, or KEEP_LIVE_PREFIX_MS pass
 * with none of these. Ten minutes covers a target's reboot or an sshd restart, the cases a
 * Reconnect is for, and is what people commonly give OpenSSH's ControlPersist; after that the
 * hops are released as before. A failed circuit never takes a new user (the pool hands out
 * its hops to other circuits as usual, counted by references), so nothing is half-open: the
 * circuit is 'failed' and says so, and its kept hops are shown 'ready' because they are.
 */
import { randomUUID } from 'node:crypto';
import type { Client } from 'ssh2';
import { ErrorCode, HoplineError, type WireError } from '../../../shared/model/errors';
import { hopName } from '../../../shared/model/hopName';
import { Emitter } from '../../../shared/model/event';
import type { CircuitSummary, HopStateEvent } from '../../../shared/model/hop';
import { connectHop, forwardThrough, type HopContext, type LiveHop } from './hopConnector';
import { MAX_CIRCUIT_DEPTH, type HopSpec } from './hopSpec';
import type { HopSecrets } from './hopSecrets';
import type { HostKeyFiles, HostKeyOutcome } from './hostKeyPolicy';
import type { PromptBroker } from './promptBroker';

/** The certificate a CA vouched for a hop's key with, for its hop card. */
function certified(hostKey: HostKeyOutcome): Pick<HopStateEvent, 'hostCertificate'> {
  return hostKey.certificate ? { hostCertificate: hostKey.certificate } : {};
}

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
  /** While failed with a live prefix kept: the timer that releases it (KEEP_LIVE_PREFIX_MS). */
  hold: ReturnType<typeof setTimeout> | null;
}

export interface CircuitEngineOptions {
  hostKeyFiles: HostKeyFiles;
  prompts: PromptBroker;
  /** Saved secrets for hops with a host id (the credential store); absent: always ask. */
  secrets?: HopSecrets;
  /** How long a failed circuit keeps its live hops for repair(); default KEEP_LIVE_PREFIX_MS. */
  keepLivePrefixMs?: number;
}

/** See the head of this file: a failed circuit's live hops are released after this long. */
export const KEEP_LIVE_PREFIX_MS = 10 * 60_000;

const MAX_LOG_LINES = 2000;
/** Ended circuits kept for their event logs ("copy details"); older ones are forgotten. */
const MAX_ENDED_CIRCUITS = 100;

/** What makes two hops "the same" for sharing: everything that shapes the connection. */
function hopIdentity(spec: HopSpec): string {
  return JSON.stringify([spec.host.toLowerCase(), spec.port, spec.user, spec.auth, spec.proxy ?? null, spec.agentForward ?? false, spec.keepaliveIntervalMs ?? 0, spec.keepaliveCountMax ?? 3]);
}

/** The pool key of each hop: the identities of the chain up to and including it. */
function chainKeys(specs: readonly HopSpec[]): string[] {
  let key = '';
  return specs.map((spec) => (key += `|${hopIdentity(spec)}`));
}

function hopLabel(index: number, name: string): string {
  return hopName({ index, name });
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
    const record: CircuitRecord = { id: circuitId, specs, entries: [], state: 'opening', profileId: options.profileId ?? null, error: null, log: [], started: Date.now(), hold: null };
    this.circuits.set(circuitId, record);
    this.setState(record, 'opening');
    this.note(record, `opening a circuit of ${specs.length} hop(s): ${specs.map((s) => `${s.user}@${s.host}:${s.port}`).join(' -> ')}`);
    return this.build(record, 'open');
  }

  /**
   * Brings a failed circuit back under the same id: the hops it kept that are still up (and,
   * with `specs`, still the same hop: a host edited since is rebuilt) are reused as they are,
   * and only the hops from the first dead one on are connected again, asking only what those
   * need. The event log says which hops were reused and which rebuilt. An open circuit has
   * nothing to repair and is returned as it is.
   */
  async repair(circuitId: string, specs?: HopSpec[]): Promise<CircuitSummary> {
    const record = this.circuits.get(circuitId);
    if (!record) throw new HoplineError(ErrorCode.INVALID_ARGUMENT, `No circuit ${circuitId} (it ended long ago, or never existed)`);
    if (record.state === 'open') return this.summary(record);
    if (record.state === 'opening') throw new HoplineError(ErrorCode.INVALID_ARGUMENT, 'This circuit is connecting already');
    if (record.state === 'closed') throw new HoplineError(ErrorCode.INVALID_ARGUMENT, 'This circuit was closed; open it again instead');
    const next = specs ?? record.specs;
    validateCircuit(next);
    const keys = chainKeys(next);
    let keep = 0;
    while (keep < record.entries.length && keep < next.length) {
      const entry = record.entries[keep]!;
      if (entry.key !== keys[keep] || entry.dead || entry.closing || !entry.live) break;
      keep++;
    }
    this.stopHolding(record);
    record.error = null;
    this.setState(record, 'opening');
    this.note(record, `reconnecting: ${keep} of ${next.length} hop(s) still up`);
    // Hops that will be rebuilt are ended first, so their 'closed' cannot land after the new attempt's events.
    await this.releaseFrom(record, keep);
    record.specs = next;
    record.entries.forEach((entry, index) => {
      this.note(record, `${hopLabel(index, next[index]!.name)}: still connected, reused`);
      this.emitState(record, index, { state: 'ready', timings: {}, authMethod: entry.live!.authMethod, hostKeyFingerprint: entry.live!.hostKey.sha256, ...certified(entry.live!.hostKey), shared: entry.refs > 1 });
    });
    for (let index = keep; index < next.length; index++) this.note(record, `${hopLabel(index, next[index]!.name)}: rebuilding`);
    return this.build(record, 'reconnected');
  }

  /** Connects the circuit's hops after those it holds, then marks it open; on failure, fails it (see the head of the file). */
  private async build(record: CircuitRecord, done: 'open' | 'reconnected'): Promise<CircuitSummary> {
    const started = Date.now();
    const { specs } = record;
    const keys = chainKeys(specs);
    try {
      // Closed while a repair was ending the hops it rebuilds.
      if (record.state !== 'opening') throw new HoplineError(ErrorCode.HOP_LOST, `The circuit was closed while opening`);
      for (let index = record.entries.length; index < specs.length; index++) {
        const spec = specs[index]!;
        const entry = await this.acquire(record, keys[index]!, index, spec);
        record.entries.push(entry);
        if (record.state !== 'opening') throw new HoplineError(ErrorCode.HOP_LOST, `The circuit was closed while opening`, { index, name: spec.name });
      }
      // A hop that died while later ones were connecting was not this circuit's to fail then.
      const dead = record.entries.find((e) => e.dead);
      if (dead) throw dead.dead!;
    } catch (error) {
      const typed = error instanceof HoplineError ? error : new HoplineError(ErrorCode.INTERNAL, 'Circuit failed unexpectedly');
      const givenUp = record.state === 'closed' || typed.code === ErrorCode.PROMPT_CANCELLED;
      this.note(record, `failed: ${typed.code}: ${typed.message}`);
      this.options.prompts.withdrawCircuit(record.id, typed);
      record.error = typed.toWire();
      this.setState(record, 'failed');
      if (givenUp) await this.release(record);
      else this.holdLivePrefix(record);
      this.failed.fire({ circuitId: record.id, error: typed.toWire() });
      throw typed;
    }
    this.setState(record, 'open');
    this.note(record, `${done} in ${Date.now() - started} ms`);
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
    const kept = record.state === 'failed' && record.entries.length > 0;
    // A failed circuit closed by its user is over: it is no longer there to repair.
    if (record.state === 'open' || kept) this.setState(record, 'closed');
    this.note(record, kept ? 'closing the hops kept for a reconnect' : 'closing');
    await this.release(record);
  }

  list(): CircuitSummary[] {
    return [...this.circuits.values()].filter((r) => r.state === 'open' || r.state === 'opening').map((r) => this.summary(r));
  }

  /** Whether this id names a circuit, live or recently ended (ids are never reused). */
  knows(circuitId: string): boolean {
    return this.circuits.has(circuitId);
  }

  /** The saved hosts the circuit's hops came from, or null if it is unknown or has a hop of no saved host. */
  savedHostIds(circuitId: string): string[] | null {
    const specs = this.circuits.get(circuitId)?.specs;
    if (!specs || specs.some((s) => !s.hostId)) return null;
    return specs.map((s) => s.hostId!);
  }

  /** What `ssh -v` would have said, with timestamps; never holds an answer or a secret. */
  eventLog(circuitId: string): string[] {
    return [...(this.circuits.get(circuitId)?.log ?? [])];
  }

  /**
   * For the gateway (`hopline proxy` through the control socket): each circuit's hops that are
   * up, hop 1 first, with their specs and connections. It never connects or asks anything; a
   * failed circuit's kept hops count, since they are up. Callers open channels on these
   * connections and must never end them: the circuits own them.
   */
  liveChains(): { circuitId: string; profileId: string | null; state: CircuitSummary['state']; hops: { spec: HopSpec; client: Client }[] }[] {
    const chains = [];
    for (const record of this.circuits.values()) {
      if (record.state !== 'open' && record.state !== 'failed') continue;
      const hops: { spec: HopSpec; client: Client }[] = [];
      for (const [index, entry] of record.entries.entries()) {
        if (!entry.live || entry.dead || entry.closing || !record.specs[index]) break;
        hops.push({ spec: record.specs[index], client: entry.live.client });
      }
      if (hops.length > 0) chains.push({ circuitId: record.id, profileId: record.profileId, state: record.state, hops });
    }
    return chains;
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
    // A failed circuit still holding hops is not ended yet: it is forgotten once it lets them go.
    const ended = [...this.circuits.values()].filter((r) => (r.state === 'closed' || r.state === 'failed') && r.entries.length === 0);
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
        this.emitState(record, index, { state: 'ready', timings: {}, authMethod: live.authMethod, hostKeyFingerprint: live.hostKey.sha256, ...certified(live.hostKey), shared: true });
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
      const at = record.entries.indexOf(dead);
      if (at < 0) continue;
      if (record.state === 'failed') {
        // One of the hops kept for a reconnect died: it and those beyond it go.
        this.note(record, `kept ${hopLabel(at, dead.name)} was lost: ${dead.dead!.message}`);
        void this.releaseFrom(record, at);
        if (record.entries.length === 0) this.stopHolding(record);
        continue;
      }
      if (record.state !== 'open') continue;
      const first = record.entries.find((e) => e.dead)!;
      record.error = first.dead!.toWire();
      this.setState(record, 'failed');
      this.note(record, `lost: ${first.dead!.message}`);
      this.emitState(record, first.index, { state: 'failed', timings: {} });
      this.failed.fire({ circuitId: record.id, error: first.dead!.toWire() });
      this.holdLivePrefix(record);
    }
  }

  /**
   * A failed circuit: releases its hops from the first dead one on, and keeps the live ones
   * before it for repair() until KEEP_LIVE_PREFIX_MS pass (see the head of the file).
   */
  private holdLivePrefix(record: CircuitRecord): void {
    const firstDead = record.entries.findIndex((e) => e.dead || e.closing || !e.live);
    if (firstDead >= 0) void this.releaseFrom(record, firstDead);
    this.stopHolding(record);
    if (record.entries.length === 0) return;
    const ms = this.options.keepLivePrefixMs ?? KEEP_LIVE_PREFIX_MS;
    const kept = record.entries.map((e, index) => hopLabel(index, record.specs[index]?.name ?? e.name)).join(', ');
    this.note(record, `keeping ${kept} up for a reconnect (released after ${Math.round(ms / 1000)} s without one)`);
    record.hold = setTimeout(() => {
      record.hold = null;
      this.note(record, `no reconnect within ${Math.round(ms / 1000)} s: closing the hops kept for it`);
      void this.release(record);
    }, ms);
    // A kept hop must not keep a process (the CLI, a test) alive by its timer alone.
    record.hold.unref?.();
  }

  private stopHolding(record: CircuitRecord): void {
    if (record.hold) clearTimeout(record.hold);
    record.hold = null;
  }

  /**
   * Drops this circuit's references at once (so a hop another circuit still uses is never ended,
   * and one nobody uses is never handed out again), then ends the unused hops target first.
   */
  private release(record: CircuitRecord): Promise<void> {
    this.stopHolding(record);
    return this.releaseFrom(record, 0);
  }

  /** release() for the circuit's hops from `from` on (the target side), keeping those before. */
  private releaseFrom(record: CircuitRecord, from: number): Promise<void> {
    const unused: PoolEntry[] = [];
    for (const entry of record.entries.splice(from).reverse()) {
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
        this.note(record, `${hopLabel(entry.index, entry.name)}: closing`);
        await entry.live?.end();
        this.emitState(record, entry.index, { state: 'closed', timings: {} });
      }),
    ).then(() => undefined);
    this.ending.add(ending);
    void ending.finally(() => this.ending.delete(ending));
    return ending;
  }
}
