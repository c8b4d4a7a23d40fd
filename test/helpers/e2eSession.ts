/**
 * The setup every Chromium end-to-end test shares: a throwaway HOME and data dir, optionally a
 * real Secret Service, web mode started on them, and Debian's Chromium with one page in a context
 * of its own (axe-core opens a helper page in the same context) whose console errors and uncaught
 * exceptions are collected in `problems`. `stop()` undoes all of it, whatever got started.
 */
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { inject } from 'vitest';
import { CHROMIUM, chromiumMissingReason, requirement } from '../setup/requirements';
import { CHROMIUM_ARGS } from './browser';
import { secretServiceMissingReason, startSecretService, type SecretService } from './secretService';
import { startWebProcess, type WebProcess } from './webProcess';

/** Whether a Chromium e2e suite runs: Chromium, and the lab and a Secret Service when it needs them. */
export function e2eRuns(needs: { lab?: boolean; secretService?: boolean } = {}): boolean {
  return (
    requirement('Chromium end-to-end tests', chromiumMissingReason()) &&
    (!needs.lab || requirement('the real-OpenSSH lab', inject('lab') ? null : (inject('labMissing') ?? 'lab not up'))) &&
    (!needs.secretService || requirement('a Secret Service (dbus-run-session + gnome-keyring-daemon)', secretServiceMissingReason()))
  );
}

export interface E2eSessionOptions {
  /** Names the temp dirs (hl-e2e-NAME-home-…), to tell leftovers apart. */
  name: string;
  viewport: { width: number; height: number };
  /**
   * A real Secret Service for the web process (credentials in a keychain). Without one the bus
   * address points nowhere: credentials stay in memory.
   */
  secretService?: boolean;
  /** The lab's client key as ~/.ssh/id_ed25519 (mode 0600), for hosts whose auth names that file. */
  clientKey?: string;
  /** A known_hosts file copied into the data dir: its keys are trusted as after a first connect. */
  knownHosts?: string;
  /** More files in HOME or the data dir, written before web mode starts. */
  prepare?: (dirs: { home: string; dataDir: string }) => void;
  /**
   * WebGL on (default). Off (--disable-3d-apis), xterm falls back to its DOM renderer, whose rows a
   * test can read: headless Chromium has software WebGL2 even with --disable-gpu.
   */
  webgl?: boolean;
}

export interface E2eSession {
  home: string;
  dataDir: string;
  /** The web process's environment (to start it again on the same HOME and bus). */
  env: NodeJS.ProcessEnv;
  service: SecretService | null;
  /** The web process; a test that restarts it assigns the new one here so `stop()` ends that one. */
  web: WebProcess;
  browser: Browser;
  context: BrowserContext;
  page: Page;
  /** Console errors and uncaught exceptions of `page`. */
  problems: string[];
  stop(): Promise<void>;
}

export async function startE2eSession(options: E2eSessionOptions): Promise<E2eSession> {
  const home = mkdtempSync(path.join(tmpdir(), `hl-e2e-${options.name}-home-`));
  const dataDir = mkdtempSync(path.join(tmpdir(), `hl-e2e-${options.name}-data-`));
  const parts: Partial<E2eSession> = {};
  const stop = async () => {
    await parts.browser?.close();
    await parts.web?.stop();
    await parts.service?.stop();
    for (const dir of [home, dataDir]) rmSync(dir, { recursive: true, force: true });
  };
  try {
    if (options.clientKey) {
      mkdirSync(path.join(home, '.ssh'), { mode: 0o700 });
      copyFileSync(options.clientKey, path.join(home, '.ssh', 'id_ed25519'));
      chmodSync(path.join(home, '.ssh', 'id_ed25519'), 0o600);
    }
    if (options.knownHosts) copyFileSync(options.knownHosts, path.join(dataDir, 'known_hosts'));
    options.prepare?.({ home, dataDir });
    const service = options.secretService ? await startSecretService() : null;
    parts.service = service;
    const env = { PATH: process.env.PATH, HOME: home, DBUS_SESSION_BUS_ADDRESS: service?.address ?? `unix:path=${path.join(home, 'no-bus')}` };
    const web = await startWebProcess({ dataDir, env });
    parts.web = web;
    const args = options.webgl === false ? [...CHROMIUM_ARGS, '--disable-3d-apis'] : CHROMIUM_ARGS;
    const browser = await chromium.launch({ executablePath: CHROMIUM, args, headless: true });
    parts.browser = browser;
    const context = await browser.newContext({ viewport: options.viewport });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
    page.on('pageerror', (e) => problems.push(e.message));
    mkdirSync('test-results', { recursive: true });
    const session: E2eSession = {
      home, dataDir, env, service, web, browser, context, page, problems,
      async stop() {
        parts.web = session.web;
        await stop();
      },
    };
    return session;
  } catch (error) {
    await stop();
    throw error;
  }
}
