import { describe, expect, it, vi } from 'vitest';
import { decodeTerminalFrame, encodeTerminalFrame, FROM_RENDERER, TERMINAL_FRAME_LIMITS, type TerminalFrame } from '../../../../app/shared/rpc/terminalFrames';
import { ACK_EVERY_BYTES, TerminalStreams } from '../../../../app/shared/rpc/terminalStreams';

function setup(options: { ackEveryBytes?: number } = {}) {
  const sent: TerminalFrame[] = [];
  const errors: unknown[] = [];
  const streams = new TerminalStreams({
    sendFrame: (bytes) => {
      const decoded = decodeTerminalFrame(bytes, FROM_RENDERER);
      if (!decoded.ok) throw new Error(decoded.error.message);
      sent.push(decoded.frame);
    },
    onError: (e) => errors.push(e),
    ...options,
  });
  const output = (streamId: number, n: number, fill = 65) => encodeTerminalFrame({ type: 'output', streamId, data: new Uint8Array(n).fill(fill) });
  return { streams, sent, errors, output };
}

describe('TerminalStreams', () => {
  it('attaches, routes output to the right listener and detaches', () => {
    const { streams, sent, output } = setup();
    const a = vi.fn();
    const b = vi.fn();
    streams.attach(1, a);
    const sub = streams.attach(2, b);
    expect(sent).toEqual([{ type: 'attach', streamId: 1 }, { type: 'attach', streamId: 2 }]);
    streams.receive(output(1, 3, 120));
    streams.receive(output(2, 2, 121).buffer as ArrayBuffer);
    expect(a).toHaveBeenCalledWith(new Uint8Array([120, 120, 120]), expect.any(Function));
    expect(b).toHaveBeenCalledWith(new Uint8Array([121, 121]), expect.any(Function));
    sub.dispose();
    sub.dispose();
    expect(sent.slice(2)).toEqual([{ type: 'detach', streamId: 2 }]);
    streams.receive(output(2, 5));
    expect(b).toHaveBeenCalledTimes(1);
    expect(streams.attachedStreams).toEqual([1]);
  });

  it('acks every 64 KiB of processed output, and whatever is left once caught up', () => {
    const { streams, sent, output } = setup();
    const writes: Uint8Array[] = [];
    streams.attach(1, (bytes) => writes.push(bytes));
    sent.length = 0;
    // Four 40 KiB frames arrive before xterm has parsed any.
    for (let i = 0; i < 4; i++) streams.receive(output(1, 40 * 1024));
    expect(ACK_EVERY_BYTES).toBe(64 * 1024);
    streams.ack(1, 40 * 1024);
    expect(sent).toEqual([]);
    streams.ack(1, 40 * 1024);
    expect(sent).toEqual([{ type: 'ack', streamId: 1, bytes: 80 * 1024 }]);
    streams.ack(1, 40 * 1024);
    expect(sent).toHaveLength(1);
    streams.ack(1, 40 * 1024);
    // Caught up: the remainder goes at once, so main owes nothing to an idle terminal, and says so.
    expect(sent).toEqual([{ type: 'ack', streamId: 1, bytes: 80 * 1024 }, { type: 'ack', streamId: 1, bytes: 80 * 1024, caughtUp: true }]);
  });

  it('acks a small echo at once (caught up) and clamps acks beyond what arrived', () => {
    const { streams, sent, output } = setup();
    streams.attach(3, () => undefined);
    sent.length = 0;
    streams.receive(output(3, 5));
    streams.ack(3, 1000);
    expect(sent).toEqual([{ type: 'ack', streamId: 3, bytes: 5, caughtUp: true }]);
    streams.ack(3, 10);
    streams.ack(99, 10);
    streams.ack(3, -4);
    streams.ack(3, Number.NaN);
    expect(sent).toHaveLength(1);
  });

  it('sends input at once, split into frames of at most 64 KiB', () => {
    const { streams, sent } = setup();
    streams.input(4, new Uint8Array([3]));
    expect(sent).toEqual([{ type: 'input', streamId: 4, data: new Uint8Array([3]) }]);
    const paste = new Uint8Array(TERMINAL_FRAME_LIMITS.maxPayloadBytes * 2 + 10).map((_, i) => i % 251);
    streams.input(4, paste);
    const sizes = sent.slice(1).map((f) => (f.type === 'input' ? f.data.length : -1));
    expect(sizes).toEqual([65536, 65536, 10]);
    const joined = new Uint8Array(paste.length);
    let at = 0;
    for (const f of sent.slice(1)) {
      if (f.type !== 'input') continue;
      joined.set(f.data, at);
      at += f.data.length;
    }
    expect(Buffer.from(joined).equals(Buffer.from(paste))).toBe(true);
    streams.input(4, new Uint8Array(0));
    expect(sent).toHaveLength(4);
  });

  it('re-attaching restarts the ack count, and reattachAll renews every stream after a reconnect', () => {
    const { streams, sent, output } = setup();
    streams.attach(1, () => undefined);
    streams.attach(2, () => undefined);
    streams.receive(output(1, 100));
    streams.reattachAll();
    expect(sent.slice(-2)).toEqual([{ type: 'attach', streamId: 1 }, { type: 'attach', streamId: 2 }]);
    sent.length = 0;
    // The old connection's 100 bytes are forgiven on both sides.
    streams.ack(1, 100);
    expect(sent).toEqual([]);
    const first = vi.fn();
    const second = vi.fn();
    const old = streams.attach(5, first);
    streams.attach(5, second);
    old.dispose();
    streams.receive(output(5, 1));
    expect(first).not.toHaveBeenCalled();
    expect(second).toHaveBeenCalledTimes(1);
  });

  it('a delivery processed after a re-ATTACH acks nothing: it belongs to the previous generation', () => {
    const { streams, sent, output } = setup();
    const pending: Array<() => void> = [];
    streams.attach(7, (_bytes, processed) => pending.push(processed));
    streams.receive(output(7, 1000));
    // The socket reconnects while xterm still parses those 1000 bytes.
    streams.reattachAll();
    streams.receive(output(7, 10));
    sent.length = 0;
    pending[0]!();
    // Acking the old 1000 would tell the new connection 10 bytes were processed before they were.
    expect(sent).toEqual([]);
    pending[1]!();
    expect(sent).toEqual([{ type: 'ack', streamId: 7, bytes: 10, caughtUp: true }]);
    // Calling it twice acks nothing more (clamped to what is outstanding).
    pending[1]!();
    expect(sent).toHaveLength(1);
  });

  it('asks for the screen first when attached with replay, and again after a reconnect only while nothing arrived', () => {
    const { streams, sent, output } = setup();
    const got: number[] = [];
    streams.attach(1, (bytes, processed) => {
      got.push(bytes.length);
      processed();
    }, { replay: true });
    streams.attach(2, () => undefined, { replay: true });
    streams.attach(3, () => undefined);
    expect(sent).toEqual([{ type: 'attach', streamId: 1, replay: true }, { type: 'attach', streamId: 2, replay: true }, { type: 'attach', streamId: 3 }]);
    // The screen arrives as ordinary output and is acked like any.
    streams.receive(output(1, 500));
    expect(got).toEqual([500]);
    expect(sent.at(-1)).toEqual({ type: 'ack', streamId: 1, bytes: 500, caughtUp: true });
    sent.length = 0;
    // The socket comes back: stream 1 has its screen (no replay, it would be drawn twice), stream 2
    // got nothing yet (still asks), stream 3 never asked.
    streams.reattachAll();
    expect(sent).toEqual([{ type: 'attach', streamId: 1 }, { type: 'attach', streamId: 2, replay: true }, { type: 'attach', streamId: 3 }]);
    streams.receive(output(2, 1));
    sent.length = 0;
    streams.reattachAll();
    expect(sent).toEqual([{ type: 'attach', streamId: 1 }, { type: 'attach', streamId: 2 }, { type: 'attach', streamId: 3 }]);
  });

  it('reports frames it cannot read and keeps working', () => {
    const { streams, errors, output } = setup();
    const listener = vi.fn();
    streams.attach(1, listener);
    streams.receive(new Uint8Array([1, 0, 0]));
    streams.receive(encodeTerminalFrame({ type: 'ack', streamId: 1, bytes: 1 }));
    streams.receive('text' as unknown as Uint8Array);
    expect(errors).toHaveLength(3);
    expect(errors[0]).toMatchObject({ code: 'BAD_FRAME' });
    streams.receive(output(1, 2));
    expect(listener).toHaveBeenCalledTimes(1);
  });

  it('can batch acks at another step', () => {
    const { streams, sent, output } = setup({ ackEveryBytes: 10 });
    streams.attach(1, () => undefined);
    sent.length = 0;
    streams.receive(output(1, 30));
    streams.ack(1, 4);
    streams.ack(1, 6);
    expect(sent).toEqual([{ type: 'ack', streamId: 1, bytes: 10 }]);
  });
});
