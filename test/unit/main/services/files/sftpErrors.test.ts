import { describe, expect, it } from 'vitest';
import { sftpError, SFTP_STATUS } from '../../../../../app/main/services/files/sftpErrors';
import { ErrorCode, HoplineError } from '../../../../../app/shared/model/errors';

const hop = { index: 2, name: 'target' };
const context = { hop, lost: (cause: unknown) => new HoplineError(ErrorCode.HOP_LOST, 'The connection to hop 2 (inner) was lost during the file operation', { index: 1, name: 'inner' }, String(cause)) };
const status = (code: number, message: string) => Object.assign(new Error(message), { code });

describe('sftpError', () => {
  it('maps SFTP statuses to typed errors naming the path and the target hop, with the server words in detail', () => {
    expect(sftpError(status(SFTP_STATUS.NO_SUCH_FILE, 'No such file'), '/srv/x', context).toWire()).toEqual({ code: 'FILE_NOT_FOUND', message: '/srv/x does not exist on hop 3 (target)', hop, detail: 'No such file' });
    expect(sftpError(status(SFTP_STATUS.PERMISSION_DENIED, 'Permission denied'), '/root', context, 'list').toWire()).toEqual({ code: 'PERMISSION_DENIED', message: 'Hop 3 (target) denied permission to list /root', hop, detail: 'Permission denied' });
    expect(sftpError(status(SFTP_STATUS.FAILURE, 'Failure'), '/x', context, 'delete').toWire()).toMatchObject({ code: 'SFTP_FAILED', message: 'Hop 3 (target) could not delete /x', detail: 'Failure' });
    expect(sftpError(status(SFTP_STATUS.OP_UNSUPPORTED, 'nope'), '/x', context).code).toBe('SFTP_FAILED');
  });

  it('says a lost session is a lost hop', () => {
    for (const error of [new Error('No response from server'), status(SFTP_STATUS.CONNECTION_LOST, 'lost'), status(SFTP_STATUS.NO_CONNECTION, 'none')]) {
      expect(sftpError(error, '/x', context)).toMatchObject({ code: 'HOP_LOST', hop: { index: 1, name: 'inner' } });
    }
  });

  it('escapes the path and the server words, and bounds them', () => {
    const e = sftpError(status(SFTP_STATUS.NO_SUCH_FILE, `\x1b]0;pwned\x07${'w'.repeat(5000)}`), `/tmp/\u202Eevil\x1b[2J${'p'.repeat(1000)}`, context);
    expect(e.message).toContain('/tmp/\\u{202e}evil\\x1b[2J');
    expect(e.message.includes('\x1b') || e.message.includes('\u202e')).toBe(false);
    expect(e.message.length).toBeLessThan(400);
    expect(e.detail!.startsWith('\\x1b]0;pwned\\x07')).toBe(true);
    expect(e.detail!.length).toBeLessThanOrEqual(500);
  });

  it('passes a HoplineError through', () => {
    const own = new HoplineError(ErrorCode.SFTP_FAILED, 'mine');
    expect(sftpError(own, '/x', context)).toBe(own);
  });
});
