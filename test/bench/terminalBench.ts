/**
 * Terminal benchmarks (issue 6), in Debian's Chromium (playwright-core, never a downloaded
 * browser) against web mode (dist/main/web.cjs) and a 3-hop circuit through the lab, user
 * `bench` on every hop (key only: no MFA, so nothing but the terminal is measured).
 *
 * Setup: the three hosts and a profile are saved through the contract over a WebSocket (the same
 * calls the UI's import and "Save as profile" make; no hand-written hopline.json), the lab's
 * host keys copied into the data dir's known_hosts; then the real UI connects the profile from
 * the library (Enter on its tree row) and opens its first terminal by itself in a workspace tab;
 * terminal 2 is a second tab on the same circuit (Ctrl+Shift+T). Chromium runs with --disable-3d-apis,
 * so xterm uses its DOM renderer (asserted) and the rows can be observed.
 *
 * The production bundle has no test hook. Everything is measured from outside it by
 * bareXtermPage/probe.ts, an init script in the bench's browser context (bypassCSP, so it may
 * also fetch the reference payload from the bench's own loopback server): keydown timestamps,
 * a MutationObserver on the xterm rows, a byte count of binary WebSocket messages, and a plain
 * xterm.js Terminal (the same xterm build, created with Hopline's own xterm options) for the
 * references. Each ratio uses the same method on both sides:
 *
 * 1. Throughput: `cat` of a 64 MiB text file on the target, from Enter to a marker echoed after
 *    it appearing in the rows, ÷ the same bytes (as the PTY delivers them, LF → CR LF) written
 *    into a reference Terminal of the same size in the same page, from the first write to the
 *    same kind of marker appearing. MiB/s of the file's 64 MiB, median of 3 alternating rounds.
 * 2. Keystroke echo, keydown → the character in the rows, one key at a time (a 5–25 ms pause
 *    between them so keys do not line up with frames), in `cat > /dev/null` on the target (the
 *    PTY echoes; Enter every 50 keys), ÷ a bare xterm.js page echoing over a loopback WebSocket
 *    (bareXtermPage/server.ts). 200 keys each side, in alternating blocks of 50.
 * 3. Under a flood: `yes` in terminal 1 while keys are typed into terminal 2 of the same circuit
 *    (its tab shown, terminal 1's hidden but still receiving and parsing: the renderer's main
 *    thread, the WebSocket, the main side and the target's one SSH connection all carry the
 *    flood), p99 ÷ terminal 2's idle p99 measured just before. And Ctrl+C in the flooding
 *    terminal (shown) → its rows still for 1 s: the time of the last change (the new prompt).
 * 4. Main-side memory per terminal: terminalMemory.ts.
 *
 * The throughput reference is xterm fed from memory, the most the terminal can do in that page;
 * Hopline's output comes over the WebSocket through Chromium's network stack. "xterm had parsed
 * all it was given N% of the time" (from the probe's trace of OUTPUT frames and the ACKs sent
 * from xterm's write callback) says how much of a gap is the terminal waiting for data rather
 * than parsing. Flood and Ctrl+C details give the bytes that still arrived after the keydown.
 */
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { TERMINAL_DEFAULTS } from '../../app/shared/model/profile';
import { TERMINAL_FRAME_HEADER_BYTES, TerminalFrameType } from '../../app/shared/rpc/terminalFrames';
import { CHROMIUM_ARGS } from '../helpers/browser';
import { startWebProcess, type WebProcess } from '../helpers/webProcess';
import { cpuShares, cpuSnapshot, describeShares, medianShares, type CpuGroup } from './cpuShares';
import { nodeClientCat, startPacedLoad } from './nodeClientCat';
import type { LabStatus } from '../lab/lab';
import { CHROMIUM } from '../setup/requirements';
import type { EchoSample, MarkerResult, QuietResult, Rect, RefThroughputResult, TraceEntry } from './bareXtermPage/probe';
import { ptyOutput, startBenchPageServer, type BenchPageServer } from './bareXtermPage/server';
import type { BenchResult } from './engineBench';
import { connectWeb } from '../helpers/webTerminalClient';
import { saveBenchHosts } from './terminalClient';
import { runTerminalMemoryBenchmark } from './terminalMemory';

