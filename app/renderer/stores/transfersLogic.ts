/**
 * Pure logic of the transfer queue's view (issue 16): the store's list, what a row says (progress,
 * rate, time left), and the overall bar of a circuit's transfers. No DOM, no rpc: tested alone.
 */
import type { TransferStatus } from '../../shared/model/remoteFile';
import { formatBytes } from '../../shared/model/byteSize';

/** Transfers by id, and their order (oldest first, as the queue runs them). */
export interface TransfersModel {
  byId: Readonly<Record<string, TransferStatus>>;
  order: readonly string[];
}
export const EMPTY_TRANSFERS: TransfersModel = { byId: {}, order: [] };

export function putTransfer(model: TransfersModel, status: TransferStatus): TransfersModel {
  const known = model.byId[status.transferId] !== undefined;
  return { byId: { ...model.byId, [status.transferId]: status }, order: known ? model.order : [...model.order, status.transferId] };
}

export function dropTransfer(model: TransfersModel, transferId: string): TransfersModel {
  if (!model.byId[transferId]) return model;
  const byId = { ...model.byId };
  delete byId[transferId];
  return { byId, order: model.order.filter((id) => id !== transferId) };
}

/** A whole transfers() answer, in the order the queue started them. */
export function transfersFrom(list: readonly TransferStatus[]): TransfersModel {
  let model = EMPTY_TRANSFERS;
  for (const status of [...list].sort((a, b) => a.startedAt - b.startedAt)) model = putTransfer(model, status);
  return model;
}

/** A circuit's transfers, oldest first. */
export function transfersOf(model: TransfersModel, circuitId: string): TransferStatus[] {
  return model.order.map((id) => model.byId[id]!).filter((t) => t.circuitId === circuitId);
}

export function isActive(t: TransferStatus): boolean {
  return t.state === 'queued' || t.state === 'running' || t.state === 'asking';
}

/** 0..1, or null while the total is unknown (a folder still being walked, an empty file). */
export function fraction(done: number, total: number): number | null {
  if (!(total > 0)) return null;
  return Math.max(0, Math.min(1, done / total));
}

/** The overall bar of the circuit's transfers still under way: bytes done of bytes known. */
export function overall(transfers: readonly TransferStatus[]): { active: number; bytesDone: number; bytesTotal: number; fraction: number | null } {
  const active = transfers.filter(isActive);
  const bytesDone = active.reduce((n, t) => n + t.bytesDone, 0);
  const bytesTotal = active.reduce((n, t) => n + t.bytesTotal, 0);
  return { active: active.length, bytesDone, bytesTotal, fraction: fraction(bytesDone, bytesTotal) };
}

/** "3.4 MiB/s". */
export function rateText(bytesPerSecond: number | undefined): string {
  if (bytesPerSecond === undefined || !Number.isFinite(bytesPerSecond) || bytesPerSecond < 0) return '';
  return `${formatBytes(Math.round(bytesPerSecond))}/s`;
}

/** Seconds left as a person says it: "12 s", "4 min 05 s", "2 h 10 min". */
export function etaText(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return '';
  const s = Math.round(seconds);
  if (s < 60) return `${s} s left`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s left`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min left`;
}

const STATE_WORDS: Record<TransferStatus['state'], string> = {
  queued: 'Waiting',
  running: '',
  asking: 'Waiting for your answer',
  done: 'Done',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

/**
 * The row's one line under its bar: "12 MiB of 64 MiB · 3.4 MiB/s · 15 s left", or what
 * state it is in, with file counts for transfers of more than one file.
 */
export function progressText(t: TransferStatus): string {
  const parts: string[] = [];
  const words = STATE_WORDS[t.state];
  if (words) parts.push(words);
  if (t.scanning) parts.push('counting files…');
  parts.push(t.bytesTotal > 0 ? `${formatBytes(t.bytesDone)} of ${formatBytes(t.bytesTotal)}` : formatBytes(t.bytesDone));
  if (t.filesTotal > 1) parts.push(`${t.filesDone} of ${t.filesTotal} files`);
  if (t.filesSkipped > 0) parts.push(`${t.filesSkipped} skipped`);
  if (t.state === 'running') {
    const rate = rateText(t.rateBytesPerSecond);
    const eta = etaText(t.etaSeconds);
    if (rate) parts.push(rate);
    if (eta) parts.push(eta);
  }
  return parts.join(' · ');
}
