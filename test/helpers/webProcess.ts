/** Starts the built web mode (dist/main/web.cjs) as a child process, as `npm run web` does. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface WebProcess {
  child: ChildProcess;
  url: string;
  port: number;
  token: string;
  dataDir: string;
  stdout: () => string;
  stderr: () => string;
  stop(): Promise<void>;
  /** Ends the process at once with SIGKILL (no clean shutdown: a crash), resolving once it is gone. */
  kill(): Promise<void>;
}

export interface WebProcessOptions {
  /** The process environment (default: this one's). Tests give a throwaway HOME and their own D-Bus. */
  env?: NodeJS.ProcessEnv;
  dataDir?: string;
  /** Node options before the script (a benchmark's `--inspect=127.0.0.1:0`). */
  nodeArgs?: string[];
  /**
   * Listen on this port (default: a free one). A restart on the same port and data dir is the
   * same address to a page, with a new token: opening the new URL in the browser sets the new
   * token's cookie (one per port), and pages already open reconnect with it.
   */
  port?: number;
}

export async function startWebProcess(options: WebProcessOptions = {}): Promise<WebProcess> {
  const dataDir = options.dataDir ?? mkdtempSync(path.join(tmpdir(), 'hl-web-data-'));
  const portArgs = options.port === undefined ? [] : ['--port', String(options.port)];
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), 'dist/main/web.cjs', '--data-dir', dataDir, ...portArgs], { stdio: ['ignore', 'pipe', 'pipe'], env: options.env ?? process.env });
  let out = '';
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`web mode did not print its URL; stderr: ${err}`)), 15_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const match = /open (http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    child.once('exit', (code) => reject(new Error(`web mode exited with ${code}; stderr: ${err}`)));
  });
  const parsed = new URL(url);
  return {
    child,
    url,
    port: Number(parsed.port),
    token: parsed.searchParams.get('token')!,
    dataDir,
    stdout: () => out,
    stderr: () => err,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
    kill: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGKILL');
      }),
  };
}