const MiB = 1024 * 1024;
const PAYLOAD_BYTES = 64 * MiB;
const THROUGHPUT_ROUNDS = 3;
const ECHO_KEYS = 200;
const ECHO_BLOCK = 50;
const QUIET_ROUNDS = 5;
const VIEWPORT = { width: 1400, height: 900 };
/** The shown terminal's DOM renderer rows (hidden workspace tabs stay mounted, their view marked terminal-hidden). */
const ROWS = '.terminal-panel:not(.terminal-hidden) .xterm-rows';
const BARE_ROWS = '.xterm-rows';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
/** Nearest-rank percentile. */
const percentile = (xs: number[], p: number): number => {
  const s = sorted(xs);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
};
const median = (xs: number[]) => percentile(xs, 50);

/** Within `ms`, or a clear error (page.evaluate itself never times out). */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what}: nothing after ${ms} ms`)), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

/**
 * A 64 MiB text file like a big log: lines of 20–129 printable ASCII characters (4096 different
 * ones from a fixed LCG, repeated), LF-terminated. No escape sequences: the parser's plain-text
 * path and line feeds, the common case.
 */
function makePayload(bytes: number): Buffer {
  const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,:;-_/=[]()';
  let seed = 0x2545f491;
  const rand = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8;
  const lines: Buffer[] = [];
  for (let i = 0; i < 4096; i++) {
    const length = 20 + (rand() % 110);
    let line = '';
    for (let j = 0; j < length; j++) line += alphabet[rand() % alphabet.length];
    lines.push(Buffer.from(`${line}\n`, 'latin1'));
  }
  const out = Buffer.alloc(bytes);
  let at = 0;
  for (let i = 0; at < bytes; i++) at += lines[i % lines.length]!.copy(out, at);
  out[bytes - 1] = 0x0a;
  return out;
}

/** A 64 MiB log of 200-character lines (and LF): long lines parse fastest, so they starve first. */
function makeLongLinePayload(bytes: number): Buffer {
  const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,:;-_/=[]()';
  let seed = 0x1b873593;
  const rand = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8;
  const lines: Buffer[] = [];
  for (let i = 0; i < 1024; i++) {
    let line = '';
    for (let j = 0; j < 200; j++) line += alphabet[rand() % alphabet.length];
    lines.push(Buffer.from(`${line}\n`, 'latin1'));
  }
  const out = Buffer.alloc(bytes);
  let at = 0;
  for (let i = 0; at < bytes; i++) at += lines[i % lines.length]!.copy(out, at);
  out[bytes - 1] = 0x0a;
  return out;
}

/**
 * Which parts run: all by default; HOPLINE_BENCH_TERMINALS=cat,lines,echo,flood,memory picks some
 * (for iterating on one figure). HOPLINE_BENCH_PROFILE=<dir> also saves a Chromium CPU profile of
 * the page during the first round of each throughput part, and prints where its time went.
 */
const ALL_PARTS = ['cat', 'lines', 'echo', 'flood', 'memory'] as const;
const parts = new Set<string>(process.env.HOPLINE_BENCH_TERMINALS ? process.env.HOPLINE_BENCH_TERMINALS.split(',').map((p) => p.trim()) : ALL_PARTS);
const profileDir = process.env.HOPLINE_BENCH_PROFILE || null;

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  hitCount?: number;
  children?: number[];
}

/** A Chromium CPU profile of the page (CDP Profiler), saved and summarised on stop(). */
async function startPageProfile(page: Page): Promise<{ stop(name: string): Promise<string> }> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
  await cdp.send('Profiler.start');
  return {
    async stop(name) {
      const { profile } = (await cdp.send('Profiler.stop')) as unknown as { profile: { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] } };
      await cdp.detach();
      const file = path.join(profileDir!, `${name}.cpuprofile`);
      writeFileSync(file, JSON.stringify(profile));
      const total = profile.samples.length;
      const self = new Map<string, number>();
      for (const node of profile.nodes) {
        const f = node.callFrame;
        const key = `${f.functionName || '(anonymous)'} ${f.url.split('/').pop() ?? ''}:${f.lineNumber + 1}`;
        self.set(key, (self.get(key) ?? 0) + (node.hitCount ?? 0));
      }
      const top = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, 25);
      return `profile ${file} (${total} samples), self time:\n${top.map(([k, n]) => `      ${((n / total) * 100).toFixed(1).padStart(5)}% ${k}`).join('\n')}`;
    },
  };
}

/**
 * The share of a traced stretch during which the page had parsed everything it had received
 * (every OUTPUT byte acked): time the terminal waited for data, not the other way round. Acks
 * are sent from xterm's write callback, so "all acked" means xterm's queue was empty.
 */
function caughtUpShare(trace: TraceEntry[]): number {
  if (trace.length < 2) return 0;
  let unparsed = 0;
  let idle = 0;
  for (let i = 0; i < trace.length; i++) {
    const e = trace[i]!;
    if (i > 0 && unparsed <= 0) idle += e.at - trace[i - 1]!.at;
    if (e.dir === 'in' && e.head[0] === TerminalFrameType.OUTPUT) unparsed += e.bytes - TERMINAL_FRAME_HEADER_BYTES;
    else if (e.dir === 'out' && e.head[0] === TerminalFrameType.ACK && e.head.length >= TERMINAL_FRAME_HEADER_BYTES + 4) {
      unparsed -= new DataView(Uint8Array.from(e.head).buffer).getUint32(TERMINAL_FRAME_HEADER_BYTES, false);
    }
  }
  return idle / (trace[trace.length - 1]!.at - trace[0]!.at);
}

async function bundleProbe(): Promise<string> {
  const entry = fileURLToPath(new URL('./bareXtermPage/probe.ts', import.meta.url));
  const result = await build({ entryPoints: [entry], bundle: true, write: false, format: 'iife', platform: 'browser', target: 'chrome120', logLevel: 'silent' });
  return result.outputFiles[0]!.text;
}

/**
 * The Hopline page, driven like a user would (keyboard, clicks), with the probe's help. Terminals
 * are workspace tabs: terminal n (1-based, in the order opened) is the pane
 * `[data-testid="terminal-pane"][data-pane=<key>]`, its tab `workspace-tab-<key>`.
 */
class HoplinePage {
  private readonly keys: string[] = [];
  private shown = 1;

  constructor(readonly page: Page) {}

  private panes() {
    return this.page.getByTestId('terminal-pane');
  }

  private pane(n = this.shown) {
    return this.page.locator(`[data-testid="terminal-pane"][data-pane="${this.keys[n - 1]}"]`);
  }

  /** Terminal n's view: the terminal region with data-status and data-renderer. */
  private view(n = this.shown) {
    return this.pane(n).getByRole('region', { name: /^Terminal on / });
  }

  tab(n: number) {
    return this.page.getByTestId(`workspace-tab-${this.keys[n - 1]}`);
  }

  /** Panes not known yet (opened since the last call) become terminal n+1, n+2, … */
  private async learnKeys(): Promise<void> {
    const all = await this.panes().evaluateAll((els) => els.map((e) => e.getAttribute('data-pane') ?? ''));
    for (const key of all) if (key && !this.keys.includes(key)) this.keys.push(key);
  }

  /** Connects a saved circuit from the library: Enter on its tree row. Its first terminal opens by itself. */
  async connectProfile(name: string): Promise<void> {
    const row = this.page.getByRole('navigation', { name: 'Library' }).getByRole('tree', { name: 'Circuits and hosts' }).getByRole('treeitem', { name: new RegExp(`^${name}\\b`) });
    await row.press('Enter');
    const started = Date.now();
    while ((await this.panes().count()) === 0) {
      if (Date.now() - started > 10_000) throw new Error(`connecting ${name} opened no tab`);
      await sleep(100);
    }
    await this.learnKeys();
    await this.waitRunning(1);
  }

  async screen(): Promise<string> {
    const rows = await this.pane().locator('.xterm-rows > div').allTextContents();
    return rows.map((r) => r.replace(/\u00a0/g, ' ').trimEnd()).join('\n');
  }

  async waitForScreen(pattern: RegExp, timeoutMs = 20_000): Promise<string> {
    const started = Date.now();
    for (;;) {
      const text = await this.screen();
      if (pattern.test(text)) return text;
      if (Date.now() - started > timeoutMs) throw new Error(`the terminal never showed ${pattern}; screen:\n${text}`);
      await sleep(100);
    }
  }

  async run(command: string): Promise<void> {
    await this.page.keyboard.type(command);
    await this.page.keyboard.press('Enter');
  }

  async focus(): Promise<void> {
    await this.pane().locator('.xterm-screen').click();
  }

  /** Terminal n is the tab on screen, and its shell runs. */
  async waitRunning(n: number): Promise<void> {
    const started = Date.now();
    while (!(await this.pane(n).isVisible()) || (await this.view(n).getAttribute('data-status')) !== 'running') {
      if (Date.now() - started > 30_000) throw new Error(`terminal ${n} is not running`);
      await sleep(100);
    }
    this.shown = n;
  }

  async select(n: number): Promise<void> {
    await this.tab(n).click();
    await this.waitRunning(n);
    await this.focus();
  }

  /** A new terminal on the same circuit, from the shown one: Ctrl+Shift+T opens it in a new tab. */
  async newTerminal(n: number): Promise<void> {
    await this.focus();
    await this.page.keyboard.press('Control+Shift+T');
    const started = Date.now();
    while ((await this.panes().count()) < n) {
      if (Date.now() - started > 10_000) throw new Error(`Ctrl+Shift+T opened no terminal ${n}`);
      await sleep(100);
    }
    await this.learnKeys();
    await this.waitRunning(n);
    await this.focus();
  }

  async renderer(): Promise<string | null> {
    return this.view().getAttribute('data-renderer');
  }

  async rect(): Promise<Rect> {
    const box = await this.view().locator('.terminal-xterm').boundingBox();
    if (!box) throw new Error('the terminal has no box');
    return { x: box.x, y: box.y, width: box.width, height: box.height };
  }
}

let markerSeq = 100;

/** Rows and columns of the shown terminal's PTY, from `stty size` on the target. */
async function ptySize(ui: HoplinePage): Promise<{ rows: number; cols: number }> {
  const n = ++markerSeq;
  await ui.run(`clear; echo "size-$((${n}+0)):$(stty size)"`);
  const text = await ui.waitForScreen(new RegExp(`size-${n}:\\d+ \\d+`));
  const match = new RegExp(`size-${n}:(\\d+) (\\d+)`).exec(text)!;
  return { rows: Number(match[1]), cols: Number(match[2]) };
}

/** One keystroke's echo, timed in the page. */
async function echoOnce(page: Page, rowsSelector: string): Promise<EchoSample> {
  await page.evaluate((sel) => window.hlBench!.armEcho(sel, 'x'), rowsSelector);
  await page.keyboard.press('x');
  return within(page.evaluate(() => window.hlBench!.echoResult()), 10_000, 'keystroke echo');
}

/** `count` keystrokes in lines of ECHO_BLOCK (Enter between lines, not timed). */
async function echoSamples(page: Page, rowsSelector: string, count: number, into: EchoSample[]): Promise<void> {
  for (let i = 0; i < count; i++) {
    into.push(await echoOnce(page, rowsSelector));
    if ((i + 1) % ECHO_BLOCK === 0) await page.keyboard.press('Enter');
    await sleep(5 + Math.random() * 20);
  }
}

const summary = (xs: EchoSample[]) => {
  const ms = xs.map((s) => s.ms);
  return { p50: percentile(ms, 50), p99: percentile(ms, 99), max: Math.max(...ms), dispatchP99: percentile(xs.map((s) => s.dispatchMs), 99) };
};
const ms1 = (n: number) => n.toFixed(1);

export async function runTerminalBenchmarks(status: LabStatus, log: (line: string) => void): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  const report = (r: BenchResult, value: string): void => {
    results.push(r);
    log(`${r.met ? 'MET ' : 'MISS'} ${r.name}: ${value} (goal ${r.goal}) — ${r.detail}`);
  };

  const payload = makePayload(PAYLOAD_BYTES);
  const bigFile = path.join(status.dir, `hl-bench-term-${process.pid}.txt`);
  writeFileSync(bigFile, payload, { mode: 0o644 });
  const longPayload = makeLongLinePayload(PAYLOAD_BYTES);
  const longFile = path.join(status.dir, `hl-bench-term-long-${process.pid}.txt`);
  writeFileSync(longFile, longPayload, { mode: 0o644 });
  const home = mkdtempSync(path.join(tmpdir(), 'hl-bench-term-home-'));
  const dataDir = mkdtempSync(path.join(tmpdir(), 'hl-bench-term-data-'));
  copyFileSync(status.knownHosts, path.join(dataDir, 'known_hosts'));
  let pages: BenchPageServer | null = null;
  let web: WebProcess | null = null;
  let browser: Browser | null = null;
  const problems: string[] = [];
  try {
    const probe = await bundleProbe();
    pages = await startBenchPageServer({ mixed: ptyOutput(payload), long: ptyOutput(longPayload) });
    // No session bus: credentials stay in memory, and `bench` needs no secret anyway.
    web = await startWebProcess({
      dataDir,
      env: { PATH: process.env.PATH, HOME: home, DBUS_SESSION_BUS_ADDRESS: `unix:path=${path.join(home, 'no-bus')}` },
    });
    const setup = await connectWeb(web.port, web.token);
    try {
      const hostIds = await saveBenchHosts(setup, status);
      await setup.api.profiles.save({ name: 'bench 3 hops', folder: '', tags: [], hostIds, terminal: { ...TERMINAL_DEFAULTS } });
    } finally {
      await setup.close();
    }

    browser = await chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS, '--disable-3d-apis'], headless: true });
    const context: BrowserContext = await browser.newContext({ bypassCSP: true, viewport: VIEWPORT });
    await context.addInitScript({ content: probe });
    const page = await context.newPage();
    page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
    page.on('pageerror', (e) => problems.push(e.message));
    const ui = new HoplinePage(page);

    await page.goto(web.url);
    await page.getByTestId('connection-state').and(page.locator('[data-state="open"]')).waitFor();
    await ui.connectProfile('bench 3 hops');
    for (let i = 0; (await ui.renderer()) !== 'dom'; i++) {
      if (i > 100) throw new Error(`terminal renderer is ${await ui.renderer()}, not the DOM renderer the probe reads`);
      await sleep(100);
    }
    await ui.focus();
    const size = await ptySize(ui);
    const rect = await ui.rect();
    log(`terminal ${size.cols}×${size.rows} (${Math.round(rect.width)}×${Math.round(rect.height)} px), DOM renderer; ${CHROMIUM} --headless --disable-3d-apis`);

    // 1. Throughput: the mixed log, then a log of 200-character lines.
    const throughput = async (label: string, file: string, payloadName: string, profile: boolean): Promise<void> => {
      const ours: MarkerResult[] = [];
      const refs: RefThroughputResult[] = [];
      const wsRefs: MarkerResult[] = [];
      const workerRefs: MarkerResult[] = [];
      const streamRefs: MarkerResult[] = [];
      const starved: number[] = [];
      const oursCpu: Map<CpuGroup, number>[] = [];
      const refCpu: Map<CpuGroup, number>[] = [];
      const loadedRefs: RefThroughputResult[] = [];
      const loadRates: number[] = [];
      // The reference xterm in this page, fed the payload from memory (the raw write) or from a streamed HTTP body.
      const referenceRun = <R>(via: 'refThroughput' | 'streamThroughput', tag: string, what: string): Promise<R> => {
        const marker = `${tag}-done-${++markerSeq}`;
        return within(
          page.evaluate(
            ([fn, url, r, cols, rows, m]) => window.hlBench![fn as 'refThroughput' | 'streamThroughput'](url as string, r as Rect, cols as number, rows as number, m as string),
            [via, `${pages!.origin}/payload/${payloadName}`, rect, size.cols, size.rows, marker] as const,
          ) as Promise<R>,
          300_000,
          what,
        );
      };
      const rawWrite = (tag: string, what: string) => referenceRun<RefThroughputResult>('refThroughput', tag, what);
      const load = await startPacedLoad(status);
      try {
        for (let round = 0; round < THROUGHPUT_ROUNDS; round++) {
          const n = ++markerSeq;
          await ui.run('clear');
          await sleep(300);
          await page.keyboard.type(`cat ${file}; echo "done-$((${n}+0))"`);
          await page.evaluate(([sel, marker]) => window.hlBench!.armMarker(sel!, marker!), [ROWS, `done-${n}`]);
          await page.evaluate(() => window.hlBench!.setTracing(true));
          const profiling = profile && round === 0 ? await startPageProfile(page) : null;
          const cpuBefore = cpuSnapshot();
          await page.keyboard.press('Enter');
          ours.push(await within(page.evaluate(() => window.hlBench!.markerResult()), 300_000, `${label} cat`));
          oursCpu.push(cpuShares(cpuBefore, cpuSnapshot()));
          if (profiling) log(await profiling.stop(`${payloadName}-page`));
          starved.push(caughtUpShare(await page.evaluate(() => window.hlBench!.trace)));
          await page.evaluate(() => window.hlBench!.setTracing(false));
          await sleep(500);
          const refProfiling = profile && round === 0 ? await startPageProfile(page) : null;
          const refCpuBefore = cpuSnapshot();
          refs.push(await rawWrite('ref', 'reference write'));
          refCpu.push(cpuShares(refCpuBefore, cpuSnapshot()));
          if (refProfiling) log(await refProfiling.stop(`${payloadName}-reference`));
          await sleep(500);
          // Not a goal: the raw write again while SSH and a second Hopline main side carry a `cat`
          // at the rate Hopline's page just reached, to a Node client: the page's share of the
          // machine during Hopline's `cat`, given to the raw write.
          await load.start(file, PAYLOAD_BYTES / MiB / (ours[round]!.ms / 1000));
          load.mark();
          loadedRefs.push(await rawWrite('ld', 'reference write under load'));
          loadRates.push(await load.halt());
          await sleep(500);
          // Not goals: the same xterm fed over a loopback WebSocket, on the page's thread and in a
          // worker, for how much of a gap is the browser's socket.
          for (const [list, inWorker, tag, what] of [
            [wsRefs, false, 'ws', 'WebSocket reference'],
            [workerRefs, true, 'wk', 'WebSocket-in-a-worker reference'],
          ] as const) {
            const marker = `${tag}-done-${++markerSeq}`;
            list.push(
              await within(
                page.evaluate(([url, r, cols, rows, m, w]) => window.hlBench!.wsThroughput(url as string, r as Rect, cols as number, rows as number, m as string, w as boolean), [
                  pages!.floodUrl(payloadName),
                  rect,
                  size.cols,
                  size.rows,
                  marker,
                  inWorker,
                ] as const),
                300_000,
                what,
              ),
            );
            await sleep(500);
          }
          streamRefs.push(await referenceRun<MarkerResult>('streamThroughput', 'st', 'streamed HTTP body reference'));
          await sleep(500);
        }
      } finally {
        await load.close();
      }
      const rate = (ms: number) => PAYLOAD_BYTES / MiB / (ms / 1000);
      const h = median(ours.map((r) => rate(r.ms)));
      const x = median(refs.map((r) => rate(r.ms)));
      const ratio = h / x;
      const lastByte = median(ours.map((r) => r.lastByteMs));
      const seen = median(ours.map((r) => r.ms));
      report(
        {
          name: `${label} into the terminal, throughput (Hopline UI ÷ raw xterm.js write, same page)`,
          ratio,
          goal: '≥ 0.9',
          met: ratio >= 0.9,
          detail:
            `Hopline ${h.toFixed(1)} MiB/s (rounds ${ours.map((r) => rate(r.ms).toFixed(1)).join(', ')}; last byte off the socket at ${(lastByte / 1000).toFixed(2)} s of ${(seen / 1000).toFixed(2)} s, ` +
            `xterm had parsed all it was given ${starved.map((x) => `${Math.round(x * 100)}%`).join(', ')} of the time, ` +
            `${(median(ours.map((r) => r.wsBytes)) / MiB).toFixed(1)} MiB of frames), raw xterm ${x.toFixed(1)} MiB/s (rounds ${refs.map((r) => rate(r.ms).toFixed(1)).join(', ')}; last write callback at ${(median(refs.map((r) => r.lastCallbackMs)) / 1000).toFixed(2)} s); ` +
            `the same xterm fed over a loopback WebSocket (no SSH, no Hopline) ${median(wsRefs.map((r) => rate(r.ms))).toFixed(1)} MiB/s (rounds ${wsRefs.map((r) => rate(r.ms).toFixed(1)).join(', ')}), ` +
            `with the socket in a worker ${median(workerRefs.map((r) => rate(r.ms))).toFixed(1)} MiB/s (rounds ${workerRefs.map((r) => rate(r.ms).toFixed(1)).join(', ')}), ` +
            `from a streamed HTTP body ${median(streamRefs.map((r) => rate(r.ms))).toFixed(1)} MiB/s (rounds ${streamRefs.map((r) => rate(r.ms).toFixed(1)).join(', ')}). ` +
            `The raw write while a Node client took the same cat through 3 hops and a second Hopline at the rate just measured (${loadRates.map((r) => r.toFixed(1)).join(', ')} MiB/s): ${median(loadedRefs.map((r) => rate(r.ms))).toFixed(1)} MiB/s (rounds ${loadedRefs.map((r) => rate(r.ms).toFixed(1)).join(', ')}); Hopline ÷ that ${(h / median(loadedRefs.map((r) => rate(r.ms)))).toFixed(2)}. ` +
            `CPU in cores during Hopline's cat (median): ${describeShares(medianShares(oursCpu))}; during the raw write: ${describeShares(medianShares(refCpu))}`,
        },
        `ratio ${ratio.toFixed(2)}`,
      );
    };
    if (parts.has('cat')) await throughput('64 MiB cat', bigFile, 'mixed', profileDir !== null);
    if (parts.has('lines')) await throughput('64 MiB cat of 200-character lines', longFile, 'long', profileDir !== null);

    // 2. Keystroke echo, idle: Hopline (3 hops) against a bare xterm page echoing over a loopback WebSocket.
    if (parts.has('echo')) {
    const bare = await context.newPage();
    bare.on('console', (m) => m.type() === 'error' && problems.push(`bare page: ${m.text()}`));
    bare.on('pageerror', (e) => problems.push(`bare page: ${e.message}`));
    await bare.goto(`${pages.origin}/`);
    await bare.evaluate(([url, r, cols, rows]) => window.hlBench!.startBare(url as string, r as Rect, cols as number, rows as number), [pages.echoUrl, rect, size.cols, size.rows] as const);
    {
      await page.bringToFront();
      await ui.focus();
      await ui.run('clear; cat > /dev/null');
      await sleep(500);
      const ours: EchoSample[] = [];
      const refs: EchoSample[] = [];
      for (let block = 0; block < ECHO_KEYS / ECHO_BLOCK; block++) {
        const order: [Page, string, EchoSample[]][] = [
          [page, ROWS, ours],
          [bare, BARE_ROWS, refs],
        ];
        if (block % 2 === 1) order.reverse();
        for (const [p, sel, into] of order) {
          await p.bringToFront();
          await echoSamples(p, sel, ECHO_BLOCK, into);
        }
      }
      await page.bringToFront();
      await page.keyboard.press('Control+c');
      const h = summary(ours);
      const x = summary(refs);
      const detail = `Hopline p50 ${ms1(h.p50)} ms, p99 ${ms1(h.p99)} ms, max ${ms1(h.max)} ms; bare xterm + loopback WebSocket p50 ${ms1(x.p50)} ms, p99 ${ms1(x.p99)} ms, max ${ms1(x.max)} ms; ${ECHO_KEYS} keys each (input dispatch p99 ${ms1(h.dispatchP99)} / ${ms1(x.dispatchP99)} ms)`;
      report({ name: 'keystroke echo p50, idle (Hopline 3 hops ÷ bare xterm echo)', ratio: h.p50 / x.p50, goal: '≤ 1.3', met: h.p50 / x.p50 <= 1.3, detail }, `ratio ${(h.p50 / x.p50).toFixed(2)}`);
      report({ name: 'keystroke echo p99, idle (Hopline 3 hops ÷ bare xterm echo)', ratio: h.p99 / x.p99, goal: '≤ 1.3', met: h.p99 / x.p99 <= 1.3, detail: 'as above' }, `ratio ${(h.p99 / x.p99).toFixed(2)}`);
    }
    await bare.close();
    }

    // 3. Under a `yes` flood in terminal 1: echo in terminal 2, then Ctrl+C in terminal 1.
    if (parts.has('flood')) {
      await ui.newTerminal(2);
      await ui.run('clear; cat > /dev/null');
      await sleep(500);
      const idle: EchoSample[] = [];
      await echoSamples(page, ROWS, ECHO_KEYS, idle);

      await ui.select(1);
      await ui.run('clear; yes');
      await ui.waitForScreen(/^y\ny\ny\ny$/m);
      await ui.select(2);
      await sleep(500);
      const wsBefore = await page.evaluate(() => ({ ...window.hlBench!.ws, now: performance.now() }));
      const flooded: EchoSample[] = [];
      await echoSamples(page, ROWS, ECHO_KEYS, flooded);
      const wsAfter = await page.evaluate(() => ({ ...window.hlBench!.ws, now: performance.now() }));
      const floodRate = (wsAfter.bytes - wsBefore.bytes) / MiB / ((wsAfter.now - wsBefore.now) / 1000);

      const quiets: QuietResult[] = [];
      for (let round = 0; round < QUIET_ROUNDS; round++) {
        await ui.select(1);
        if (round > 0) {
          await ui.run('clear; yes');
          await ui.waitForScreen(/^y\ny\ny\ny$/m);
          await sleep(1000);
        }
        await page.evaluate(([sel]) => window.hlBench!.armQuiet(sel!, 1000, 15_000), [ROWS]);
        await page.keyboard.press('Control+c');
        quiets.push(await within(page.evaluate(() => window.hlBench!.quietResult()), 30_000, 'quiet after Ctrl+C'));
        const n = ++markerSeq;
        await ui.run(`echo "alive-$((${n}+0))"`);
        await ui.waitForScreen(new RegExp(`alive-${n}`));
      }

      const i = summary(idle);
      const f = summary(flooded);
      const ratio = f.p99 / i.p99;
      report(
        {
          name: 'keystroke echo p99 in terminal 2 while terminal 1 runs `yes` (÷ idle p99, same tab)',
          ratio,
          goal: '≤ 1.5',
          met: ratio <= 1.5,
          detail: `flood p50 ${ms1(f.p50)} ms, p99 ${ms1(f.p99)} ms, max ${ms1(f.max)} ms (input dispatch p99 ${ms1(f.dispatchP99)} ms); idle p50 ${ms1(i.p50)} ms, p99 ${ms1(i.p99)} ms; the flood delivered ${floodRate.toFixed(1)} MiB/s to the page meanwhile`,
        },
        `ratio ${ratio.toFixed(2)}`,
      );
      const screen = median(quiets.map((q) => q.screenMs));
      const worst = Math.max(...quiets.map((q) => q.screenMs));
      report(
        {
          name: '`yes` then Ctrl+C → the terminal quiet (median of 5, and the slowest round)',
          ratio: screen,
          goal: 'median ≤ 150 ms, every round ≤ 300 ms',
          met: screen <= 150 && worst <= 300,
          detail:
            `screen still after ${quiets.map((q) => Math.round(q.screenMs)).join(', ')} ms; last terminal byte off the socket after ${quiets.map((q) => Math.round(q.bytesMs)).join(', ')} ms; ` +
            `${quiets.map((q) => (q.bytesAfter / MiB).toFixed(1)).join(', ')} MiB still arrived after the keydown`,
        },
        `median ${Math.round(screen)} ms, slowest ${Math.round(worst)} ms`,
      );
    }
    if (problems.length) log(`page errors: ${problems.join(' | ')}`);
  } finally {
    await browser?.close();
    await web?.stop();
    await pages?.close();
    rmSync(longFile, { force: true });
    for (const dir of [home, dataDir]) rmSync(dir, { recursive: true, force: true });
  }

  // The same cat with no browser (not a goal): how fast SSH and the main side feed a page that keeps up.
  try {
    if (parts.has('cat')) {
      const rates = await nodeClientCat(status, bigFile, THROUGHPUT_ROUNDS);
      log(`64 MiB cat into a Node client of web mode that acks each frame at once (no browser; not a goal): ${median(rates).toFixed(1)} MiB/s (rounds ${rates.map((r) => r.toFixed(1)).join(', ')})`);
    }
  } finally {
    rmSync(bigFile, { force: true });
  }

  // 4. Memory, in a web process of its own (no browser): per terminal, and under a page that never acks.
  if (parts.has('memory')) {
    const [memory, bounded] = await runTerminalMemoryBenchmark(status, log);
    report(memory, `${memory.ratio.toFixed(3)} MiB per terminal`);
    report(bounded, `${bounded.ratio.toFixed(2)} MiB`);
  }
  return results;
}
