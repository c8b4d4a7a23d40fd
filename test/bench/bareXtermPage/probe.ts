/**
 * In-page instruments for the terminal benchmarks (test/bench/terminalBench.ts), bundled by
 * esbuild into one script and installed as a Playwright init script in every page of the
 * bench's browser context: the Hopline page (which ships no test hook and gets none) and the
 * bare xterm page. Installed at document start, it sees every keydown before the page's own
 * listeners (a capture listener on window), every binary WebSocket message (a WebSocket
 * subclass put in place before the app creates its socket; only counted, never altered) and
 * every terminal frame on the app's streamed downlink (a hook on its body's reader).
 *
 * Everything that decides "the terminal has shown it" is the same on both sides of each ratio:
 * a MutationObserver on the xterm DOM renderer's `.xterm-rows`. The DOM renderer rewrites the
 * rows in its requestAnimationFrame callback, and the observer's callback runs right after, in
 * the same frame, before paint: so "seen" is the moment the echo or marker is in the DOM that
 * is about to be painted. Both pages run in the same Chromium with --disable-3d-apis, so both
 * use the DOM renderer. Cursor blink is a CSS animation there, not a DOM change, so an idle
 * terminal produces no mutations.
 *
 * For diagnosis it can also trace every binary message each way (setTracing): terminal frames
 * in, acks and keystrokes out, with their times.
 *
 * Start times are the keydown event's `timeStamp` (same clock as performance.now()): for input
 * that Playwright injects, Chromium stamps the event when the browser creates it, so the time
 * the event waits for a busy renderer main thread (during a flood) is counted, as a user would
 * feel it.
 */
import { Terminal } from '@xterm/xterm';
import { DownlinkRecordSplitter, isJsonRecord } from '../../../app/shared/rpc/downlinkRecords';
import { resolveTerminalOptions, xtermOptions } from '../../../app/renderer/features/terminals/terminalSettings';

interface KeyMark {
  key: string;
  ctrl: boolean;
  /** The event's timeStamp: when the browser created it. */
  at: number;
  /** When the page's main thread got to it. */
  handledAt: number;
  /** Binary WebSocket bytes received by then. */
  wsBytes: number;
}

export interface EchoSample {
  /** keydown timeStamp → the echoed character in the rows' DOM. */
  ms: number;
  /** keydown timeStamp → its dispatch in the page (input queueing). */
  dispatchMs: number;
}

export interface MarkerResult {
  /** Start (Enter keydown, or the first write) → the marker in the rows' DOM. */
  ms: number;
  /** Binary WebSocket bytes received between start and the marker (0 on a page without a socket). */
  wsBytes: number;
  /** Start → the last binary WebSocket message before the marker was seen (0 if none). */
  lastByteMs: number;
}

export interface QuietResult {
  /** Ctrl+C keydown → the last change of the rows (the prompt drawn after ^C). */
  screenMs: number;
  /** Ctrl+C keydown → the last binary WebSocket message. */
  bytesMs: number;
  /** Row mutations observed after the keydown. */
  mutations: number;
  /** Binary WebSocket bytes received after the keydown was handled: output already on its way. */
  bytesAfter: number;
}

export interface RefThroughputResult extends MarkerResult {
  /** Start → the write callback of the last payload chunk. */
  lastCallbackMs: number;
  bytes: number;
}

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** One binary WebSocket message, for diagnosis (setTracing). */
export interface TraceEntry {
  at: number;
  dir: 'in' | 'out';
  bytes: number;
  /** Its first 9 bytes: a terminal frame's type, stream id and (for an ACK) the count. */
  head: number[];
}

