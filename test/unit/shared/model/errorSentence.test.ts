import { describe, expect, it } from 'vitest';
import { describeAnyError, describeWireError, errorDetailsText } from '../../../../app/shared/model/errorSentence';
import { ErrorCode, HoplineError } from '../../../../app/shared/model/errors';
import { hopName, hopNameAtStart } from '../../../../app/shared/model/hopName';

const INNER = { index: 1, name: 'inner' };
const ALL_CODES = Object.values(ErrorCode);
const CODE_ANYWHERE = new RegExp(`\\b(${ALL_CODES.join('|')})\\b`);

/** A plain sentence: starts with a capital (or a quote/path), ends with a full stop, holds no raw code. */
function expectPlainSentence(sentence: string): void {
  expect(sentence).toMatch(/^[A-Z"'~/]/);
  expect(sentence).toMatch(/[.!?]["')]?$/);
  expect(sentence).not.toMatch(CODE_ANYWHERE);
  expect(sentence).not.toMatch(/[\r\n]/);
}

describe('hopName: the one hop-naming form', () => {
  it('is "hop N (name)", 1-based, and capitalised at the start of a sentence', () => {
    expect(hopName({ index: 0, name: 'bastion-mfa' })).toBe('hop 1 (bastion-mfa)');
    expect(hopNameAtStart(INNER)).toBe('Hop 2 (inner)');
  });
});

describe('describeWireError', () => {
  it.each(ALL_CODES)('%s has its own plain sentence, naming the hop, when the message is empty', (code) => {
    const withHop = describeWireError({ code, message: '', hop: INNER });
    expectPlainSentence(withHop.sentence);
    expect(withHop.code).toBe(code);
    const withoutHop = describeWireError({ code, message: '' });
    expectPlainSentence(withoutHop.sentence);
    expect(withoutHop.sentence).not.toMatch(/\bhop \d/i);
  });

  it.each(ALL_CODES)('%s: a message that is a raw code never leads the sentence; the code stays for Details', (code) => {
    for (const message of [code, `${code}: gone`]) {
      const described = describeWireError({ code, message, hop: INNER });
      expectPlainSentence(described.sentence);
      expect(described.message).toBe(message);
      expect(errorDetailsText(described)).toContain(`Code: ${code}`);
    }
  });

  it('names the hop in every hop-specific sentence', () => {
    const hopCodes = [
      ErrorCode.AUTH_FAILED,
      ErrorCode.HOP_UNREACHABLE,
      ErrorCode.HOP_TIMEOUT,
      ErrorCode.HOP_LOST,
      ErrorCode.HANDSHAKE_FAILED,
      ErrorCode.FORWARD_REFUSED,
      ErrorCode.PROXY_FAILED,
      ErrorCode.HOST_KEY_CHANGED,
      ErrorCode.HOST_KEY_REVOKED,
      ErrorCode.HOST_KEY_REJECTED,
      ErrorCode.HOST_KEY_UNKNOWN,
      ErrorCode.PROMPT_CANCELLED,
    ];
    for (const code of hopCodes) expect(describeWireError({ code, message: '', hop: INNER }).sentence, code).toMatch(/\b[Hh]op 2 \(inner\)/);
  });

  it('says a cancelled sign-in as the person did it', () => {
    expect(describeWireError({ code: 'PROMPT_CANCELLED', message: 'PROMPT_CANCELLED', hop: { index: 0, name: 'bastion-mfa' } }).sentence).toBe('You cancelled sign-in to hop 1 (bastion-mfa).');
    expect(describeWireError({ code: 'PROMPT_CANCELLED', message: '' }).sentence).toBe('You cancelled sign-in.');
  });

  it('uses a message written for people as it is, with a capital and a full stop', () => {
    const described = describeWireError({ code: 'HOP_UNREACHABLE', message: 'hop 3 (target) at ops@10.0.3.3:22 is unreachable from hop 2 (inner)', hop: { index: 2, name: 'target' }, detail: 'hop 2 (inner) said: open failed' });
    expect(described.sentence).toBe('Hop 3 (target) at ops@10.0.3.3:22 is unreachable from hop 2 (inner).');
    // The server's "open failed" is only in the details.
    expect(described.sentence).not.toContain('open failed');
    expect(errorDetailsText(described)).toBe(['Code: HOP_UNREACHABLE', 'Hop: hop 3 (target)', 'Message: hop 3 (target) at ops@10.0.3.3:22 is unreachable from hop 2 (inner)', 'Detail: hop 2 (inner) said: open failed'].join('\n'));
  });

  it('adds the hop when a message forgot to name it', () => {
    expect(describeWireError({ code: 'HOP_LOST', message: 'The circuit was closed', hop: INNER }).sentence).toBe('Hop 2 (inner): The circuit was closed.');
  });

  it('keeps a message that ends in a quote or a question mark as it is', () => {
    expect(describeWireError({ code: 'PROXY_FAILED', message: 'HTTP proxy 127.0.0.1:3128 for hop 1 (b): refused: "HTTP/1.1 502 Bad Gateway"', hop: { index: 0, name: 'b' } }).sentence).toBe(
      'HTTP proxy 127.0.0.1:3128 for hop 1 (b): refused: "HTTP/1.1 502 Bad Gateway".',
    );
    expect(describeWireError({ code: 'INVALID_ARGUMENT', message: 'Was it deleted?' }).sentence).toBe('Was it deleted?');
  });

  it('never shows the message of a code not written for people, only under Details', () => {
    const described = describeWireError({ code: 'INTERNAL', message: 'Internal error in the main process' });
    expect(described.sentence).toBe('Something went wrong inside Hopline.');
    expect(errorDetailsText(described)).toContain('Message: Internal error in the main process');
  });

  it('makes server text inert in the sentence and in the details', () => {
    const described = describeWireError({ code: 'AUTH_FAILED', message: 'hop 2 (inner) said \x1b[2Jno', hop: INNER, detail: 'bell\x07' });
    expect(described.sentence).not.toContain('\x1b');
    expect(described.detail).toBe('bell\\x07');
  });

  it('gives a code it does not know a generic sentence rather than its text', () => {
    const described = describeWireError({ code: 'FROM_THE_FUTURE' as ErrorCode, message: 'FROM_THE_FUTURE: x' });
    expectPlainSentence(described.sentence);
    expect(described.code).toBeNull();
  });
});

describe('describeAnyError', () => {
  it('describes a typed error by its wire form, the detail included', () => {
    const described = describeAnyError(new HoplineError('HOP_UNREACHABLE', 'Cannot reach host 10.0.0.1:22 for hop 1 (b): connection refused', { index: 0, name: 'b' }, 'ECONNREFUSED'));
    expect(described).toEqual({
      sentence: 'Cannot reach host 10.0.0.1:22 for hop 1 (b): connection refused.',
      code: 'HOP_UNREACHABLE',
      message: 'Cannot reach host 10.0.0.1:22 for hop 1 (b): connection refused',
      detail: 'ECONNREFUSED',
      hop: { index: 0, name: 'b' },
    });
  });

  it('gives anything else a generic sentence, its own text only under Details', () => {
    const described = describeAnyError(new TypeError('x is undefined'));
    expectPlainSentence(described.sentence);
    expect(described.code).toBeNull();
    expect(errorDetailsText(described)).toBe('Message: x is undefined');
  });
});

describe('HoplineError detail on the wire', () => {
  it('crosses with the error and comes back, and is left out when there is none', () => {
    const error = new HoplineError('HOP_UNREACHABLE', 'm', INNER, 'ECONNREFUSED');
    expect(error.toWire()).toEqual({ code: 'HOP_UNREACHABLE', message: 'm', hop: INNER, detail: 'ECONNREFUSED' });
    expect(HoplineError.fromWire(error.toWire()).detail).toBe('ECONNREFUSED');
    expect(Object.keys(new HoplineError('HOP_LOST', 'm').toWire())).toEqual(['code', 'message']);
  });
});
