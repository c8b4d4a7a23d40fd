import { describe, expect, it } from 'vitest';
import { FLOW_LIMITS, FlowControl, MIRROR_BACKLOG_LIMITS, type FlowSink } from '../../../../../app/main/services/terminals/flowControl';
import { FLOW_LAW_DEFAULTS, FlowLaw } from '../../../../../app/shared/flow/flowLaw';

/** The mechanism is tested at these watermarks (the defaults are asserted on their own below). */
const WATERMARKS = { highWaterBytes: 512 * 1024, lowWaterBytes: 128 * 1024 };

class FakeChannel {
  paused = false;
  pauses = 0;
  resumes = 0;
  pause() {
    this.paused = true;
    this.pauses++;
  }
  resume() {
    this.paused = false;
    this.resumes++;
  }
}

class Sink implements FlowSink {
  payloads: Uint8Array[] = [];
  deliver(payload: Uint8Array) {
    this.payloads.push(payload);
  }
  get bytes() {
    return this.payloads.reduce((n, p) => n + p.length, 0);
  }
}

/** A scheduler the test runs by hand, in place of setImmediate. */
function manual() {
  const queue: (() => void)[] = [];
  return { schedule: (fn: () => void) => queue.push(fn), run: () => queue.splice(0).forEach((fn) => fn()), get size() { return queue.length; } };
}

const KiB = 1024;
const chunk = (n: number, fill = 0) => new Uint8Array(n).fill(fill);

