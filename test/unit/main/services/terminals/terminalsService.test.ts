import { EventEmitter } from 'node:events';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MAX_INPUT_BACKLOG_BYTES, TerminalsService, type TerminalsEngine } from '../../../../../app/main/services/terminals/terminalsService';
import type { WireError } from '../../../../../app/shared/model/errors';
import { Emitter } from '../../../../../app/shared/model/event';
import type { CircuitSummary } from '../../../../../app/shared/model/hop';
import { decodeTerminalFrame, encodeTerminalFrame, FROM_MAIN, type TerminalFrame } from '../../../../../app/shared/rpc/terminalFrames';

class FakeStderr extends EventEmitter {
  paused = false;
  pause() {
    this.paused = true;
  }
  resume() {
    this.paused = false;
  }
}

/** Just enough of an ssh2 ClientChannel. */
class FakeChannel extends EventEmitter {
  stderr = new FakeStderr();
  paused = false;
  closed = false;
  written: Buffer[] = [];
  writableLength = 0;
  windows: number[][] = [];
  pause() {
    this.paused = true;
    return this;
  }
  resume() {
    this.paused = false;
    return this;
  }
  write(data: Uint8Array) {
    this.written.push(Buffer.from(data));
    return true;
  }
  setWindow(rows: number, cols: number, height: number, width: number) {
    this.windows.push([rows, cols, height, width]);
  }
  close() {
    this.closed = true;
  }
}

class FakeEngine implements TerminalsEngine {
  circuits = new Map<string, CircuitSummary>();
  changed = new Emitter<CircuitSummary>();
  onDidChange = this.changed.event;
  channels: FakeChannel[] = [];
  ptys: unknown[] = [];
  refuse: Error | null = null;
  hang = false;

  addCircuit(id: string) {
    this.circuits.set(id, { id, hostIds: ['a', 'b', 'c'], profileId: null, hopNames: ['bastion-mfa', 'bastion-key', 'target'], state: 'open', error: null });
  }
  target(circuitId: string) {
    if (this.circuits.get(circuitId)?.state !== 'open') throw Object.assign(new Error('not open'), { code: 'INVALID_ARGUMENT' });
    return {
      shell: ((pty: unknown, cb: (err: Error | undefined, channel: FakeChannel) => void) => {
        this.ptys.push(pty);
        if (this.hang) return;
        const channel = new FakeChannel();
        setImmediate(() => {
          if (this.refuse) cb(this.refuse, undefined as unknown as FakeChannel);
          else {
            this.channels.push(channel);
            cb(undefined, channel);
          }
        });
      }) as never,
    };
  }
  list() {
    return [...this.circuits.values()].filter((c) => c.state === 'open' || c.state === 'opening');
  }
  end(id: string, state: 'closed' | 'failed', error: WireError | null = null) {
    const c = { ...this.circuits.get(id)!, state, error };
    this.circuits.set(id, c);
    this.changed.fire(c);
  }
}

function setup(options: { closeGraceMs?: number; openTimeoutMs?: number; sessionLogPath?: (circuitId: string, streamId: number) => string | null } = {}) {
  const engine = new FakeEngine();
  engine.addCircuit('c1');
  const closed: string[] = [];
  const service = new TerminalsService({
    engine,
    closeCircuit: async (id) => {
      closed.push(id);
      engine.end(id, 'closed');
    },
    flow: { schedule: (fn) => queueMicrotask(fn) },
    // Fake channels have no ssh2 internals to tune (shellWindow.test.ts covers the real ones).
    tuneShell: () => undefined,
    ...options,
  });
  const exits: unknown[] = [];
  const ends: unknown[] = [];
  service.onDidExit((e) => exits.push(e));
  service.onDidEnd((e) => ends.push(e));
  return { engine, service, closed, exits, ends };
}

function peer() {
  const frames: TerminalFrame[] = [];
  const errors: WireError[] = [];
  return {
    frames,
    errors,
    send: (bytes: Uint8Array) => {
      const decoded = decodeTerminalFrame(bytes, FROM_MAIN);
      if (!decoded.ok) throw new Error(decoded.error.message);
      frames.push(decoded.frame);
    },
    error: (e: WireError) => errors.push(e),
    text: () => frames.map((f) => (f.type === 'output' ? Buffer.from(f.data).toString() : '')).join(''),
  };
}

const flushMicrotasks = () => new Promise((resolve) => setImmediate(resolve));

let current: TerminalsService | null = null;
afterEach(() => {
  current?.dispose();
  current = null;
  vi.useRealTimers();
});

