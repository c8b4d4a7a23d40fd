import { describe, expect, it } from 'vitest';
import { parseClientFrame, parseServerFrame } from '../../../../app/shared/rpc/protocol';

describe('parseClientFrame', () => {
  it('accepts well-formed calls and subscriptions', () => {
    expect(parseClientFrame({ type: 'call', id: 1, channel: 'app:info', args: [] })).toEqual({ ok: true, frame: { type: 'call', id: 1, channel: 'app:info', args: [] } });
    expect(parseClientFrame({ type: 'subscribe', channel: 'app:onDidPong' })).toMatchObject({ ok: true });
  });

  it.each([
    ['not an object', 'hello', 'BAD_FRAME', null],
    ['an array', [1, 2], 'BAD_FRAME', null],
    ['null', null, 'BAD_FRAME', null],
    ['no channel', { type: 'call', id: 3, args: [] }, 'METHOD_NOT_FOUND', 3],
    ['a __proto__ channel', { type: 'call', id: 4, channel: '__proto__', args: [] }, 'METHOD_NOT_FOUND', 4],
    ['a constructor channel', { type: 'call', id: 5, channel: 'constructor', args: [] }, 'METHOD_NOT_FOUND', 5],
    ['a huge channel', { type: 'call', id: 6, channel: `app:${'a'.repeat(500)}`, args: [] }, 'METHOD_NOT_FOUND', 6],
    ['no id', { type: 'call', channel: 'app:info', args: [] }, 'BAD_FRAME', null],
    ['a negative id', { type: 'call', id: -1, channel: 'app:info', args: [] }, 'BAD_FRAME', null],
    ['args not an array', { type: 'call', id: 7, channel: 'app:info', args: {} }, 'BAD_FRAME', 7],
    ['too many args', { type: 'call', id: 8, channel: 'app:info', args: new Array(17).fill(0) }, 'BAD_FRAME', 8],
    ['an unknown type', { type: 'exec', id: 9, channel: 'app:info' }, 'BAD_FRAME', 9],
  ])('rejects %s', (_name, value, code, id) => {
    const parsed = parseClientFrame(value);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) {
      expect(parsed.error.code).toBe(code);
      expect(parsed.id).toBe(id);
    }
  });
});

describe('parseServerFrame', () => {
  it('drops frames with unknown error codes or shapes', () => {
    expect(parseServerFrame({ type: 'result', id: 1, ok: false, error: { code: 'WHATEVER', message: 'x' } })).toBeNull();
    expect(parseServerFrame({ type: 'event' })).toBeNull();
    expect(parseServerFrame({ type: 'result', id: 1, ok: true, value: 2 })).toEqual({ type: 'result', id: 1, ok: true, value: 2 });
  });
});