describe('FlowControl', () => {
  it('has watermarks above the renderer ack step (64 KiB) and a batch of one frame', () => {
    expect(FLOW_LIMITS).toEqual({ highWaterBytes: 256 * KiB, lowWaterBytes: 192 * KiB, batchBytes: 64 * KiB });
    expect(() => new FlowControl(new FakeChannel(), { highWaterBytes: 10, lowWaterBytes: 10 })).toThrow(RangeError);
  });

  it('batches small chunks until the next turn, and flushes at once when a frame fills', () => {
    const timer = manual();
    const flow = new FlowControl(new FakeChannel(), { ...WATERMARKS, schedule: timer.schedule });
    const sink = new Sink();
    flow.attach(sink);
    flow.push(chunk(10, 1));
    flow.push(chunk(20, 2));
    expect(sink.payloads).toEqual([]);
    expect(timer.size).toBe(1);
    timer.run();
    expect(sink.payloads.map((p) => p.length)).toEqual([30]);
    expect([...sink.payloads[0]!.subarray(8, 12)]).toEqual([1, 1, 2, 2]);
    // 32 KiB chunks (ssh2's packet size): two fill a frame, flushed without waiting.
    flow.push(chunk(32 * KiB));
    flow.push(chunk(32 * KiB));
    expect(sink.payloads.map((p) => p.length)).toEqual([30, 64 * KiB]);
    // Never a payload over one frame.
    flow.push(chunk(100 * KiB));
    expect(sink.payloads.map((p) => p.length)).toEqual([30, 64 * KiB, 64 * KiB, 36 * KiB]);
    timer.run();
    expect(sink.bytes).toBe(30 + 64 * KiB + 100 * KiB);
  });

  it('pauses the channel at HIGH unacknowledged bytes and resumes at LOW; acks reduce the count', () => {
    const channel = new FakeChannel();
    const flow = new FlowControl(channel, { ...WATERMARKS, schedule: () => undefined });
    const sink = new Sink();
    flow.attach(sink);
    for (let i = 0; i < 15; i++) flow.push(chunk(32 * KiB));
    // 448 KiB sent in 64 KiB frames, 32 KiB waiting for the next turn: both count.
    expect([flow.unackedBy(sink), flow.waitingBytes, flow.pressure]).toEqual([448 * KiB, 32 * KiB, 480 * KiB]);
    expect(channel.paused).toBe(false);
    flow.push(chunk(32 * KiB));
    expect([flow.unackedBy(sink), flow.pressure]).toEqual([512 * KiB, 512 * KiB]);
    expect(channel.paused).toBe(true);
    expect(flow.ack(sink, 64 * KiB)).toBe(64 * KiB);
    expect(flow.unackedBy(sink)).toBe(448 * KiB);
    expect(channel.paused).toBe(true);
    flow.ack(sink, 320 * KiB);
    expect(flow.pressure).toBe(128 * KiB);
    expect(channel.paused).toBe(false);
    expect([channel.pauses, channel.resumes]).toEqual([1, 1]);
  });

  it('clamps an ack larger than what the sink owes', () => {
    const channel = new FakeChannel();
    const flow = new FlowControl(channel, { ...WATERMARKS, schedule: () => undefined });
    const sink = new Sink();
    flow.attach(sink);
    for (let i = 0; i < 16; i++) flow.push(chunk(32 * KiB));
    expect(channel.paused).toBe(true);
    expect(flow.ack(sink, 10 * 1024 * KiB)).toBe(512 * KiB);
    expect(flow.unackedBy(sink)).toBe(0);
    // A huge ack in advance buys nothing: the next output counts in full.
    for (let i = 0; i < 16; i++) flow.push(chunk(32 * KiB));
    expect(channel.paused).toBe(true);
    expect(flow.ack(sink, -5)).toBe(0);
    expect(flow.ack(sink, Number.NaN)).toBe(0);
    expect(flow.ack(new Sink(), 100)).toBe(0);
  });

  it('with no viewer keeps output only up to HIGH (then pauses) and hands it to the first one attaching', () => {
    const channel = new FakeChannel();
    const timer = manual();
    const flow = new FlowControl(channel, { ...WATERMARKS, schedule: timer.schedule });
    for (let i = 0; i < 16; i++) flow.push(chunk(32 * KiB, i));
    expect(timer.size).toBe(0);
    expect(flow.waitingBytes).toBe(512 * KiB);
    expect(channel.paused).toBe(true);
    const sink = new Sink();
    flow.attach(sink);
    expect(sink.bytes).toBe(512 * KiB);
    expect(sink.payloads.every((p) => p.length === 64 * KiB)).toBe(true);
    expect(sink.payloads[0]![0]).toBe(0);
    expect(sink.payloads[7]![64 * KiB - 1]).toBe(15);
    expect(flow.waitingBytes).toBe(0);
    expect(channel.paused).toBe(true);
    flow.ack(sink, 512 * KiB);
    expect(channel.paused).toBe(false);
  });

  it('a viewer that leaves takes its debt with it; one that re-attaches starts afresh', () => {
    const channel = new FakeChannel();
    const flow = new FlowControl(channel, { ...WATERMARKS, schedule: () => undefined });
    const slow = new Sink();
    const fast = new Sink();
    flow.attach(slow);
    flow.attach(fast);
    for (let i = 0; i < 16; i++) flow.push(chunk(32 * KiB));
    flow.ack(fast, 512 * KiB);
    // The slowest viewer holds the channel.
    expect(channel.paused).toBe(true);
    flow.detach(slow);
    expect(channel.paused).toBe(false);
    for (let i = 0; i < 16; i++) flow.push(chunk(32 * KiB));
    expect(channel.paused).toBe(true);
    flow.attach(fast);
    expect(flow.unackedBy(fast)).toBe(0);
    expect(channel.paused).toBe(false);
  });

  it('copes with a source that delivers synchronously from resume()', () => {
    const flow: FlowControl = new FlowControl(
      {
        pause: () => undefined,
        resume: () => flow.push(chunk(1)),
      },
      { highWaterBytes: 100, lowWaterBytes: 10, batchBytes: 50, schedule: () => undefined },
    );
    const sink = new Sink();
    flow.attach(sink);
    flow.push(chunk(50));
    flow.push(chunk(50));
    expect(flow.isPaused).toBe(true);
    flow.ack(sink, 100);
    expect(flow.isPaused).toBe(false);
    expect(flow.waitingBytes).toBe(1);
  });

  it('forgets everything when disposed', () => {
    const timer = manual();
    const flow = new FlowControl(new FakeChannel(), { ...WATERMARKS, schedule: timer.schedule });
    const sink = new Sink();
    flow.attach(sink);
    flow.push(chunk(5));
    flow.dispose();
    timer.run();
    flow.push(chunk(5));
    expect(sink.payloads).toEqual([]);
    expect(flow.pressure).toBe(0);
  });

  describe('a sink attached behind a lead (a replayed screen)', () => {
    const text = (sink: Sink) => sink.payloads.map((p) => Buffer.from(p).toString()).join('');
    const bytes = (t: string) => new Uint8Array(Buffer.from(t));

    it('gets the lead first, then what was pushed meanwhile, never what the lead already holds; all counted as sent', () => {
      const timer = manual();
      const channel = new FakeChannel();
      const flow = new FlowControl(channel, { ...WATERMARKS, schedule: timer.schedule });
      const old = new Sink();
      flow.attach(old);
      // Waiting (pushed, not flushed yet): in the lead, so the new sink must not get it again.
      flow.push(bytes('in-the-snapshot '));
      const late = new Sink();
      const release = flow.attachAfterLead(late);
      // The other sink got the waiting output at once.
      expect(text(old)).toBe('in-the-snapshot ');
      flow.push(bytes('during '));
      timer.run();
      flow.push(bytes('the snapshot'));
      timer.run();
      expect(late.payloads).toEqual([]);
      expect(text(old)).toBe('in-the-snapshot during the snapshot');
      expect(flow.unackedBy(late)).toBe('during the snapshot'.length);
      const lead = new Uint8Array(150 * KiB).fill(0x4c);
      release(lead);
      // The lead in payloads of at most one batch, then the held output, in order.
      expect(late.payloads.map((p) => p.length)).toEqual([64 * KiB, 64 * KiB, 22 * KiB, 7, 12]);
      expect(text(late).endsWith('Lduring the snapshot')).toBe(true);
      expect(flow.unackedBy(late)).toBe(150 * KiB + 19);
      flow.push(bytes(' live'));
      timer.run();
      expect(text(late).endsWith('the snapshot live')).toBe(true);
      expect(flow.ack(late, 10 * 1024 * KiB)).toBe(150 * KiB + 24);
      // Releasing twice does nothing.
      release(bytes('again'));
      expect(text(late).endsWith('the snapshot live')).toBe(true);
    });

    it('with no other viewer, the waiting output is dropped (it is in the lead) and the channel resumes', () => {
      const channel = new FakeChannel();
      const flow = new FlowControl(channel, { ...WATERMARKS, schedule: manual().schedule });
      flow.push(chunk(WATERMARKS.highWaterBytes));
      expect(channel.paused).toBe(true);
      const sink = new Sink();
      const release = flow.attachAfterLead(sink);
      expect(flow.waitingBytes).toBe(0);
      expect(channel.paused).toBe(false);
      release(bytes('screen'));
      expect(text(sink)).toBe('screen');
    });

    it('held output counts toward the watermarks, so a flood during a slow snapshot pauses the channel', () => {
      const channel = new FakeChannel();
      const flow = new FlowControl(channel, { ...WATERMARKS, schedule: manual().schedule });
      const sink = new Sink();
      const release = flow.attachAfterLead(sink);
      for (let i = 0; i < 8; i++) flow.push(chunk(64 * KiB));
      expect(channel.paused).toBe(true);
      expect(sink.payloads).toEqual([]);
      release(null);
      expect(sink.bytes).toBe(512 * KiB);
      flow.ack(sink, 512 * KiB);
      expect(channel.paused).toBe(false);
    });

    it('a release after the sink detached, or attached again, delivers nothing', () => {
      const flow = new FlowControl(new FakeChannel(), { ...WATERMARKS, schedule: manual().schedule });
      const sink = new Sink();
      const first = flow.attachAfterLead(sink);
      flow.detach(sink);
      first(bytes('stale'));
      expect(sink.payloads).toEqual([]);
      const second = flow.attachAfterLead(sink);
      const third = flow.attachAfterLead(sink);
      second(bytes('stale'));
      third(bytes('fresh'));
      expect(text(sink)).toBe('fresh');
      expect(flow.unackedBy(sink)).toBe(5);
    });
  });

  it('counts the screen mirror\'s unparsed backlog like a viewer that has not acked', () => {
    const channel = new FakeChannel();
    const flow = new FlowControl(channel, { ...WATERMARKS, schedule: manual().schedule });
    flow.setBacklog(WATERMARKS.highWaterBytes);
    expect(channel.paused).toBe(true);
    expect(flow.pressure).toBe(WATERMARKS.highWaterBytes);
    flow.setBacklog(WATERMARKS.lowWaterBytes);
    expect(channel.paused).toBe(false);
    const sink = new Sink();
    flow.attach(sink);
    flow.push(chunk(300 * KiB));
    flow.flush();
    // The most any one reader owes.
    expect(flow.pressure).toBe(300 * KiB);
  });
});

