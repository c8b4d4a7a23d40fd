/** What the transfer queue's rows say (issue 16): bars, rate, time left, and the overall bar. */
import { describe, expect, it } from 'vitest';
import { dropTransfer, EMPTY_TRANSFERS, etaText, fraction, overall, progressText, putTransfer, rateText, transfersFrom, transfersOf } from '../../../../app/renderer/stores/transfersLogic';
import type { TransferStatus } from '../../../../app/shared/model/remoteFile';

function t(extra: Partial<TransferStatus> = {}): TransferStatus {
  return { transferId: 't1', circuitId: 'c1', direction: 'upload', label: 'a.bin', state: 'running', scanning: false, bytesDone: 0, bytesTotal: 0, filesDone: 0, filesTotal: 1, filesSkipped: 0, notes: [], startedAt: 1, ...extra };
}
const MiB = 1024 * 1024;

describe('the queue model', () => {
  it('puts, replaces in place and drops transfers; lists a circuit oldest first', () => {
    let m = putTransfer(EMPTY_TRANSFERS, t({ transferId: 'a' }));
    m = putTransfer(m, t({ transferId: 'b', circuitId: 'c2' }));
    m = putTransfer(m, t({ transferId: 'a', bytesDone: 5 }));
    expect(m.order).toEqual(['a', 'b']);
    expect(m.byId.a!.bytesDone).toBe(5);
    expect(transfersOf(m, 'c1').map((x) => x.transferId)).toEqual(['a']);
    expect(dropTransfer(m, 'a').order).toEqual(['b']);
    expect(dropTransfer(m, 'zzz')).toBe(m);
    expect(transfersFrom([t({ transferId: 'late', startedAt: 9 }), t({ transferId: 'early', startedAt: 2 })]).order).toEqual(['early', 'late']);
  });
});

describe('what a row says', () => {
  it('has a fraction only when the total is known', () => {
    expect(fraction(5, 10)).toBe(0.5);
    expect(fraction(15, 10)).toBe(1);
    expect(fraction(0, 0)).toBeNull();
  });
  it('says rate and time left as a person would', () => {
    expect(rateText(3.5 * MiB)).toBe('3.5 MiB/s');
    expect(rateText(undefined)).toBe('');
    expect(etaText(12.4)).toBe('12 s left');
    expect(etaText(245)).toBe('4 min 05 s left');
    expect(etaText(7800)).toBe('2 h 10 min left');
    expect(etaText(undefined)).toBe('');
  });
  it('puts bytes, files, rate and time left on one line while running', () => {
    expect(progressText(t({ bytesDone: 12 * MiB, bytesTotal: 64 * MiB, rateBytesPerSecond: 4 * MiB, etaSeconds: 13 }))).toBe('12 MiB of 64 MiB · 4.0 MiB/s · 13 s left');
    expect(progressText(t({ bytesDone: 2048, bytesTotal: 4096, filesDone: 3, filesTotal: 10, filesSkipped: 1, scanning: true }))).toBe('counting files… · 2.0 KiB of 4.0 KiB · 3 of 10 files · 1 skipped');
    expect(progressText(t({ state: 'done', bytesDone: 4096, bytesTotal: 4096, rateBytesPerSecond: 9 }))).toBe('Done · 4.0 KiB of 4.0 KiB');
    expect(progressText(t({ state: 'asking' }))).toBe('Waiting for your answer · 0 B');
  });
  it('adds up only the transfers under way for the overall bar', () => {
    const o = overall([t({ bytesDone: 10, bytesTotal: 40 }), t({ state: 'done', bytesDone: 100, bytesTotal: 100 }), t({ state: 'queued', bytesTotal: 60 })]);
    expect(o).toEqual({ active: 2, bytesDone: 10, bytesTotal: 100, fraction: 0.1 });
    expect(overall([]).fraction).toBeNull();
  });
});
