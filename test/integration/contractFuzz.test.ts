/**
 * Contract fuzzing over both transports, with fast-check.
 *
 * Web mode: the real built server in its own process (dist/, so under the lab lock), over a real
 * WebSocket. Random JSON, random frame shapes, unknown and prototype-named channels, near-valid
 * arguments for every method (one mutation from valid, from the schemas' own table), prototype
 * keys at every level, deep nesting, binary garbage and invalid UTF-8. After every message a
 * sentinel call must still be answered on the same connection; every answer must be a typed
 * frame with a known error code, never INTERNAL; a call gets its result; a connection is closed
 * only where the WebSocket protocol says so (1007 invalid UTF-8, 1009 too big), and then a new
 * one works. The process never exits and logs no internal error.
 *
 * Electron IPC: the real transport (electronIpc.ts) with a fake ipcMain, in front of the real
 * composed services in a temp data dir: random senders, any structured-clone value (maps,
 * typed arrays, bigints, null-prototype and cyclic objects), prototype keys, near-valid
 * arguments. Every handler resolves to a Result (nothing thrown), untrusted senders get
 * FORBIDDEN, invalid arguments INVALID_ARGUMENT, Object.prototype is untouched, and the next
 * valid call works.
 *
 * Runs are bounded; the seed is printed (HOPLINE_FUZZ_SEED=<n> replays a run).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { composeServices, type Composed } from '../../app/main/compose';
import { attachElectronIpc, type IpcInvokeEventLike, type IpcMainEventLike, type IpcMainLike } from '../../app/main/transports/electronIpc';
import { ErrorCode, isWireError, type WireError } from '../../app/shared/model/errors';
import { FRAME_LIMITS, parseClientFrame, parseServerFrame, type ServerFrame } from '../../app/shared/rpc/protocol';
import { startWebProcess, type WebProcess } from '../helpers/webProcess';
import { EVENT_CHANNELS, METHOD_CHANNELS, PROTOTYPE_KEYS, VALID_ARGS, deepArrayJson, deepObjectJson, isValidArgs, nastyString, nearValidArgs, protoKeyedValue, reachesOutside } from '../security/contractFuzzInputs';

const SEED = Number(process.env.HOPLINE_FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
/** Bounded for `npm test`; HOPLINE_FUZZ_RUNS=<n> runs deeper by hand. */
const RUNS = Number(process.env.HOPLINE_FUZZ_RUNS ?? 300);
console.info(`contract fuzz seed ${SEED}, ${RUNS} runs per property (HOPLINE_FUZZ_SEED=${SEED} replays it)`);

/** Sentinel ids live far above anything the fuzzer sends, so results never get confused. */
let nextSentinel = 2 ** 50;

// ---------------------------------------------------------------------------------------------
// Web mode

interface Conn {
  ws: WebSocket;
  frames: unknown[];
  unparseable: string[];
  closed: Promise<{ code: number }>;
  changed: () => Promise<void>;
}

function connect(port: number, token: string): Promise<Conn> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/rpc?token=${encodeURIComponent(token)}`, { origin: `http://127.0.0.1:${port}` });
  const frames: unknown[] = [];
  const unparseable: string[] = [];
  let wake: (() => void)[] = [];
  ws.on('message', (data, isBinary) => {
    if (!isBinary) {
      try {
        frames.push(JSON.parse(String(data)));
      } catch {
        unparseable.push(String(data).slice(0, 200));
      }
    } else frames.push({ binary: true });
    for (const w of wake.splice(0)) w();
  });
  const closed = new Promise<{ code: number }>((resolve) => ws.on('close', (code) => resolve({ code })));
  ws.on('error', () => undefined);
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve({ ws, frames, unparseable, closed, changed: () => new Promise<void>((r) => (wake = [...wake, r])) }));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
  });
}

function resultFor(frames: unknown[], from: number, id: number): (ServerFrame & { type: 'result' }) | undefined {
  return frames.slice(from).find((f): f is ServerFrame & { type: 'result' } => typeof f === 'object' && f !== null && (f as { type?: unknown }).type === 'result' && (f as { id?: unknown }).id === id);
}

type Payload = { kind: 'text'; data: string } | { kind: 'rawText'; bytes: Uint8Array } | { kind: 'binary'; bytes: Uint8Array };

const isUtf8 = (bytes: Uint8Array): boolean => {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
};

