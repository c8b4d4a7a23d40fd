import { describe, expect, it } from 'vitest';
import { FLOW_LAW_DEFAULTS, FlowLaw, GAIN_STEP, SAMPLE_BYTES } from '../../../../app/shared/flow/flowLaw';

const KiB = 1024;
const MiB = 1024 * KiB;
/** Both legs at their floor, or their ceiling. */
const FLOOR = 2 * FLOW_LAW_DEFAULTS.floorBytes;
const CEILING = 2 * FLOW_LAW_DEFAULTS.ceilingBytes;

/**
 * A simulated page that parses at `rate` bytes/s, fed by a sender that keeps the law's in-flight
 * figure outstanding, with `rttMs` between an ack and the output it lets go. Runs in 1 ms steps
 * on a fake clock; the law never sees anything but sent/acked/output/resumed calls.
 */
class Loop {
  now = 0;
  /** Sent, not yet parsed. */
  queued = 0;
  /** Parsed, not yet acked (the page acks every 64 KiB, or when caught up). */
  parsedUnacked = 0;
  /** Output granted by an ack, arriving after the round trip: [at, bytes]. */
  private arriving: [number, number][] = [];
  /** Bytes in the network (granted, not arrived). */
  private inNetwork = 0;
  /** Acks on their way back (1 ms from page to main): [at, bytes]. */
  private acks: [number, number][] = [];
  /** Acked by the page, not yet seen by the law. */
  private ackInTransit = 0;
  acking = true;
  /** The remote has output to send. */
  producing = true;
  /** Of every 16 ms, the page spends this many rendering (parsing nothing). */
  renderMs = 0;
  sentTotal = 0;
  parsedTotal = 0;

  constructor(
    readonly law: FlowLaw,
    public rate: number,
    public rttMs: number,
  ) {}

  run(ms: number): void {
    for (let i = 0; i < ms; i++) this.step();
  }

  private step(): void {
    this.now += 1;
    while (this.acks.length && this.acks[0]![0] <= this.now) {
      const [, bytes] = this.acks.shift()!;
      this.ackInTransit -= bytes;
      this.law.acked(bytes, this.now);
    }
    // Output arrives from the network and goes to the page at once.
    while (this.arriving.length && this.arriving[0]![0] <= this.now) {
      const [, bytes] = this.arriving.shift()!;
      this.inNetwork -= bytes;
      this.law.output(this.now);
      // To the page in frames of at most 64 KiB, as FlowControl sends them.
      for (let at = 0; at < bytes; at += 64 * KiB) this.law.sent(Math.min(64 * KiB, bytes - at), this.now);
      this.queued += bytes;
      this.sentTotal += bytes;
    }
    // The page parses.
    const rendering = this.now % 16 < this.renderMs;
    const parsed = rendering ? 0 : Math.min(this.queued, Math.floor(this.rate / 1000));
    this.queued -= parsed;
    this.parsedTotal += parsed;
    this.parsedUnacked += parsed;
    if (this.acking && this.parsedUnacked > 0 && (this.parsedUnacked >= 64 * KiB || this.queued === 0)) {
      this.acks.push([this.now + 1, this.parsedUnacked]);
      this.ackInTransit += this.parsedUnacked;
      this.parsedUnacked = 0;
    }
    // The remote sends whatever the in-flight figure allows beyond what the page and network hold.
    const room = this.law.inFlight - this.queued - this.parsedUnacked - this.ackInTransit - this.inNetwork;
    if (this.producing && room >= 32 * KiB) {
      this.arriving.push([this.now + this.rttMs, room]);
      this.inNetwork += room;
    }
  }
}