describe('TerminalsService', () => {
  it('opens a shell with an xterm-256color PTY of the asked size, and lists it', async () => {
    const { engine, service } = setup();
    current = service;
    const opened = await service.open({ circuitId: 'c1', cols: 132, rows: 43 });
    expect(engine.ptys).toEqual([{ term: 'xterm-256color', cols: 132, rows: 43, width: 0, height: 0 }]);
    expect(opened.streamId).toBe(1);
    const second = await service.open({ circuitId: 'c1', cols: 80, rows: 24 });
    expect(second.streamId).toBe(2);
    expect(await service.list()).toEqual([
      { terminalId: opened.terminalId, streamId: 1, circuitId: 'c1', cols: 132, rows: 43 },
      { terminalId: second.terminalId, streamId: 2, circuitId: 'c1', cols: 80, rows: 24 },
    ]);
    const resized: unknown[] = [];
    service.onDidResize((e) => resized.push(e));
    await service.resize(opened.terminalId, 100, 30);
    // The same size again (another window fitting alike) sends no window-change, but is told
    // (each window recognises its own resizes by their events).
    await service.resize(opened.terminalId, 100, 30);
    expect(engine.channels[0]!.windows).toEqual([[30, 100, 0, 0]]);
    expect(resized).toEqual([{ terminalId: opened.terminalId, cols: 100, rows: 30 }, { terminalId: opened.terminalId, cols: 100, rows: 30 }]);
    expect((await service.list())[0]).toMatchObject({ cols: 100, rows: 30 });
    await expect(service.resize('nope', 1, 1)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('refuses a circuit that is not open, and names the target when it refuses a shell or does not answer', async () => {
    const { engine, service } = setup({ openTimeoutMs: 50 });
    current = service;
    await expect(service.open({ circuitId: 'nope', cols: 80, rows: 24 })).rejects.toThrow();
    engine.refuse = new Error('administratively prohibited');
    await expect(service.open({ circuitId: 'c1', cols: 80, rows: 24 })).rejects.toMatchObject({ code: 'FORWARD_REFUSED', hop: { index: 2, name: 'target' } });
    engine.refuse = null;
    engine.hang = true;
    await expect(service.open({ circuitId: 'c1', cols: 80, rows: 24 })).rejects.toMatchObject({ code: 'HOP_TIMEOUT', hop: { index: 2, name: 'target' } });
    expect(await service.list()).toEqual([]);
  });

  it('routes output only to connections that attached, and input straight to the channel', async () => {
    const { engine, service } = setup();
    current = service;
    const { streamId } = await service.open({ circuitId: 'c1', cols: 80, rows: 24 });
    const channel = engine.channels[0]!;
    const a = peer();
    const b = peer();
    const ca = service.connect(a);
    service.connect(b);
    channel.emit('data', Buffer.from('before attach '));
    ca.receive(encodeTerminalFrame({ type: 'attach', streamId }));
    // What waited for a viewer arrives on attach.
    expect(a.text()).toBe('before attach ');
    channel.emit('data', Buffer.from('hello '));
    channel.stderr.emit('data', Buffer.from('world'));
    await flushMicrotasks();
    expect(a.text()).toBe('before attach hello world');
    expect(a.frames.every((f) => f.type === 'output' && f.streamId === streamId)).toBe(true);
    expect(b.frames).toEqual([]);
    // Keystrokes from any connection go out at once.
    ca.receive(encodeTerminalFrame({ type: 'input', streamId, data: new Uint8Array([0x03]) }));
    expect(channel.written).toEqual([Buffer.from([0x03])]);
    expect(service.flowOf((await service.list())[0]!.terminalId)).toMatchObject({ pressure: 25, viewers: 1, paused: false });
    ca.receive(encodeTerminalFrame({ type: 'ack', streamId, bytes: 25 }));
    // Zero once the screen mirror has parsed them too (it counts like one more reader).
    const id = (await service.list())[0]!.terminalId;
    await expect.poll(() => service.flowOf(id)).toMatchObject({ pressure: 0 });
    ca.receive(encodeTerminalFrame({ type: 'detach', streamId }));
    channel.emit('data', Buffer.from('unseen'));
    await flushMicrotasks();
    expect(a.text()).toBe('before attach hello world');
  });

  it('replays the screen to a viewer that asks, then the live output: none lost, repeated or reordered, all counted for acks', async () => {
    const { engine, service } = setup();
    current = service;
    const { streamId, terminalId } = await service.open({ circuitId: 'c1', cols: 40, rows: 10 });
    const channel = engine.channels[0]!;
    const first = peer();
    const firstConnection = service.connect(first);
    firstConnection.receive(encodeTerminalFrame({ type: 'attach', streamId }));
    channel.emit('data', Buffer.from('\x1b[1mbench$\x1b[0m echo one\r\none\r\n'));
    // Waiting in flow control when the second viewer arrives: in its snapshot, not sent to it again.
    channel.emit('data', Buffer.from('bench$ '));
    const second = peer();
    const secondConnection = service.connect(second);
    secondConnection.receive(encodeTerminalFrame({ type: 'attach', streamId, replay: true }));
    // Output while the snapshot is being taken: the headless parser runs on a timer, so these
    // (and the microtask flush between them) come before it.
    channel.emit('data', Buffer.from('ec'));
    await Promise.resolve();
    channel.stderr.emit('data', Buffer.from('ho two'));
    await Promise.resolve();
    expect(first.text().endsWith('echo two')).toBe(true);
    expect(second.frames).toEqual([]);
    await expect.poll(() => second.frames.length).toBeGreaterThan(0);
    channel.emit('data', Buffer.from('\r\ntwo\r\n'));
    await flushMicrotasks();
    const received = second.text();
    // The snapshot first, then exactly the bytes produced after the ATTACH.
    expect(received.endsWith('echo two\r\ntwo\r\n')).toBe(true);
    expect(received.split('bench$').length - 1).toBe(2);
    expect(received).not.toMatch(/echo two.*echo two/s);
    // The first viewer saw the plain stream, unaffected.
    expect(first.text()).toBe('\x1b[1mbench$\x1b[0m echo one\r\none\r\nbench$ echo two\r\ntwo\r\n');
    // Drawn into a fresh terminal, the second viewer's bytes give the first viewer's screen.
    const { Terminal } = await import('@xterm/headless');
    const screens = await Promise.all(
      [first, second].map(async (p) => {
        const t = new Terminal({ cols: 40, rows: 10, allowProposedApi: true });
        for (const f of p.frames) if (f.type === 'output') await new Promise<void>((resolve) => t.write(f.data, resolve));
        const lines: string[] = [];
        for (let y = 0; y < t.buffer.active.length; y++) lines.push(t.buffer.active.getLine(y)!.translateToString());
        const screen = { lines, cursor: [t.buffer.active.cursorX, t.buffer.active.cursorY] };
        t.dispose();
        return screen;
      }),
    );
    expect(screens[1]).toEqual(screens[0]);
    // Everything sent to the second viewer, the snapshot included, is owed until it acks.
    const sent = second.frames.reduce((n, f) => n + (f.type === 'output' ? f.data.byteLength : 0), 0);
    firstConnection.receive(encodeTerminalFrame({ type: 'ack', streamId, bytes: first.text().length }));
    expect(service.flowOf(terminalId)).toMatchObject({ pressure: sent, viewers: 2 });
    secondConnection.receive(encodeTerminalFrame({ type: 'ack', streamId, bytes: sent }));
    await expect.poll(() => service.flowOf(terminalId)).toMatchObject({ pressure: 0 });
  });

  it('replays to the only viewer of a terminal nobody watched, and survives a detach or the end during the snapshot', async () => {
    const { engine, service } = setup();
    current = service;
    const a = await service.open({ circuitId: 'c1', cols: 80, rows: 24, closeCircuitWhenLastEnds: false });
    const channel = engine.channels[0]!;
    channel.emit('data', Buffer.from('nobody watched this\r\n'));
    const p = peer();
    const connection = service.connect(p);
    connection.receive(encodeTerminalFrame({ type: 'attach', streamId: a.streamId, replay: true }));
    // Not twice: the waiting output is in the snapshot.
    await expect.poll(() => p.text()).toContain('nobody watched this');
    await flushMicrotasks();
    expect(p.text().split('nobody watched this').length - 1).toBe(1);
    expect(service.flowOf(a.terminalId)).toMatchObject({ waiting: 0 });
    // Detached before its snapshot came: nothing arrives.
    const q = peer();
    const other = service.connect(q);
    other.receive(encodeTerminalFrame({ type: 'attach', streamId: a.streamId, replay: true }));
    other.receive(encodeTerminalFrame({ type: 'detach', streamId: a.streamId }));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(q.frames).toEqual([]);
    // The terminal ends while a snapshot is being taken: no throw, no late frames.
    const r = peer();
    service.connect(r).receive(encodeTerminalFrame({ type: 'attach', streamId: a.streamId, replay: true }));
    await service.close(a.terminalId);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(r.frames).toEqual([]);
    expect(r.errors).toEqual([]);
  });

  it('keeps the screen at the PTY size: a resize reaches the mirror too', async () => {
    const { engine, service } = setup();
    current = service;
    const t = await service.open({ circuitId: 'c1', cols: 80, rows: 24 });
    await service.resize(t.terminalId, 20, 5);
    engine.channels[0]!.emit('data', Buffer.from('0123456789012345678901234'));
    const p = peer();
    service.connect(p).receive(encodeTerminalFrame({ type: 'attach', streamId: t.streamId, replay: true }));
    // Wrapped at 20 columns, as the remote did.
    await expect.poll(() => p.text()).toMatch(/01234567890123456789\r?\n?01234/);
  });

  it('pauses a channel nobody acks at the high watermark; closing the connection drops its attachment, not the terminal', async () => {
    const { engine, service } = setup();
    current = service;
    const { streamId, terminalId } = await service.open({ circuitId: 'c1', cols: 80, rows: 24 });
    const channel = engine.channels[0]!;
    const p = peer();
    const connection = service.connect(p);
    connection.receive(encodeTerminalFrame({ type: 'attach', streamId }));
    for (let i = 0; i < 16; i++) channel.emit('data', Buffer.alloc(32 * 1024));
    expect(channel.paused).toBe(true);
    expect(channel.stderr.paused).toBe(true);
    connection.close();
    expect(service.flowOf(terminalId)).toMatchObject({ viewers: 0, waiting: 0 });
    // Once the screen mirror has parsed what it was given, nothing holds the channel.
    await expect.poll(() => service.flowOf(terminalId)).toMatchObject({ viewers: 0, pressure: 0, paused: false });
    expect(channel.paused).toBe(false);
    expect(await service.list()).toHaveLength(1);
    // A new page re-attaches by stream id.
    const again = peer();
    service.connect(again).receive(encodeTerminalFrame({ type: 'attach', streamId }));
    channel.emit('data', Buffer.from('still here'));
    await flushMicrotasks();
    expect(again.text()).toBe('still here');
  });

  it('answers bad frames, unknown streams and refused input with typed errors', async () => {
    const { engine, service } = setup();
    current = service;
    const { streamId } = await service.open({ circuitId: 'c1', cols: 80, rows: 24 });
    const p = peer();
    const connection = service.connect(p);
    connection.receive(new Uint8Array([1, 2, 3]));
    connection.receive(encodeTerminalFrame({ type: 'attach', streamId: 999 }));
    connection.receive(encodeTerminalFrame({ type: 'input', streamId: 999, data: new Uint8Array([1]) }));
    connection.receive(encodeTerminalFrame({ type: 'ack', streamId: 999, bytes: 5 }));
    engine.channels[0]!.writableLength = MAX_INPUT_BACKLOG_BYTES + 1;
    connection.receive(encodeTerminalFrame({ type: 'input', streamId, data: new Uint8Array([1]) }));
    expect(p.errors.map((e) => e.code)).toEqual(['BAD_FRAME', 'INVALID_ARGUMENT', 'INVALID_ARGUMENT', 'FRAME_TOO_LARGE']);
    expect(engine.channels[0]!.written).toEqual([]);
  });

  it('reports the exit status when the shell closes, and closes the circuit with its last terminal', async () => {
    const { engine, service, exits, ends, closed } = setup();
    current = service;
    const one = await service.open({ circuitId: 'c1', cols: 80, rows: 24 });
    const two = await service.open({ circuitId: 'c1', cols: 80, rows: 24 });
    const p = peer();
    service.connect(p).receive(encodeTerminalFrame({ type: 'attach', streamId: one.streamId }));
    const [first, second] = engine.channels;
    first!.emit('data', Buffer.from('bye'));
    first!.emit('exit', 3);
    first!.emit('close', 3);
    // The last output is flushed before the exit is told.
    expect(p.text()).toBe('bye');
    expect(exits).toEqual([{ terminalId: one.terminalId, exitCode: 3, signal: null }]);
    expect(first!.closed).toBe(true);
    expect(closed).toEqual([]);
    second!.emit('exit', null, 'SIGKILL');
    second!.emit('close');
    expect(exits).toEqual([
      { terminalId: one.terminalId, exitCode: 3, signal: null },
      { terminalId: two.terminalId, exitCode: null, signal: 'SIGKILL' },
    ]);
    expect(ends).toEqual([]);
    expect(closed).toEqual(['c1']);
    expect(await service.list()).toEqual([]);
  });

  it('writes a session log of the output only, for a circuit whose profile opted in', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'hl-session-log-'));
    const asked: [string, number][] = [];
    const { engine, service } = setup({ sessionLogPath: (circuitId, streamId) => (asked.push([circuitId, streamId]), path.join(dir, `s${streamId}.log`)) });
    current = service;
    const one = await service.open({ circuitId: 'c1', cols: 80, rows: 24 });
    service.connect(peer()).receive(encodeTerminalFrame({ type: 'input', streamId: one.streamId, data: new TextEncoder().encode('typed-secret\r') }));
    const channel = engine.channels[0]!;
    channel.emit('data', Buffer.from('Password: '));
    channel.emit('data', Buffer.from('\r\nwelcome\r\n'));
    channel.emit('exit', 0);
    channel.emit('close');
    expect(asked).toEqual([['c1', one.streamId]]);
    await expect.poll(() => readFileSync(path.join(dir, `s${one.streamId}.log`), 'utf8')).toBe('Password: \r\nwelcome\r\n');
    expect(statSync(path.join(dir, `s${one.streamId}.log`)).mode & 0o777).toBe(0o600);
  });

  it('leaves the circuit open when asked to, and on close() says DISCONNECTED', async () => {
    const { service, ends, closed } = setup();
    current = service;
    const t = await service.open({ circuitId: 'c1', cols: 80, rows: 24, closeCircuitWhenLastEnds: false });
    await service.close(t.terminalId);
    await service.close(t.terminalId);
    expect(ends).toEqual([{ terminalId: t.terminalId, reason: { code: 'DISCONNECTED', message: 'The terminal was closed' } }]);
    expect(closed).toEqual([]);
  });

  it('ends every terminal of a lost circuit with the error naming the hop, without closing anything else', async () => {
    const { engine, service, ends, exits, closed } = setup();
    engine.addCircuit('c2');
    current = service;
    const a = await service.open({ circuitId: 'c1', cols: 80, rows: 24 });
    const b = await service.open({ circuitId: 'c1', cols: 80, rows: 24 });
    const other = await service.open({ circuitId: 'c2', cols: 80, rows: 24 });
    const lost = { code: 'HOP_LOST' as const, message: 'Hop 2 (bastion-key) closed the connection.', hop: { index: 1, name: 'bastion-key' } };
    engine.end('c1', 'failed', lost);
    expect(ends).toEqual([
      { terminalId: a.terminalId, reason: lost },
      { terminalId: b.terminalId, reason: lost },
    ]);
    expect(exits).toEqual([]);
    expect(closed).toEqual([]);
    expect((await service.list()).map((t) => t.terminalId)).toEqual([other.terminalId]);
    engine.end('c2', 'closed');
    expect(ends.at(-1)).toEqual({ terminalId: other.terminalId, reason: { code: 'DISCONNECTED', message: 'The circuit was closed' } });
  });

  it('waits briefly after a close without exit status, so a dying circuit can name its hop', async () => {
    const { engine, service, ends } = setup({ closeGraceMs: 100 });
    current = service;
    const a = await service.open({ circuitId: 'c1', cols: 80, rows: 24, closeCircuitWhenLastEnds: false });
    const b = await service.open({ circuitId: 'c1', cols: 80, rows: 24, closeCircuitWhenLastEnds: false });
    engine.channels[0]!.emit('close');
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(ends).toEqual([{ terminalId: a.terminalId, reason: { code: 'DISCONNECTED', message: 'The shell on hop 3 (target) ended without an exit status' } }]);
    engine.channels[1]!.emit('close');
    const lost = { code: 'HOP_LOST' as const, message: 'Hop 1 (bastion-mfa) stopped answering keepalives.', hop: { index: 0, name: 'bastion-mfa' } };
    engine.end('c1', 'failed', lost);
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(ends.at(-1)).toEqual({ terminalId: b.terminalId, reason: lost });
    expect(ends).toHaveLength(2);
  });

  it('does not close a circuit while another terminal on it is still opening', async () => {
    const { engine, service, closed } = setup();
    current = service;
    const t = await service.open({ circuitId: 'c1', cols: 80, rows: 24 });
    const opening = service.open({ circuitId: 'c1', cols: 80, rows: 24 });
    await service.close(t.terminalId);
    expect(closed).toEqual([]);
    await opening;
    expect(engine.channels).toHaveLength(2);
  });

  it('closes the new channel if the circuit ended while it was opening', async () => {
    const { engine, service } = setup();
    current = service;
    const opening = service.open({ circuitId: 'c1', cols: 80, rows: 24 });
    engine.end('c1', 'closed');
    await expect(opening).rejects.toMatchObject({ code: 'HOP_LOST' });
    expect(engine.channels[0]!.closed).toBe(true);
  });
});