/** What the server must do with one payload, worked out from the payload alone. */
function expectation(payload: Payload): { closeCode: number | null; callId: number | null; code: ErrorCode | null; channel: string | null; args: unknown } {
  const none = { closeCode: null, callId: null, code: null, channel: null, args: undefined };
  if (payload.kind === 'binary') return none;
  if (payload.kind === 'rawText' && !isUtf8(payload.bytes)) return { ...none, closeCode: 1007 };
  const text = payload.kind === 'text' ? payload.data : new TextDecoder().decode(payload.bytes);
  if (Buffer.byteLength(text) > FRAME_LIMITS.maxTextBytes) return { ...none, code: ErrorCode.FRAME_TOO_LARGE };
  let decoded: unknown;
  try {
    decoded = JSON.parse(text);
  } catch {
    return { ...none, code: ErrorCode.BAD_FRAME };
  }
  const parsed = parseClientFrame(decoded);
  if (!parsed.ok) return { ...none, callId: parsed.id, code: parsed.error.code };
  if (parsed.frame.type !== 'call') return none;
  const { id, channel, args } = parsed.frame;
  if (!METHOD_CHANNELS.includes(channel)) return { ...none, callId: id, code: ErrorCode.METHOD_NOT_FOUND };
  return { ...none, callId: id, code: isValidArgs(channel, args) ? null : ErrorCode.INVALID_ARGUMENT, channel, args };
}

function checkFrame(frame: unknown, where: string): void {
  const parsed = parseServerFrame(frame);
  expect(parsed, `${where}: not a server frame: ${JSON.stringify(frame)?.slice(0, 200)}`).not.toBeNull();
  if (parsed && parsed.type !== 'event' && !(parsed.type === 'result' && parsed.ok)) {
    const error = (parsed as { error: WireError }).error;
    expect(isWireError(error), where).toBe(true);
    expect(error.code, `${where}: ${error.message}`).not.toBe(ErrorCode.INTERNAL);
  }
}

const callText = (id: number, channel: string, args: unknown): string => JSON.stringify({ type: 'call', id, channel, args });

/** Random frame shapes: keys present or not, wrong types, unknown and prototype-named channels. */
const frameShape = fc
  .record(
    {
      type: fc.oneof(fc.constantFrom('call', 'subscribe', 'unsubscribe'), fc.string({ maxLength: 6 }), fc.integer()),
      id: fc.oneof(fc.nat({ max: 2 ** 31 }), fc.constantFrom(-1, 1.5, '7', null, 2 ** 53)),
      channel: fc.oneof(
        fc.constantFrom(...METHOD_CHANNELS, ...EVENT_CHANNELS, ...PROTOTYPE_KEYS, 'app:constructor', 'constructor:prototype', 'app:__proto__', 'hosts:hasOwnProperty', 'toString:valueOf', 'app:ping ', 'APP:PING', `app:${'x'.repeat(200)}`),
        fc.string({ maxLength: 20 }),
        fc.stringMatching(/^[a-z][a-zA-Z]{0,8}:[a-z][a-zA-Z]{0,8}$/),
      ),
      args: fc.oneof(protoKeyedValue, fc.array(protoKeyedValue, { maxLength: 20 })),
      extra: protoKeyedValue,
    },
    { requiredKeys: [] },
  )
  .map(({ extra, ...frame }) => JSON.stringify(typeof extra === 'object' && extra !== null && !Array.isArray(extra) ? { ...Object.fromEntries(Object.entries(extra)), ...frame } : frame));

const nearValidCall = fc
  .constantFrom(...METHOD_CHANNELS)
  .chain((channel) => fc.tuple(fc.constant(channel), nearValidArgs(channel), fc.nat({ max: 2 ** 31 })))
  .filter(([channel, args]) => !reachesOutside(channel, args))
  .map(([channel, args, id]) => callText(id, channel, args));

const deepCall = fc
  .tuple(fc.constantFrom(...METHOD_CHANNELS), fc.constantFrom(1_000, 10_000, 100_000, 500_000), fc.boolean(), fc.nat({ max: 2 ** 31 }))
  .map(([channel, depth, objects, id]) => `{"type":"call","id":${id},"channel":"${channel}","args":[${objects ? deepObjectJson(Math.min(depth, 50_000)) : deepArrayJson(depth)}]}`);

const binaryFrame = fc.oneof(
  fc.uint8Array({ maxLength: 2048 }),
  // Near-valid terminal frames: a real or nearly real type, any stream id, any payload.
  fc.tuple(fc.integer({ min: 0, max: 7 }), fc.integer({ min: 0, max: 0xffff_ffff }), fc.uint8Array({ maxLength: 64 })).map(([type, stream, payload]) => {
    const bytes = new Uint8Array(5 + payload.length);
    const view = new DataView(bytes.buffer);
    view.setUint8(0, type);
    view.setUint32(1, stream);
    bytes.set(payload, 5);
    return bytes;
  }),
);

