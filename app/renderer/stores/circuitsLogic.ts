/**
 * Pure reducers of the circuits store: live hop states from onDidChangeHopState, circuit
 * summaries from onDidChange/onDidFail, and which circuit the window is looking at.
 */
import { ErrorCode, type WireError } from '../../shared/model/errors';
import type { AuthMethodKind, CircuitSummary, HopStateEvent, HopStateName, HopTimings } from '../../shared/model/hop';
import { hostCertificateFacts } from '../../shared/model/hostCertificateFacts';
import { toPlainText } from '../../shared/model/plainText';
import type { HostCertificateNote } from '../../shared/model/prompt';
import { hopTimingsLine } from './hopTimingsText';

export interface HopLive {
  index: number;
  name: string;
  state: HopStateName;
  timings: HopTimings;
  shared: boolean;
  authMethod?: AuthMethodKind;
  hostKeyFingerprint?: string;
  hostCertificate?: HostCertificateNote;
}

/** A hop as the live view shows it: 'pending' until the engine reports on it. */
export interface HopRow extends Omit<HopLive, 'state'> {
  state: HopStateName | 'pending';
  failing: boolean;
}

function definedTimings(timings: HopTimings): HopTimings {
  return Object.fromEntries(Object.entries(timings).filter(([, v]) => typeof v === 'number')) as HopTimings;
}

/** Merges one event into a circuit's hops: timings accumulate, since each event reports only what it measured. */
export function applyHopState(hops: readonly HopLive[] | undefined, event: HopStateEvent): HopLive[] {
  const next = [...(hops ?? [])];
  const previous = next[event.hop.index];
  next[event.hop.index] = {
    index: event.hop.index,
    name: event.hop.name,
    state: event.state,
    timings: { ...previous?.timings, ...definedTimings(event.timings) },
    shared: event.shared ?? previous?.shared ?? false,
    ...((event.authMethod ?? previous?.authMethod) ? { authMethod: event.authMethod ?? previous?.authMethod } : {}),
    ...((event.hostKeyFingerprint ?? previous?.hostKeyFingerprint) ? { hostKeyFingerprint: event.hostKeyFingerprint ?? previous?.hostKeyFingerprint } : {}),
    ...((event.hostCertificate ?? previous?.hostCertificate) ? { hostCertificate: event.hostCertificate ?? previous?.hostCertificate } : {}),
  };
  return next;
}

/**
 * A failed circuit being repaired (Reconnect, Retry): hops still up keep their row (the engine
 * reuses them as they are), the others start over, so no timing or auth method of an earlier
 * attempt is shown as if it were this one's.
 */
export function hopsForRepair(hops: readonly HopLive[] | undefined): HopLive[] {
  const next: HopLive[] = [];
  hops?.forEach((hop, index) => {
    if (hop?.state === 'ready') next[index] = hop;
  });
  return next;
}

/** A failure event may arrive before or after the summary that says 'failed'; either way the circuit ends up failed with the error. */
export function applyFailure(circuit: CircuitSummary | undefined, circuitId: string, error: WireError): CircuitSummary {
  return { ...(circuit ?? { id: circuitId, hostIds: [], profileId: null, hopNames: [] }), id: circuitId, state: 'failed', error };
}

/** The rows of the live view: every hop of the circuit, with what is known of it. */
export function hopRows(circuit: CircuitSummary, hops: readonly HopLive[] | undefined): HopRow[] {
  const failingIndex = circuit.state === 'failed' ? (circuit.error?.hop?.index ?? null) : null;
  const count = Math.max(circuit.hopNames.length, hops?.length ?? 0, failingIndex === null ? 0 : failingIndex + 1);
  return Array.from({ length: count }, (_, index) => {
    const live = hops?.[index];
    const name = circuit.hopNames[index] ?? live?.name ?? (failingIndex === index ? circuit.error?.hop?.name : undefined) ?? `hop ${index + 1}`;
    const failing = failingIndex === index;
    // A circuit opened before this window loaded has no hop events: infer from its state.
    const inferred: HopRow['state'] = failing ? 'failed' : circuit.state === 'open' ? 'ready' : circuit.state === 'closed' ? 'closed' : 'pending';
    return {
      index,
      name,
      state: failing ? 'failed' : (live?.state ?? inferred),
      timings: live?.timings ?? {},
      shared: live?.shared ?? false,
      failing,
      ...(live?.authMethod ? { authMethod: live.authMethod } : {}),
      ...(live?.hostKeyFingerprint ? { hostKeyFingerprint: live.hostKeyFingerprint } : {}),
      ...(live?.hostCertificate ? { hostCertificate: live.hostCertificate } : {}),
    };
  });
}

/** A request to open made from this window: the id it chose, to recognise its circuit among the events. */
export interface PendingOpen {
  circuitId: string;
}

/** Whether a summary is the circuit this window just asked for. */
export function matchesPending(pending: PendingOpen | null, circuit: CircuitSummary): boolean {
  return pending !== null && circuit.id === pending.circuitId;
}

/** Changed and revoked keys are refused by the engine; the user must be told, not asked. */
export function isHostKeyAlarm(error: WireError | null | undefined): boolean {
  return error?.code === ErrorCode.HOST_KEY_CHANGED || error?.code === ErrorCode.HOST_KEY_REVOKED;
}

export interface HostKeyAlert {
  circuitId: string;
  error: WireError;
  /** How many hops the circuit has, for "hop 2 of 3"; null if unknown. */
  hopCount: number | null;
}

/** Adds the alert for a failed circuit once, unless the user already closed it. */
export function addHostKeyAlert(alerts: readonly HostKeyAlert[], dismissed: readonly string[], alert: HostKeyAlert): HostKeyAlert[] {
  if (!isHostKeyAlarm(alert.error) || dismissed.includes(alert.circuitId) || alerts.some((a) => a.circuitId === alert.circuitId)) return [...alerts];
  return [...alerts, alert];
}


/**
 * The text "Copy details" puts on the clipboard: what a colleague needs to help, and no secret.
 * Server-influenced text goes through toPlainText, since it is likely to be pasted into a terminal.
 */
export function formatCircuitDetails(circuit: CircuitSummary, rows: readonly HopRow[], log: readonly string[]): string {
  const lines = [
    `Hopline circuit ${circuit.id}`,
    `State: ${circuit.state}`,
    `Hops: ${circuit.hopNames.join(' -> ') || '(none)'}`,
    ...rows.map((row) => {
      const extra = [hopTimingsLine(row.timings), row.authMethod ? `auth ${row.authMethod}` : '', row.shared ? 'shared' : '', row.hostKeyFingerprint ?? '', row.hostCertificate ? `certified: ${hostCertificateFacts(row.hostCertificate)}` : ''].filter(Boolean).join(', ');
      return `  ${row.index + 1}. ${toPlainText(row.name)}: ${row.state}${extra ? ` (${extra})` : ''}`;
    }),
  ];
  if (circuit.error) {
    const where = circuit.error.hop ? ` at hop ${circuit.error.hop.index + 1} (${circuit.error.hop.name})` : '';
    lines.push(`Error${where}: ${circuit.error.code}: ${toPlainText(circuit.error.message)}`);
    if (circuit.error.detail) lines.push(`Detail: ${toPlainText(circuit.error.detail)}`);
  }
  lines.push('', 'Event log:', ...(log.length > 0 ? log.map((line) => toPlainText(line)) : ['(empty)']));
  return lines.join('\n');
}