describe('FlowLaw', () => {
  it('starts at the floor, and never leaves [floor, ceiling]', () => {
    const law = new FlowLaw();
    // Before any measurement: the assumed rate and round trip, within the floor and slow start's cap.
    expect(law.inFlight).toBeGreaterThanOrEqual(FLOOR);
    expect(law.inFlight).toBeLessThanOrEqual(2 * FLOW_LAW_DEFAULTS.restartBytes);
    expect(() => new FlowLaw({ floorBytes: 0 })).toThrow(RangeError);
    expect(() => new FlowLaw({ floorBytes: 2 * MiB, ceilingBytes: MiB })).toThrow(RangeError);
    const loop = new Loop(law, 500 * MiB, 5);
    loop.run(3000);
    expect(law.inFlight).toBe(CEILING);
    const slow = new Loop(new FlowLaw(), 100 * KiB, 5);
    slow.run(3000);
    expect(slow.law.inFlight).toBe(FLOOR);
  });

  it('learns a fast page: in flight ≈ rate × (round trip + budget), and the page is kept busy', () => {
    const loop = new Loop(new FlowLaw(), 30 * MiB, 40);
    loop.run(3000);
    const { rateBytesPerSec, windowBytes, pageBytes } = loop.law.state;
    const inFlightBytes = windowBytes + pageBytes;
    expect(rateBytesPerSec / (30 * MiB)).toBeGreaterThan(0.85);
    expect(rateBytesPerSec / (30 * MiB)).toBeLessThan(1.05);
    // 30 MiB/s × (40 ms assumed for the SSH leg + the page leg + 40 ms budget), and one ack step.
    const expected = 30 * MiB * ((loop.law.state.rttMs + FLOW_LAW_DEFAULTS.budgetMs) / 1000) + 64 * KiB;
    expect(inFlightBytes / expected).toBeGreaterThan(0.85);
    expect(inFlightBytes / expected).toBeLessThan(1.1);
    expect(loop.law.state.rttMs).toBeLessThan(45);
    // Over the last second the page parsed at close to its rate (it never waited long for data).
    const before = loop.parsedTotal;
    loop.run(1000);
    expect((loop.parsedTotal - before) / (30 * MiB)).toBeGreaterThan(0.9);
  });

  it('probes a page whose every batch costs a render frame, until it is busy parsing', () => {
    // 40 MiB/s of parsing, but 8 ms of every 16 spent rendering: 20 MiB/s at most.
    const loop = new Loop(new FlowLaw(), 40 * MiB, 20);
    loop.renderMs = 8;
    loop.run(3000);
    const before = loop.parsedTotal;
    loop.run(1000);
    expect((loop.parsedTotal - before) / (20 * MiB)).toBeGreaterThan(0.85);
  });

  it('grows both legs while the page drains all it is allowed, and stops once it is busy all the time', () => {
    const law = new FlowLaw();
    let now = 0;
    // Fed its whole page leg, parsed and acked 30 ms later, then waiting: starved by the law.
    for (let round = 0; round < 12; round++) {
      const leg = law.pageBytes;
      for (let at = 0; at < leg; at += 64 * KiB) law.sent(Math.min(64 * KiB, leg - at), now);
      now += 30;
      law.acked(leg, now);
      now += 5;
    }
    expect(law.state.gain).toBeGreaterThan(8);
    expect(law.inFlight).toBeGreaterThan(4 * FLOW_LAW_DEFAULTS.floorBytes);
    // Now it never catches up: 64 KiB sent for every 64 KiB acked, 1 MiB always outstanding, so
    // every byte waits 160 ms in the page, far over the 30 ms its trip takes: a queue.
    for (let at = 0; at < MiB; at += 64 * KiB) law.sent(64 * KiB, now);
    for (let i = 0; i < 200; i++) {
      now += 10;
      law.acked(64 * KiB, now);
      law.sent(64 * KiB, now);
    }
    expect(law.state.gain).toBe(1);
    // And its rate is what it parses: 64 KiB per 10 ms.
    expect(law.state.rateBytesPerSec / (6.4 * MiB)).toBeGreaterThan(0.9);
  });

  it('a page that says it waited while output was on its way grows both legs, once per page round trip', () => {
    // The same page twice, one saying when it caught up: only that one grows.
    const said = new FlowLaw();
    const silent = new FlowLaw();
    let now = 0;
    const both = (f: (law: FlowLaw, caughtUp: boolean) => void): void => {
      f(said, true);
      f(silent, false);
    };
    // A page round trip of 20 ms, learnt from one frame.
    both((law) => law.sent(64 * KiB, now));
    now += 20;
    both((law) => law.acked(64 * KiB, now));
    // Three frames on their way; the page parsed the first and has nothing more: starved.
    both((law) => {
      for (let i = 0; i < 3; i++) law.sent(64 * KiB, now);
    });
    now += 20;
    both((law, caughtUp) => law.acked(64 * KiB, now, caughtUp));
    expect(said.state.gain).toBeCloseTo(silent.state.gain * GAIN_STEP);
    expect(said.inFlight).toBeGreaterThan(silent.inFlight);
    const once = said.state.gain;
    // Said again within the same round trip: once is enough.
    now += 5;
    both((law, caughtUp) => law.acked(64 * KiB, now, caughtUp));
    expect(said.state.gain).toBeCloseTo(once);
    // A round trip later, still starved: grows again.
    both((law) => {
      for (let i = 0; i < 2; i++) law.sent(64 * KiB, now);
    });
    now += 25;
    both((law, caughtUp) => law.acked(64 * KiB, now, caughtUp));
    expect(said.state.gain / silent.state.gain).toBeCloseTo(GAIN_STEP * GAIN_STEP);
  });

  it('a keystroke echo, caught up with nothing else on its way, changes nothing', () => {
    const said = new FlowLaw();
    const silent = new FlowLaw();
    let now = 0;
    for (let i = 0; i < 50; i++) {
      said.sent(40, now);
      silent.sent(40, now);
      now += 25;
      said.acked(40, now, true);
      silent.acked(40, now, false);
      now += 100;
    }
    expect(said.state).toEqual(silent.state);
    expect(said.state.gain).toBe(1);
  });

  it('follows a rate step down within a few samples, and back up', () => {
    const loop = new Loop(new FlowLaw(), 30 * MiB, 20);
    loop.run(2000);
    const fast = loop.law.inFlight;
    // Now `yes`: 1.5 MiB/s. Within 300 ms the figure is near 1.5 MiB/s × 50 ms (the floor).
    loop.rate = 1.5 * MiB;
    loop.run(300);
    expect(loop.law.state.rateBytesPerSec).toBeLessThan(3 * MiB);
    loop.run(1500);
    expect(loop.law.inFlight).toBe(FLOOR);
    // A page that never catches up is never probed.
    expect(loop.law.state.gain).toBe(1);
    // And fast again: back to where it was within a couple of seconds.
    loop.rate = 30 * MiB;
    loop.run(2000);
    expect(loop.law.inFlight / fast).toBeGreaterThan(0.85);
  });

  it('takes round trips from a resume to the next fresh output, and ignores output already buffered', () => {
    const law = new FlowLaw({ initialRttMs: 40 });
    for (let i = 0; i < 30; i++) {
      const t = i * 1000;
      law.resumed(t);
      law.output(t, false);
      law.output(t + 100);
    }
    expect(law.state.rttMs).toBeGreaterThan(95);
    expect(law.state.rttMs).toBeLessThanOrEqual(100);
    for (let i = 30; i < 60; i++) {
      law.resumed(i * 1000);
      law.output(i * 1000 + 10);
    }
    expect(law.state.rttMs).toBeLessThan(11);
    // Implausible samples (a stalled event loop) are not believed.
    law.resumed(100_000);
    law.output(110_000);
    expect(law.state.rttMs).toBeLessThan(11);
  });

  it('a longer round trip means more in flight, so the page still never starves', () => {
    const near = new Loop(new FlowLaw(), 10 * MiB, 10);
    const far = new Loop(new FlowLaw(), 10 * MiB, 60);
    for (const loop of [near, far]) {
      // The sender times the round trip as the main side does: a resume, then the output it let go.
      for (let i = 0; i < 20; i++) {
        loop.law.resumed(loop.now);
        loop.law.output(loop.now + loop.rttMs);
      }
      loop.run(3000);
    }
    expect(far.law.state.rttMs).toBeGreaterThan(50);
    expect(far.law.inFlight).toBeGreaterThan(near.law.inFlight * 1.5);
    const before = far.parsedTotal;
    far.run(1000);
    expect((far.parsedTotal - before) / (10 * MiB)).toBeGreaterThan(0.9);
  });

  it('a page that stalls (stops parsing for a while) holds at most the in-flight figure, then resumes', () => {
    const loop = new Loop(new FlowLaw(), 10 * MiB, 20);
    loop.run(2000);
    const figure = loop.law.inFlight;
    loop.rate = 0;
    loop.run(2000);
    expect(loop.queued + loop.parsedUnacked).toBeLessThanOrEqual(figure + 32 * KiB);
    loop.rate = 10 * MiB;
    const before = loop.parsedTotal;
    loop.run(1000);
    expect(loop.parsedTotal - before).toBeGreaterThan(8 * MiB);
  });

  it('a page that never acks gets no more than the in-flight figure, bounded by the ceiling', () => {
    const law = new FlowLaw();
    const loop = new Loop(law, 50 * MiB, 10);
    loop.run(2000);
    loop.acking = false;
    const sentBefore = loop.sentTotal;
    loop.run(10_000);
    expect(loop.sentTotal - sentBefore).toBeLessThanOrEqual(CEILING);
    expect(law.inFlight).toBeLessThanOrEqual(CEILING);
  });

  it('restarts slowly after idle, so a slow flood after a fast one finds little granted', () => {
    const law = new FlowLaw();
    const loop = new Loop(law, 40 * MiB, 20);
    loop.run(2000);
    expect(law.inFlight).toBeGreaterThan(2 * MiB);
    // The output stops (a prompt), the page catches up, a second passes; then output again:
    // in flight starts from restartBytes…
    loop.producing = false;
    loop.run(1000);
    expect(law.inFlight).toBeGreaterThan(2 * MiB);
    law.output(loop.now);
    expect(law.state.windowBytes).toBe(FLOW_LAW_DEFAULTS.restartBytes);
    expect(law.state.pageBytes).toBe(FLOW_LAW_DEFAULTS.restartBytes);
    // …and grows by what is acked, as slow start does.
    law.sent(256 * KiB, loop.now);
    law.acked(256 * KiB, loop.now + 10);
    expect(law.state.pageBytes).toBe(FLOW_LAW_DEFAULTS.restartBytes + 256 * KiB);
  });

  it('ignores busy stretches too small to time parsing (keystroke echoes)', () => {
    const law = new FlowLaw({ initialRateBytesPerSec: 10 * MiB });
    for (let i = 0; i < 100; i++) {
      law.sent(3, i * 100);
      law.acked(3, i * 100 + 30);
    }
    expect(law.state.rateBytesPerSec).toBe(10 * MiB);
    // A sample needs SAMPLE_BYTES of busy time: then it counts.
    law.sent(SAMPLE_BYTES, 20_000);
    law.acked(SAMPLE_BYTES, 20_000 + 64);
    expect(law.state.rateBytesPerSec).toBeLessThan(10 * MiB);
  });
});