const payloads: fc.Arbitrary<Payload> = fc.oneof(
  fc.json().map((data) => ({ kind: 'text' as const, data })),
  fc.string({ unit: 'binary', maxLength: 200 }).map((data) => ({ kind: 'text' as const, data })),
  frameShape.map((data) => ({ kind: 'text' as const, data })),
  { weight: 4, arbitrary: nearValidCall.map((data) => ({ kind: 'text' as const, data })) },
  deepCall.map((data) => ({ kind: 'text' as const, data })),
  fc.tuple(fc.constantFrom(...METHOD_CHANNELS), protoKeyedValue).map(([channel, value]) => ({ kind: 'text' as const, data: callText(1, channel, [value]) })),
  fc.tuple(fc.constantFrom(...METHOD_CHANNELS), nastyString).map(([channel, value]) => ({ kind: 'text' as const, data: callText(2, channel, [value]) })),
  binaryFrame.map((bytes) => ({ kind: 'binary' as const, bytes })),
  fc.uint8Array({ maxLength: 64 }).map((bytes) => ({ kind: 'rawText' as const, bytes })),
);

describe('contract fuzzing over web mode', () => {
  let web: WebProcess;
  let home: string;

  beforeAll(async () => {
    home = mkdtempSync(path.join(tmpdir(), 'hl-fuzz-home-'));
    // A throwaway HOME and no session bus: whatever the fuzzer saves stays in temp dirs and memory.
    const env: NodeJS.ProcessEnv = { ...process.env, HOME: home, DBUS_SESSION_BUS_ADDRESS: `unix:path=${path.join(home, 'no-bus')}` };
    delete env.DISPLAY;
    web = await startWebProcess({ env });
  });
  afterAll(async () => {
    await web?.stop();
  });

  /** What the fuzz run exercised, so a degenerate generator shows up as a failure. */
  const seen = new Map<string, number>();
  const count = (what: string): void => void seen.set(what, (seen.get(what) ?? 0) + 1);

  /** Sends one payload then a sentinel; checks the answers; returns the connection to go on with. */
  async function round(conn: Conn, payload: Payload): Promise<Conn> {
    const start = conn.frames.length;
    const expected = expectation(payload);
    if (payload.kind === 'text') conn.ws.send(payload.data);
    else conn.ws.send(payload.bytes, { binary: payload.kind === 'binary' });
    const sentinel = nextSentinel++;
    conn.ws.send(callText(sentinel, 'app:version', []));
    const done = (): boolean => resultFor(conn.frames, start, sentinel) !== undefined && (expected.callId === null || resultFor(conn.frames, start, expected.callId) !== undefined);
    const deadline = Date.now() + 15_000;
    let closedWith: number | null = null;
    void conn.closed.then(({ code }) => (closedWith = code));
    while (!done() && closedWith === null && Date.now() < deadline) await Promise.race([conn.changed(), conn.closed, new Promise((r) => setTimeout(r, 250))]);

    const where = `payload ${JSON.stringify(payload).slice(0, 300)}`;
    if (closedWith !== null) {
      expect(closedWith, `${where}: connection closed`).toBe(expected.closeCode);
      count(`closed ${closedWith}`);
      return connect(web.port, web.token);
    }
    expect(expected.closeCode, `${where}: the connection should have been closed`).toBeNull();
    expect(done(), `${where}: no answer within 15 s`).toBe(true);
    expect(conn.unparseable, where).toEqual([]);
    for (const frame of conn.frames.slice(start)) {
      checkFrame(frame, where);
      const f = frame as { type?: string; id?: number; ok?: boolean; error?: { code?: string } };
      if (f.id !== sentinel) count(f.type === 'result' && f.ok ? 'result ok' : `${f.type} ${f.error?.code ?? ''}`.trim());
    }
    expect(resultFor(conn.frames, start, sentinel)).toMatchObject({ ok: true, value: expect.stringMatching(/^\d/) });
    if (expected.callId !== null && expected.code !== null) {
      expect(resultFor(conn.frames, start, expected.callId), where).toMatchObject({ ok: false, error: { code: expected.code } });
    }
    if (expected.callId === null && expected.code !== null) {
      expect(conn.frames.slice(start).some((f) => (f as { type?: string; error?: { code?: string } }).type === 'error' && (f as { error: { code: string } }).error.code === expected.code), where).toBe(true);
    }
    return conn;
  }

  it(`answers ${RUNS} random, malformed and near-valid messages with typed errors and keeps working`, async () => {
    let conn = await connect(web.port, web.token);
    const stderrBefore = web.stderr().length;
    await fc.assert(
      fc.asyncProperty(payloads, async (payload) => {
        conn = await round(conn, payload);
      }),
      { seed: SEED, numRuns: RUNS, endOnFailure: true },
    );
    console.info(`web mode fuzz: ${JSON.stringify(Object.fromEntries(seen))}`);
    if (RUNS >= 100) {
      for (const outcome of ['result ok', 'result INVALID_ARGUMENT', 'result METHOD_NOT_FOUND', 'error BAD_FRAME', 'closed 1007']) expect(seen.get(outcome) ?? 0, outcome).toBeGreaterThan(0);
    }
    // The same connection (or its replacement) still works, and so does a new one.
    const start = conn.frames.length;
    const pingId = nextSentinel++;
    conn.ws.send(callText(pingId, 'app:ping', [{ nonce: 'after-fuzz' }]));
    await expect.poll(() => resultFor(conn.frames, start, pingId), { timeout: 10_000 }).toMatchObject({ ok: true, value: { nonce: 'after-fuzz' } });
    conn.ws.close();
    const fresh = await connect(web.port, web.token);
    await round(fresh, { kind: 'text', data: callText(3, 'hosts:list', []) });
    fresh.ws.close();
    expect(web.child.exitCode).toBeNull();
    expect(web.stderr().slice(stderrBefore)).not.toMatch(/error:/);
  }, 300_000);

  it('answers an event channel called as a method with METHOD_NOT_FOUND (found by this fuzzer: it said NOT_AVAILABLE)', async () => {
    let conn = await connect(web.port, web.token);
    for (const [i, channel] of EVENT_CHANNELS.entries()) {
      const data = callText(100 + i, channel, []);
      expect(expectation({ kind: 'text', data }).code).toBe(ErrorCode.METHOD_NOT_FOUND);
      conn = await round(conn, { kind: 'text', data });
    }
    conn.ws.close();
  });

  it('treats text frames by size: up to 1 MiB is read, one byte more is FRAME_TOO_LARGE, over 16 MiB closes with 1009', async () => {
    const conn = await connect(web.port, web.token);
    const frameOf = (bytes: number, id: number): string => {
      const head = `{"type":"call","id":${id},"channel":"app:ping","args":[{"nonce":"`;
      const tail = '"}]}';
      return head + 'n'.repeat(bytes - head.length - tail.length) + tail;
    };
    for (const [size, code] of [
      [FRAME_LIMITS.maxTextBytes, ErrorCode.INVALID_ARGUMENT],
      [FRAME_LIMITS.maxTextBytes - 1, ErrorCode.INVALID_ARGUMENT],
      [FRAME_LIMITS.maxTextBytes + 1, ErrorCode.FRAME_TOO_LARGE],
      [4 * FRAME_LIMITS.maxTextBytes, ErrorCode.FRAME_TOO_LARGE],
    ] as const) {
      const data = frameOf(size, 10 + size);
      expect(Buffer.byteLength(data)).toBe(size);
      expect(expectation({ kind: 'text', data }).code).toBe(code);
      // round() checks the answer carries that code and that the connection stays open.
      expect(await round(conn, { kind: 'text', data }), `size ${size} must not close the connection`).toBe(conn);
    }
    // Past ws's hard limit the protocol closes the connection (1009); the server stays up.
    conn.ws.send(Buffer.alloc(16 * 1024 * 1024 + 1, 0x20));
    expect((await conn.closed).code).toBe(1009);
    const fresh = await connect(web.port, web.token);
    await round(fresh, { kind: 'text', data: callText(4, 'app:version', []) });
    fresh.ws.close();
    expect(web.child.exitCode).toBeNull();
  }, 120_000);
});

