import { describe, expect, it } from 'vitest';
import { describeError, explainError } from '../../../../app/renderer/stores/describeError';
import { ErrorCode, HoplineError } from '../../../../app/shared/model/errors';

const codes = Object.values(ErrorCode);

describe('describeError (the renderer\'s one line)', () => {
  it.each(codes)('%s thrown by a call: a plain sentence, never led by the code', (code) => {
    const line = describeError(new HoplineError(code, code, { index: 2, name: 'target' }));
    expect(line.startsWith(code)).toBe(false);
    expect(line).not.toContain(`${code}:`);
    expect(line).toMatch(/^[A-Z].*[.!?]$/);
  });

  it('keeps a sentence written for people, tidied, and no longer prefixes the code', () => {
    expect(describeError(new HoplineError('INVALID_ARGUMENT', 'name taken'))).toBe('Name taken.');
    expect(describeError(new HoplineError('FORWARD_REFUSED', 'Hop 3 (target) refused a shell', { index: 2, name: 'target' }))).toBe('Hop 3 (target) refused a shell.');
  });

  it('describes a WireError kept in a store the same way as the thrown error', () => {
    const wire = { code: 'HOP_LOST' as const, message: 'Hop 2 (inner) stopped answering keepalives.', hop: { index: 1, name: 'inner' } };
    expect(explainError(wire)).toEqual(explainError(HoplineError.fromWire(wire)));
    expect(explainError(wire).sentence).toBe('Hop 2 (inner) stopped answering keepalives.');
  });

  it('gives anything that is not a typed error a generic sentence', () => {
    expect(describeError(new Error('/root/.ssh/id_ed25519: EACCES'))).toBe('Something went wrong inside Hopline.');
    expect(describeError(undefined)).toBe('Something went wrong inside Hopline.');
  });
});