export interface HlBench {
  keys: KeyMark[];
  /** Binary messages received on the page's sockets. */
  ws: { bytes: number; messages: number; lastAt: number };
  trace: TraceEntry[];
  /** Starts (clearing what was traced) or stops noting every binary message. */
  setTracing(on: boolean): void;
  /** Counts `ch` in the rows now, then resolves once the count grows: the echo of the next keystroke. */
  armEcho(rowsSelector: string, ch: string): void;
  echoResult(): Promise<EchoSample>;
  /** Resolves once the rows show `marker`, timed from the next Enter keydown. */
  armMarker(rowsSelector: string, marker: string): void;
  markerResult(): Promise<MarkerResult>;
  /** Resolves once the rows and the socket have been still for `quietForMs` after the next Ctrl+C. */
  armQuiet(rowsSelector: string, quietForMs: number, limitMs: number): void;
  quietResult(): Promise<QuietResult>;
  /** A plain xterm.js Terminal over `rect`, fed `payloadUrl` with term.write, timed to a marker in its rows. */
  refThroughput(payloadUrl: string, rect: Rect, cols: number, rows: number, marker: string, parentSelector?: string): Promise<RefThroughputResult>;
  /**
   * A plain xterm.js Terminal over `rect`, fed the payload over a loopback WebSocket (`floodUrl`:
   * 64 KiB binary messages, at most 1 MiB unacked; each acked from the write callback), timed to a
   * marker: what the browser's WebSocket path costs on its own, without SSH or Hopline.
   */
  wsThroughput(floodUrl: string, rect: Rect, cols: number, rows: number, marker: string, inWorker?: boolean): Promise<MarkerResult>;
  /**
   * A plain xterm.js Terminal over `rect`, fed `payloadUrl` as its HTTP response body streams in
   * (fetch's reader, at most 1 MiB written but not called back), timed to a marker: Chromium gives
   * a response body a 512 KiB pipe where a WebSocket gets about 128 KiB, so this says what a
   * bigger pipe per main-thread turn is worth.
   */
  streamThroughput(payloadUrl: string, rect: Rect, cols: number, rows: number, marker: string): Promise<MarkerResult>;
  /** The bare reference terminal: xterm.js wired to an echoing WebSocket. */
  startBare(wsUrl: string, rect: Rect, cols: number, rows: number): Promise<void>;
}

declare global {
  interface Window {
    hlBench?: HlBench;
  }
}

const CHUNK_BYTES = 64 * 1024;
/** The reference keeps this much written but not yet called back: xterm never waits for input. */
const REF_WINDOW_BYTES = 1024 * 1024;

function rowsElement(selector: string): HTMLElement {
  const el = document.querySelector<HTMLElement>(selector);
  if (!el) throw new Error(`no element matches ${selector}`);
  return el;
}

function countChar(el: HTMLElement, ch: string): number {
  const text = el.textContent ?? '';
  let n = 0;
  for (let at = text.indexOf(ch); at >= 0; at = text.indexOf(ch, at + 1)) n++;
  return n;
}

function observeRows(el: HTMLElement, onChange: () => void): MutationObserver {
  const observer = new MutationObserver(onChange);
  observer.observe(el, { childList: true, subtree: true, characterData: true });
  return observer;
}

/** The options Hopline gives its terminals (profile defaults), with no link handling. */
function referenceOptions(cols: number, rows: number): ConstructorParameters<typeof Terminal>[0] {
  return { ...xtermOptions(resolveTerminalOptions(null), undefined), cols, rows };
}

/** A container for a reference terminal: over `rect` on the page, or filling `parentSelector`'s element. */
function overlay(rect: Rect, parentSelector?: string): HTMLDivElement {
  const div = document.createElement('div');
  const parent = parentSelector ? document.querySelector<HTMLElement>(parentSelector) : null;
  if (parentSelector && !parent) throw new Error(`no element matches ${parentSelector}`);
  div.style.cssText = parent
    ? 'position:absolute;inset:0;z-index:10;background:#14171c;overflow:hidden'
    : `position:fixed;left:${rect.x}px;top:${rect.y}px;width:${rect.width}px;height:${rect.height}px;z-index:10000;background:#14171c;overflow:hidden`;
  (parent ?? document.body).append(div);
  return div;
}

/** A WebSocket opened in a dedicated worker, relayed here by postMessage. */
function workerSocket(url: string): Pick<WebSocket, 'send' | 'close' | 'onmessage' | 'onopen' | 'onerror'> {
  const code = `
    const ws = new WebSocket(${JSON.stringify(url)});
    ws.binaryType = 'arraybuffer';
    ws.onopen = () => postMessage({ open: true });
    ws.onerror = () => postMessage({ error: true });
    ws.onmessage = (e) => postMessage(e.data, [e.data]);
    onmessage = (e) => (e.data === 'close' ? ws.close() : ws.send(e.data));
  `;
  const worker = new Worker(URL.createObjectURL(new Blob([code], { type: 'text/javascript' })));
  const relay = {
    onmessage: null as WebSocket['onmessage'],
    onopen: null as WebSocket['onopen'],
    onerror: null as WebSocket['onerror'],
    send: (data: Uint8Array) => worker.postMessage(data.slice()),
    close: () => {
      worker.postMessage('close');
      setTimeout(() => worker.terminate(), 100);
    },
  };
  worker.onmessage = (e: MessageEvent) => {
    if (e.data instanceof ArrayBuffer) relay.onmessage?.call(null as never, e as MessageEvent);
    else if (e.data?.open) relay.onopen?.call(null as never, new Event('open'));
    else relay.onerror?.call(null as never, new Event('error'));
  };
  return relay as unknown as Pick<WebSocket, 'send' | 'close' | 'onmessage' | 'onopen' | 'onerror'>;
}