// ---------------------------------------------------------------------------------------------
// Electron IPC

class FakeIpcMain implements IpcMainLike {
  readonly handlers = new Map<string, (event: IpcInvokeEventLike, ...args: unknown[]) => unknown>();
  readonly listeners = new Map<string, (event: IpcMainEventLike, ...args: unknown[]) => void>();
  handle(channel: string, listener: (event: IpcInvokeEventLike, ...args: unknown[]) => unknown): void {
    this.handlers.set(channel, listener);
  }
  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  }
  on(channel: string, listener: (event: IpcMainEventLike, ...args: unknown[]) => void): void {
    this.listeners.set(channel, listener);
  }
  removeListener(channel: string): void {
    this.listeners.delete(channel);
  }
}

const TRUSTED_URLS = ['app://hopline/index.html', 'app://hopline/', 'app://hopline/assets/x.js?y#z'];
const UNTRUSTED_URLS = ['https://evil.example/', 'app://evil/index.html', 'app://hopline.evil/', 'app://evil@hopline.example/', 'file:///index.html', 'http://127.0.0.1/', 'devtools://devtools/', 'not a url', '', 'app:hopline'];

const senderFrame = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom(...TRUSTED_URLS).map((url) => ({ trusted: true, frame: { url, parent: null } })) },
  fc.constantFrom(...UNTRUSTED_URLS).map((url) => ({ trusted: false, frame: { url, parent: null } as { url: string; parent: unknown } | null })),
  // A trusted URL in a subframe is still refused.
  fc.constantFrom(...TRUSTED_URLS).map((url) => ({ trusted: false, frame: { url, parent: { url: 'app://hopline/', parent: null } } })),
  fc.constant({ trusted: false, frame: null }),
);

