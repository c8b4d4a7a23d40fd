import { describe, expect, it } from 'vitest';
import {
  ACK_FLAGS,
  ATTACH_FLAGS,
  decodeTerminalFrame,
  encodeTerminalFrame,
  FROM_MAIN,
  FROM_RENDERER,
  TERMINAL_FRAME_HEADER_BYTES,
  TERMINAL_FRAME_LIMITS,
  TerminalFrameType,
  type TerminalFrame,
} from '../../../../app/shared/rpc/terminalFrames';

const bytes = (...values: number[]) => new Uint8Array(values);

describe('terminal frames', () => {
  it('lays out [type u8][streamId u32 BE][payload]', () => {
    expect([...encodeTerminalFrame({ type: 'output', streamId: 0x01020304, data: bytes(0x68, 0x69) })]).toEqual([TerminalFrameType.OUTPUT, 1, 2, 3, 4, 0x68, 0x69]);
    expect([...encodeTerminalFrame({ type: 'input', streamId: 7, data: bytes(3) })]).toEqual([2, 0, 0, 0, 7, 3]);
    expect([...encodeTerminalFrame({ type: 'ack', streamId: 7, bytes: 65536 })]).toEqual([3, 0, 0, 0, 7, 0, 1, 0, 0]);
    // Caught up: one flag byte after the count (an ack without it reads as before).
    expect([...encodeTerminalFrame({ type: 'ack', streamId: 7, bytes: 5, caughtUp: true })]).toEqual([3, 0, 0, 0, 7, 0, 0, 0, 5, ACK_FLAGS.CAUGHT_UP]);
    expect([...encodeTerminalFrame({ type: 'attach', streamId: 0xffffffff })]).toEqual([4, 255, 255, 255, 255]);
    expect([...encodeTerminalFrame({ type: 'detach', streamId: 9 })]).toEqual([5, 0, 0, 0, 9]);
  });

  it('round-trips every kind in its direction', () => {
    const fromRenderer: TerminalFrame[] = [
      { type: 'input', streamId: 1, data: bytes(1, 2, 3) },
      { type: 'ack', streamId: 2, bytes: 0xffffffff },
      { type: 'ack', streamId: 2, bytes: 12, caughtUp: true },
      { type: 'attach', streamId: 3 },
      { type: 'detach', streamId: 4 },
    ];
    for (const frame of fromRenderer) expect(decodeTerminalFrame(encodeTerminalFrame(frame), FROM_RENDERER)).toEqual({ ok: true, frame });
    const data = new Uint8Array(TERMINAL_FRAME_LIMITS.maxPayloadBytes).fill(7);
    const decoded = decodeTerminalFrame(encodeTerminalFrame({ type: 'output', streamId: 5, data }), FROM_MAIN);
    expect(decoded.ok && decoded.frame.type === 'output' && decoded.frame.streamId === 5 && Buffer.from(decoded.frame.data).equals(Buffer.from(data))).toBe(true);
  });

  it('decodes a payload as a view, also from a frame that sits inside a larger buffer', () => {
    const backing = new Uint8Array(64);
    backing.set(encodeTerminalFrame({ type: 'input', streamId: 42, data: bytes(9, 8, 7) }), 10);
    const decoded = decodeTerminalFrame(backing.subarray(10, 10 + TERMINAL_FRAME_HEADER_BYTES + 3));
    expect(decoded).toEqual({ ok: true, frame: { type: 'input', streamId: 42, data: bytes(9, 8, 7) } });
    if (decoded.ok && decoded.frame.type === 'input') expect(decoded.frame.data.buffer).toBe(backing.buffer);
  });

  it.each([
    ['an empty frame', bytes(), 'BAD_FRAME'],
    ['a short header', bytes(4, 0, 0, 1), 'BAD_FRAME'],
    ['an unknown type', bytes(99, 0, 0, 0, 1), 'BAD_FRAME'],
    ['type 0', bytes(0, 0, 0, 0, 1), 'BAD_FRAME'],
    ['stream 0', bytes(4, 0, 0, 0, 0), 'BAD_FRAME'],
    ['an ack of 3 bytes', bytes(3, 0, 0, 0, 1, 0, 0, 1), 'BAD_FRAME'],
    ['an ack with an unknown flag', bytes(3, 0, 0, 0, 1, 0, 0, 0, 1, 2), 'BAD_FRAME'],
    ['an ack of 6 bytes', bytes(3, 0, 0, 0, 1, 0, 0, 0, 1, 1, 0), 'BAD_FRAME'],
    ['an attach with 2 payload bytes', bytes(4, 0, 0, 0, 1, 1, 0), 'BAD_FRAME'],
    ['an attach with an unknown flag', bytes(4, 0, 0, 0, 1, 2), 'BAD_FRAME'],
    ['an attach with every flag bit', bytes(4, 0, 0, 0, 1, 0xff), 'BAD_FRAME'],
    ['a detach with a payload', bytes(5, 0, 0, 0, 1, 1, 2), 'BAD_FRAME'],
    ['an empty input', bytes(2, 0, 0, 0, 1), 'BAD_FRAME'],
    ['output sent by a renderer', bytes(1, 0, 0, 0, 1, 65), 'BAD_FRAME'],
  ])('refuses %s with a typed error, without throwing', (_name, frame, code) => {
    const decoded = decodeTerminalFrame(frame, FROM_RENDERER);
    expect(decoded.ok).toBe(false);
    if (!decoded.ok) {
      expect(decoded.error.code).toBe(code);
      expect(typeof decoded.error.message).toBe('string');
    }
  });

  it('ATTACH carries an optional flag byte: REPLAY (1); none (the old frame) or 0 means no replay', () => {
    expect(ATTACH_FLAGS.REPLAY).toBe(1);
    expect([...encodeTerminalFrame({ type: 'attach', streamId: 9, replay: true })]).toEqual([4, 0, 0, 0, 9, 1]);
    // Without replay the frame is byte for byte the one from before flags existed.
    expect([...encodeTerminalFrame({ type: 'attach', streamId: 9, replay: false })]).toEqual([4, 0, 0, 0, 9]);
    expect([...encodeTerminalFrame({ type: 'attach', streamId: 9 })]).toEqual([4, 0, 0, 0, 9]);
    expect(decodeTerminalFrame(bytes(4, 0, 0, 0, 9, 1), FROM_RENDERER)).toEqual({ ok: true, frame: { type: 'attach', streamId: 9, replay: true } });
    const plain = decodeTerminalFrame(bytes(4, 0, 0, 0, 9), FROM_RENDERER);
    expect(plain).toEqual({ ok: true, frame: { type: 'attach', streamId: 9 } });
    expect(plain.ok && plain.frame.type === 'attach' && plain.frame.replay).toBeFalsy();
    const zero = decodeTerminalFrame(bytes(4, 0, 0, 0, 9, 0), FROM_RENDERER);
    expect(zero.ok && zero.frame.type === 'attach' && !zero.frame.replay).toBe(true);
    const replay: TerminalFrame = { type: 'attach', streamId: 0xffffffff, replay: true };
    expect(decodeTerminalFrame(encodeTerminalFrame(replay), FROM_RENDERER)).toEqual({ ok: true, frame: replay });
  });

  it('refuses an input payload over 64 KiB as FRAME_TOO_LARGE', () => {
    const frame = new Uint8Array(TERMINAL_FRAME_HEADER_BYTES + TERMINAL_FRAME_LIMITS.maxPayloadBytes + 1);
    frame.set([TerminalFrameType.INPUT, 0, 0, 0, 1]);
    expect(decodeTerminalFrame(frame)).toMatchObject({ ok: false, error: { code: 'FRAME_TOO_LARGE' } });
  });

  it('a renderer refuses frames that only go to main', () => {
    expect(decodeTerminalFrame(encodeTerminalFrame({ type: 'attach', streamId: 1 }), FROM_MAIN)).toMatchObject({ ok: false, error: { code: 'BAD_FRAME' } });
  });

  it('never throws on garbage', () => {
    for (let i = 0; i < 2000; i++) {
      const frame = new Uint8Array(Math.floor(Math.random() * 16));
      for (let j = 0; j < frame.length; j++) frame[j] = Math.floor(Math.random() * 256);
      expect(() => decodeTerminalFrame(frame)).not.toThrow();
    }
    expect(decodeTerminalFrame('nope' as unknown as Uint8Array)).toMatchObject({ ok: false, error: { code: 'BAD_FRAME' } });
  });

  it('refuses to encode values no frame can hold', () => {
    expect(() => encodeTerminalFrame({ type: 'attach', streamId: 0 })).toThrow(RangeError);
    expect(() => encodeTerminalFrame({ type: 'attach', streamId: 2 ** 32 })).toThrow(RangeError);
    expect(() => encodeTerminalFrame({ type: 'input', streamId: 1, data: bytes() })).toThrow(RangeError);
    expect(() => encodeTerminalFrame({ type: 'output', streamId: 1, data: new Uint8Array(TERMINAL_FRAME_LIMITS.maxPayloadBytes + 1) })).toThrow(RangeError);
    expect(() => encodeTerminalFrame({ type: 'ack', streamId: 1, bytes: -1 })).toThrow(RangeError);
  });
});