/**
 * A plain xterm.js Terminal over `rect` (DOM renderer), handed to `feed` with a promise of the
 * moment `marker` shows in its rows; disposed afterwards. The references differ only in how they
 * feed it.
 */
async function withReferenceTerminal<R>(rect: Rect, cols: number, rows: number, marker: string, feed: (term: Terminal, seen: Promise<number>) => Promise<R>, parentSelector?: string): Promise<R> {
  const div = overlay(rect, parentSelector);
  const term = new Terminal(referenceOptions(cols, rows));
  try {
    term.open(div);
    await nextFrame();
    await nextFrame();
    const rowsEl = div.querySelector<HTMLElement>('.xterm-rows');
    if (!rowsEl) throw new Error('the reference terminal has no DOM rows (not the DOM renderer?)');
    const seen = new Promise<number>((resolve) => {
      const observer = observeRows(rowsEl, () => {
        if (!(rowsEl.textContent ?? '').includes(marker)) return;
        observer.disconnect();
        resolve(performance.now());
      });
    });
    return await feed(term, seen);
  } finally {
    term.dispose();
    div.remove();
  }
}

function nextFrame(): Promise<void> {
  return new Promise((resolve) => requestAnimationFrame(() => resolve()));
}

function install(): HlBench {
  const keys: KeyMark[] = [];
  const ws = { bytes: 0, messages: 0, lastAt: 0 };
  window.addEventListener(
    'keydown',
    (event) => keys.push({ key: event.key, ctrl: event.ctrlKey, at: event.timeStamp, handledAt: performance.now(), wsBytes: ws.bytes }),
    { capture: true },
  );

  // Counts binary messages on every socket the page opens (and, while tracing, notes each one
  // each way with its first bytes: a terminal frame's type and stream); the app's socket
  // behaves as before.
  const trace: TraceEntry[] = [];
  const tracing = { on: false };
  const head = (bytes: Uint8Array): number[] => Array.from(bytes.subarray(0, 9));
  const noteIn = (data: Uint8Array): void => {
    ws.bytes += data.byteLength;
    ws.messages++;
    ws.lastAt = performance.now();
    if (tracing.on) trace.push({ at: ws.lastAt, dir: 'in', bytes: data.byteLength, head: head(data) });
  };
  const NativeWebSocket = window.WebSocket;
  class CountingWebSocket extends NativeWebSocket {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols);
      this.addEventListener('message', (event: MessageEvent) => {
        if (event.data instanceof ArrayBuffer) noteIn(new Uint8Array(event.data));
      });
    }

    override send(data: string | ArrayBufferLike | Blob | ArrayBufferView): void {
      if (tracing.on && ArrayBuffer.isView(data)) {
        trace.push({ at: performance.now(), dir: 'out', bytes: data.byteLength, head: head(new Uint8Array(data.buffer, data.byteOffset, data.byteLength)) });
      }
      super.send(data);
    }
  }
  window.WebSocket = CountingWebSocket;

  // The app's terminal output comes on its downlink, a streamed response (webServer.ts's
  // /downlink): its terminal frames are counted and traced as the socket's binary messages are,
  // read off the same chunks the app reads (a hook on the reader, no extra stream in between).
  const nativeFetch = window.fetch.bind(window);
  const downlinkBodies = new WeakSet<ReadableStream>();
  const downlinkReaders = new WeakMap<object, DownlinkRecordSplitter>();
  window.fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const response = await nativeFetch(input, init);
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (new URL(url, location.href).pathname === '/downlink' && response.body) downlinkBodies.add(response.body);
    return response;
  };
  const nativeGetReader = ReadableStream.prototype.getReader as (this: ReadableStream, options?: unknown) => ReadableStreamDefaultReader;
  (ReadableStream.prototype as { getReader: unknown }).getReader = function (this: ReadableStream, options?: unknown) {
    const reader = nativeGetReader.call(this, options);
    if (downlinkBodies.has(this)) downlinkReaders.set(reader, new DownlinkRecordSplitter((m) => isJsonRecord(m) || noteIn(m)));
    return reader;
  };
  const nativeRead = ReadableStreamDefaultReader.prototype.read;
  ReadableStreamDefaultReader.prototype.read = function (this: ReadableStreamDefaultReader<Uint8Array>) {
    const result = nativeRead.call(this);
    const splitter = downlinkReaders.get(this);
    if (!splitter) return result;
    return result.then((r) => {
      if (!r.done && r.value) splitter.push(r.value);
      return r;
    });
  } as typeof nativeRead;

  /** The first keydown from `from` on that matches, once it has happened. */
  const keyAfter = (from: number, match: (k: KeyMark) => boolean): KeyMark | undefined => keys.slice(from).find(match);

  let echo: Promise<EchoSample> | null = null;
  let marker: Promise<MarkerResult> | null = null;
  let quiet: Promise<QuietResult> | null = null;

  return {
    keys,
    ws,
    trace,
    setTracing(on) {
      tracing.on = on;
      if (on) trace.length = 0;
    },

    armEcho(rowsSelector, ch) {
      const rows = rowsElement(rowsSelector);
      const base = countChar(rows, ch);
      const from = keys.length;
      echo = new Promise((resolve, reject) => {
        const observer = observeRows(rows, () => {
          if (countChar(rows, ch) <= base) return;
          const seenAt = performance.now();
          observer.disconnect();
          const key = keyAfter(from, (k) => k.key === ch);
          if (!key) reject(new Error(`"${ch}" appeared before its keydown was seen`));
          else resolve({ ms: seenAt - key.at, dispatchMs: key.handledAt - key.at });
        });
      });
    },
    echoResult() {
      if (!echo) throw new Error('armEcho first');
      return echo;
    },

    armMarker(rowsSelector, text) {
      const rows = rowsElement(rowsSelector);
      const from = keys.length;
      const bytesBefore = ws.bytes;
      marker = new Promise((resolve, reject) => {
        const observer = observeRows(rows, () => {
          if (!(rows.textContent ?? '').includes(text)) return;
          const seenAt = performance.now();
          observer.disconnect();
          const enter = keyAfter(from, (k) => k.key === 'Enter');
          if (!enter) reject(new Error(`${text} appeared before Enter was pressed`));
          else resolve({ ms: seenAt - enter.at, wsBytes: ws.bytes - bytesBefore, lastByteMs: ws.lastAt > enter.at ? ws.lastAt - enter.at : 0 });
        });
      });
    },
    markerResult() {
      if (!marker) throw new Error('armMarker first');
      return marker;
    },

    armQuiet(rowsSelector, quietForMs, limitMs) {
      const rows = rowsElement(rowsSelector);
      const from = keys.length;
      const armedAt = performance.now();
      // One entry per frame that changed the rows (about 60 a second in a flood): cheap to keep.
      const changes: number[] = [];
      const observer = observeRows(rows, () => changes.push(performance.now()));
      quiet = new Promise((resolve, reject) => {
        const timer = setInterval(() => {
          const now = performance.now();
          const ctrlC = keyAfter(from, (k) => k.ctrl && k.key.toLowerCase() === 'c');
          const finish = (error: Error | null): void => {
            clearInterval(timer);
            observer.disconnect();
            if (error) return reject(error);
            const after = changes.filter((t) => t >= ctrlC!.at);
            resolve({
              screenMs: after.length ? after[after.length - 1]! - ctrlC!.at : 0,
              bytesMs: Math.max(0, ws.lastAt - ctrlC!.at),
              mutations: after.length,
              bytesAfter: ws.bytes - ctrlC!.wsBytes,
            });
          };
          if (!ctrlC) {
            if (now - armedAt > limitMs) finish(new Error('no Ctrl+C keydown seen'));
            return;
          }
          const last = Math.max(changes[changes.length - 1] ?? 0, ws.lastAt, ctrlC.at);
          if (now - last >= quietForMs) finish(null);
          else if (now - ctrlC.at > limitMs) finish(new Error(`still changing ${limitMs} ms after Ctrl+C`));
        }, 20);
      });
    },
    quietResult() {
      if (!quiet) throw new Error('armQuiet first');
      return quiet;
    },

    async refThroughput(payloadUrl, rect, cols, rows, text, parentSelector) {
      const response = await fetch(payloadUrl);
      if (!response.ok) throw new Error(`payload: HTTP ${response.status}`);
      const data = new Uint8Array(await response.arrayBuffer());
      return withReferenceTerminal(rect, cols, rows, text, async (term, seen) => {
        const bytesBefore = ws.bytes;
        const start = performance.now();
        let lastCallbackMs = 0;
        // Written in 64 KiB chunks (Hopline's largest OUTPUT payload), each next one from a write
        // callback, keeping REF_WINDOW_BYTES in xterm's queue so its parser never waits for data.
        let offset = 0;
        let outstanding = 0;
        const pump = (): void => {
          while (outstanding < REF_WINDOW_BYTES && offset < data.length) {
            const chunk = data.subarray(offset, Math.min(offset + CHUNK_BYTES, data.length));
            offset += chunk.length;
            outstanding += chunk.length;
            const last = offset >= data.length;
            term.write(chunk, () => {
              outstanding -= chunk.length;
              if (last) lastCallbackMs = performance.now() - start;
              else pump();
            });
            if (last) term.write(`\r\n${text}\r\n`);
          }
        };
        pump();
        const seenAt = await seen;
        return { ms: seenAt - start, wsBytes: ws.bytes - bytesBefore, lastByteMs: 0, lastCallbackMs, bytes: data.length };
      }, parentSelector);
    },

    async wsThroughput(floodUrl, rect, cols, rows, text, inWorker = false) {
      return withReferenceTerminal(rect, cols, rows, text, async (term, seen) => {
        // In a worker, the socket's messages are read off the network on the worker's thread and
        // posted here (transferred, no copy): the page's main thread no longer paces the reads.
        const socket: Pick<WebSocket, 'send' | 'close' | 'onmessage' | 'onopen' | 'onerror'> = inWorker ? workerSocket(`${floodUrl}?marker=${encodeURIComponent(text)}`) : new WebSocket(`${floodUrl}?marker=${encodeURIComponent(text)}`);
        if (socket instanceof WebSocket) socket.binaryType = 'arraybuffer';
        const bytesBefore = ws.bytes;
        const ack = new Uint8Array(4);
        socket.onmessage = (event: MessageEvent<ArrayBuffer>) => {
          const n = event.data.byteLength;
          term.write(new Uint8Array(event.data), () => {
            new DataView(ack.buffer).setUint32(0, n);
            socket.send(ack);
          });
        };
        await new Promise<void>((resolve, reject) => {
          socket.onopen = () => resolve();
          socket.onerror = () => reject(new Error(`could not open ${floodUrl}`));
        });
        const start = performance.now();
        socket.send(new Uint8Array([1]));
        const seenAt = await seen;
        socket.close();
        return { ms: seenAt - start, wsBytes: ws.bytes - bytesBefore, lastByteMs: 0 };
      });
    },

    async streamThroughput(payloadUrl, rect, cols, rows, text) {
      return withReferenceTerminal(rect, cols, rows, text, async (term, seen) => {
        const start = performance.now();
        const response = await fetch(payloadUrl, { cache: 'no-store' });
        if (!response.ok || !response.body) throw new Error(`payload: HTTP ${response.status}`);
        const reader = response.body.getReader();
        let outstanding = 0;
        let wake: (() => void) | null = null;
        for (;;) {
          // The same window as the other references: xterm's queue never runs dry, never grows past it.
          while (outstanding >= REF_WINDOW_BYTES) await new Promise<void>((resolve) => (wake = resolve));
          const { done, value } = await reader.read();
          if (done) break;
          outstanding += value.length;
          term.write(value, () => {
            outstanding -= value.length;
            const w = wake;
            wake = null;
            w?.();
          });
        }
        term.write(`\r\n${text}\r\n`);
        const seenAt = await seen;
        return { ms: seenAt - start, wsBytes: 0, lastByteMs: 0 };
      });
    },

    async startBare(wsUrl, rect, cols, rows) {
      const div = overlay(rect);
      const term = new Terminal(referenceOptions(cols, rows));
      term.open(div);
      const socket = new WebSocket(wsUrl);
      socket.binaryType = 'arraybuffer';
      const encoder = new TextEncoder();
      // As Hopline's view does: keystrokes out at once as bytes, output into term.write.
      term.onData((d) => socket.send(encoder.encode(d)));
      socket.onmessage = (event: MessageEvent<ArrayBuffer>) => term.write(new Uint8Array(event.data));
      await new Promise<void>((resolve, reject) => {
        socket.onopen = () => resolve();
        socket.onerror = () => reject(new Error(`could not open ${wsUrl}`));
      });
      term.focus();
    },
  };
}

if (!window.hlBench) window.hlBench = install();