function cyclic(): unknown[] {
  const list: unknown[] = [];
  const node: Record<string, unknown> = { name: 'loop', list };
  list.push(list, node);
  node.self = node;
  return list;
}

/** Anything structured clone can carry, which is what a compromised renderer could send. */
const cloneable: fc.Arbitrary<unknown> = fc.oneof(
  fc.anything({ withBigInt: true, withDate: true, withMap: true, withSet: true, withTypedArray: true, withNullPrototype: true, withSparseArray: true, withBoxedValues: true, maxDepth: 4 }),
  protoKeyedValue,
  nastyString,
  fc.constant(cyclic()),
  fc.constant(Object.create(null) as unknown),
  fc.constant('z'.repeat(2 * 1024 * 1024)),
);

const ipcCall = fc.oneof(
  fc.tuple(fc.constantFrom(...METHOD_CHANNELS), cloneable, fc.array(cloneable, { maxLength: 2 })).map(([channel, args, extra]) => ({ channel, args, extra })),
  fc.tuple(fc.constantFrom(...METHOD_CHANNELS), fc.array(cloneable, { maxLength: 4 })).map(([channel, args]) => ({ channel, args: args as unknown, extra: [] as unknown[] })),
  {
    weight: 3,
    arbitrary: fc
      .constantFrom(...METHOD_CHANNELS)
      .chain((channel) => fc.tuple(fc.constant(channel), nearValidArgs(channel)))
      .map(([channel, args]) => ({ channel, args: args as unknown, extra: [] as unknown[] })),
  },
);