describe('FlowControl sized by its law (no fixed watermarks)', () => {
  /** A fake clock, and a flow control on it with a manual scheduler. */
  function adaptive(onInFlight?: (bytes: number) => void) {
    const clock = { now: 0 };
    const channel = new FakeChannel();
    const timer = manual();
    const flow = new FlowControl(channel, { schedule: timer.schedule, now: () => clock.now, onInFlight });
    return { clock, channel, timer, flow };
  }

  it('starts at the law\'s floor, tells the SSH window, and grows while a fast viewer keeps up', () => {
    const figures: number[] = [];
    const { clock, channel, flow } = adaptive((bytes) => figures.push(bytes));
    // Where a new law starts (the rate and round trip it assumes), told to the SSH window at once.
    expect(flow.inFlight).toBe(new FlowLaw().pageBytes);
    expect(figures).toEqual([new FlowLaw().windowBytes]);
    const sink = new Sink();
    flow.attach(sink);
    // A viewer that parses 64 KiB per millisecond (64 MiB/s), 1 ms behind.
    for (let i = 0; i < 400; i++) {
      clock.now += 1;
      flow.ack(sink, flow.unackedBy(sink));
      flow.push(chunk(32 * KiB));
      flow.push(chunk(32 * KiB));
    }
    expect(channel.paused).toBe(false);
    // 64 MiB/s × (1 ms + half the budget) + an ack step for the page; × (40 ms + half the budget) for the network.
    expect(flow.inFlight).toBeGreaterThan(1024 * KiB);
    expect(flow.windowBytes).toBeGreaterThan(2 * 1024 * KiB);
    expect(figures.length).toBeGreaterThan(2);
    expect(figures[figures.length - 1]).toBe(flow.windowBytes);
    // It stops acking: the channel pauses once the figure is unacked, however large it grew.
    while (!channel.paused) flow.push(chunk(32 * KiB));
    expect(flow.pressure).toBeGreaterThanOrEqual(flow.inFlight);
    expect(flow.pressure).toBeLessThanOrEqual(FLOW_LAW_DEFAULTS.ceilingBytes + FLOW_LIMITS.batchBytes);
  });

  it('gives the screen mirror watermarks of its own', () => {
    const { channel, flow } = adaptive();
    flow.setBacklog(MIRROR_BACKLOG_LIMITS.highBytes - 1);
    expect(channel.paused).toBe(false);
    expect(flow.pressure).toBe(0);
    flow.setBacklog(MIRROR_BACKLOG_LIMITS.highBytes);
    expect(channel.paused).toBe(true);
    flow.setBacklog(MIRROR_BACKLOG_LIMITS.lowBytes + 1);
    expect(channel.paused).toBe(true);
    flow.setBacklog(MIRROR_BACKLOG_LIMITS.lowBytes);
    expect(channel.paused).toBe(false);
  });

  it('times the round trip from a resume to the first output not already buffered', () => {
    const { clock, channel, timer, flow } = adaptive();
    const sink = new Sink();
    flow.attach(sink);
    const rtt = () => flow.lawStates[0]!.rttMs;
    const before = rtt();
    for (let round = 0; round < 20; round++) {
      while (!channel.paused) flow.push(chunk(64 * KiB));
      clock.now += 5;
      flow.ack(sink, flow.unackedBy(sink));
      expect(channel.paused).toBe(false);
      // ssh2's buffered output comes out in the same turn: no round trip.
      flow.push(chunk(1));
      timer.run();
      // The refill's first output, 80 ms later.
      clock.now += 80;
      flow.push(chunk(1));
      flow.ack(sink, flow.unackedBy(sink));
    }
    expect(before).toBeLessThan(60);
    expect(rtt()).toBeGreaterThan(80);
  });
});
