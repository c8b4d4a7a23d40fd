/** `hopline cp`'s reading of its command line: scp's host:path operands and options. */
import { describe, expect, it } from 'vitest';
import { CpUsageError, parseCpArgs, parseOperand, planCopy, progressLine } from '../../../../app/main/cli/cpCommand';
import { contentDisposition } from '../../../../app/main/transports/fileRoutes';
import { numberedName, TransferRate } from '../../../../app/main/services/files/transferRate';
import type { TransferStatus } from '../../../../app/shared/model/remoteFile';

describe('parseOperand (scp rules)', () => {
  it('host:path when a colon comes before any slash', () => {
    expect(parseOperand('web:/var/log')).toEqual({ remote: true, host: 'web', path: '/var/log' });
    expect(parseOperand('ops@web:logs')).toEqual({ remote: true, host: 'ops@web', path: 'logs' });
    expect(parseOperand('web:')).toEqual({ remote: true, host: 'web', path: '' });
    expect(parseOperand('[2001:db8::1]:x')).toEqual({ remote: true, host: '[2001:db8::1]', path: 'x' });
    expect(parseOperand('ops@[::1]:/tmp')).toEqual({ remote: true, host: 'ops@[::1]', path: '/tmp' });
  });
  it('local when a slash comes first, or the path is written ./ or /', () => {
    expect(parseOperand('dir/a:b')).toEqual({ remote: false, path: 'dir/a:b' });
    expect(parseOperand('./a:b')).toEqual({ remote: false, path: './a:b' });
    expect(parseOperand('/abs/x')).toEqual({ remote: false, path: '/abs/x' });
    expect(parseOperand('plain.txt')).toEqual({ remote: false, path: 'plain.txt' });
  });
});

describe('planCopy', () => {
  it('upload and download by which side is remote', () => {
    expect(planCopy(['a', 'b', 'web:/tmp'])).toEqual({ direction: 'upload', host: 'web', sources: ['a', 'b'], destination: '/tmp' });
    expect(planCopy(['web:x', 'web:', '.'])).toEqual({ direction: 'download', host: 'web', sources: ['x', '.'], destination: '.' });
  });
  it('refuses two hosts, remote to remote, mixed sources, and no remote side', () => {
    expect(() => planCopy(['a:x', 'b:y'])).toThrow(CpUsageError);
    expect(() => planCopy(['a:x', 'a:y'])).toThrow(/one side must be local/);
    expect(() => planCopy(['a:x', 'local', 'dir'])).toThrow(/every source must be remote/);
    expect(() => planCopy(['x', 'y'])).toThrow(/one side must be remote/);
  });
});

describe('parseCpArgs', () => {
  it('takes bundled flags, -J lists, -P, and -- before operands', () => {
    const args = parseCpArgs(['-rp', '-J', 'a,b', '-P', '2222', '--', '-odd-name', 'web:']);
    expect(args).toMatchObject({ recursive: true, preserve: true, via: ['a', 'b'], port: 2222, operands: ['-odd-name', 'web:'] });
  });
  it('refuses an unknown option, too few operands, and --profile with -J', () => {
    expect(() => parseCpArgs(['-x', 'a', 'b:'])).toThrow(/unknown option -x/);
    expect(() => parseCpArgs(['a'])).toThrow(/at least one source/);
    expect(() => parseCpArgs(['--profile', 'p', '-J', 'a', 'x', ':y'])).toThrow(/--profile names the whole circuit/);
  });
});

describe('progress and names', () => {
  const status: TransferStatus = { transferId: 't', circuitId: 'c', direction: 'download', label: 'big.bin', state: 'running', scanning: false, bytesDone: 50 * 1024 * 1024, bytesTotal: 100 * 1024 * 1024, filesDone: 0, filesTotal: 1, filesSkipped: 0, rateBytesPerSecond: 10 * 1024 * 1024, etaSeconds: 5, notes: [], startedAt: 0 };
  it('a progress line says percent, bytes, rate and ETA, and escapes a hostile name', () => {
    const line = progressLine(status, 80);
    expect(line).toMatch(/^big\.bin\s+ 50%\s+50 MiB\s+10 MiB\/s\s+00:05 ETA$/);
    expect(line.length).toBeLessThanOrEqual(80);
    expect(progressLine({ ...status, currentFile: { path: 'evil\x1b]0;x\x07', bytesDone: 0, bytesTotal: 1 } })).not.toContain('\x1b');
  });
  it('numbered names keep the extension, and a hidden file has none', () => {
    expect(numberedName('report.pdf', 1)).toBe('report (1).pdf');
    expect(numberedName('.bashrc', 2)).toBe('.bashrc (2)');
    expect(numberedName('Makefile', 3)).toBe('Makefile (3)');
  });
  it('the rate is measured over a window, and unknown until it holds enough time', () => {
    const rate = new TransferRate(5000, 500);
    rate.sample(0, 0);
    expect(rate.rate()).toBeUndefined();
    rate.sample(1000, 1000);
    expect(rate.rate()).toBe(1000);
    expect(rate.eta(5000)).toBe(5);
    // Old samples leave the window: a stall shows.
    rate.sample(7000, 1000);
    rate.sample(8000, 1000);
    expect(rate.rate()).toBe(0);
  });
  it('Content-Disposition: the real name in UTF-8, an ASCII fallback, and "download" for an unsafe name', () => {
    expect(contentDisposition('résumé "v2".pdf')).toBe(`attachment; filename="r_sum_ _v2_.pdf"; filename*=UTF-8''r%C3%A9sum%C3%A9%20%22v2%22.pdf`);
    expect(contentDisposition('..')).toBe(`attachment; filename="download"; filename*=UTF-8''download`);
    expect(contentDisposition('CON.txt')).toContain('filename="download"');
  });
});