describe('contract fuzzing over Electron IPC', () => {
  let services: Composed;
  let ipc: FakeIpcMain;
  const opened: string[] = [];
  const refused: string[] = [];
  const frameErrors: WireError[] = [];
  const prototypesBefore = [Object.prototype, Array.prototype, Function.prototype].map((p) => Object.getOwnPropertyNames(p).sort());

  beforeAll(async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'hl-fuzz-ipc-'));
    services = await composeServices(
      {
        version: '9.9.9',
        transport: 'electron',
        dataDir: dir,
        openExternal: async (url) => {
          opened.push(url);
        },
      },
      { credentials: { mode: 'memory' }, hostsEnvironment: { homeDir: dir, localUser: 'fuzz' }, hostKeyFiles: { userFiles: [], appFile: path.join(dir, 'known_hosts') } },
    );
    ipc = new FakeIpcMain();
    attachElectronIpc(ipc, services.rpc, () => [], (channel) => refused.push(channel), { terminals: services.terminalFrames, onTerminalFrameError: (e) => frameErrors.push(e) });
  });
  afterAll(async () => {
    await services?.dispose();
  });

  it(`answers ${RUNS} random calls from random senders with Results, never a throw`, async () => {
    // What the run exercised, so a degenerate generator (all refused, all invalid) shows up.
    const seen = { forbidden: 0, invalid: 0, ok: 0, otherError: 0 };
    await fc.assert(
      fc.asyncProperty(ipcCall, senderFrame, async ({ channel, args, extra }, sender) => {
        if (sender.trusted && reachesOutside(channel, args)) return;
        const refusedBefore = refused.length;
        let result: unknown;
        try {
          result = await ipc.handlers.get(channel)!({ senderFrame: sender.frame as IpcInvokeEventLike['senderFrame'] }, args, ...extra);
        } catch (error) {
          throw new Error(`${channel} threw instead of answering: ${String(error)}`, { cause: error });
        }
        const r = result as { ok: boolean; error?: WireError };
        expect(typeof r.ok).toBe('boolean');
        if (!sender.trusted) {
          expect(r).toMatchObject({ ok: false, error: { code: ErrorCode.FORBIDDEN } });
          expect(refused.length).toBe(refusedBefore + 1);
          seen.forbidden++;
          return;
        }
        if (r.ok) seen.ok++;
        else if (r.error?.code === ErrorCode.INVALID_ARGUMENT) seen.invalid++;
        else seen.otherError++;
        if (!r.ok) {
          expect(isWireError(r.error), JSON.stringify(r.error)).toBe(true);
          expect(r.error!.code, r.error!.message).not.toBe(ErrorCode.INTERNAL);
        }
        if (!Array.isArray(args) || !isValidArgs(channel, args)) expect(r).toMatchObject({ ok: false, error: { code: ErrorCode.INVALID_ARGUMENT } });
        // Whatever came back crossed a process boundary in Electron: it must survive structured clone.
        expect(() => structuredClone(result)).not.toThrow();
      }),
      { seed: SEED, numRuns: RUNS, endOnFailure: true },
    );
    console.info(`Electron IPC fuzz: ${JSON.stringify(seen)}`);
    for (const outcome of ['forbidden', 'invalid', 'ok'] as const) expect(seen[outcome], outcome).toBeGreaterThan(0);
    expect(opened.every((url) => /^https?:\/\/[^@/]+\//.test(url)), opened.join(' ')).toBe(true);
    const prototypesAfter = [Object.prototype, Array.prototype, Function.prototype].map((p) => Object.getOwnPropertyNames(p).sort());
    expect(prototypesAfter).toEqual(prototypesBefore);
    expect(({}) as Record<string, unknown>).not.toHaveProperty('polluted');
    const trusted = { senderFrame: { url: 'app://hopline/index.html', parent: null } };
    await expect(ipc.handlers.get('app:ping')!(trusted, [{ nonce: 'after-fuzz' }])).resolves.toMatchObject({ ok: true, value: { nonce: 'after-fuzz' } });
    await expect(ipc.handlers.get('hosts:list')!(trusted, [])).resolves.toMatchObject({ ok: true });
  }, 300_000);

  it('refuses deeply nested arguments to every method with INVALID_ARGUMENT', async () => {
    const trusted = { senderFrame: { url: 'app://hopline/index.html', parent: null } };
    for (const deep of [JSON.parse(deepArrayJson(100_000)) as unknown, JSON.parse(deepObjectJson(50_000)) as unknown]) {
      for (const channel of METHOD_CHANNELS) {
        await expect(ipc.handlers.get(channel)!(trusted, [deep]), channel).resolves.toMatchObject({ ok: false, error: { code: ErrorCode.INVALID_ARGUMENT } });
        await expect(ipc.handlers.get(channel)!(trusted, deep), channel).resolves.toMatchObject({ ok: false, error: { code: ErrorCode.INVALID_ARGUMENT } });
      }
    }
  });

  it('drops terminal frames that are not bytes, or from untrusted senders, without throwing', () => {
    let nextWindow = 1;
    fc.assert(
      fc.property(fc.oneof(cloneable, binaryFrame), senderFrame, (data, sender) => {
        const window = { id: nextWindow++, isDestroyed: () => false, send: () => undefined, on: () => undefined, removeListener: () => undefined };
        const errorsBefore = frameErrors.length;
        const refusedBefore = refused.length;
        expect(() => ipc.listeners.get('terminal:frame')!({ senderFrame: sender.frame as IpcInvokeEventLike['senderFrame'], sender: window }, data)).not.toThrow();
        if (!sender.trusted) expect(refused.length).toBe(refusedBefore + 1);
        else if (!(data instanceof Uint8Array)) expect(frameErrors.slice(errorsBefore).map((e) => e.code)).toEqual([ErrorCode.BAD_FRAME]);
        for (const error of frameErrors.slice(errorsBefore)) expect(isWireError(error)).toBe(true);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('has a valid call for every method, so the near-valid inputs start from the real contract', () => {
    expect(Object.keys(VALID_ARGS).sort()).toEqual([...ipc.handlers.keys()].sort());
  });
});
