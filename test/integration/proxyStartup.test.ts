/**
 * `hopline proxy` starts lean (the built dist/main/cli.cjs): ssh starts it for every session
 * through the gateway, so on the warm path (the app answers on the control socket) it must load
 * node's net/fs/path/os/crypto and its own small bundle, never ssh2, zod, keytar or the rest of
 * the CLI (cliFull.cjs). A stand-in for the app's control socket answers here; what the real app
 * does with the request is gateway.test.ts's part, against the lab.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { controlPaths, readLine, writeLine, type ControlRequest } from '../../app/main/services/gateway/controlProtocol';

const CLI = path.resolve('dist/main/cli.cjs');

/** Preloaded into the proxy: writes every module request it made to $LOADED_OUT at exit. */
const RECORDER = `
const Module = require('node:module');
const seen = new Set();
const load = Module._load;
Module._load = function (request, ...rest) { seen.add(request); return load.call(this, request, ...rest); };
process.on('exit', () => require('node:fs').writeFileSync(process.env.LOADED_OUT, [...seen].join('\\n')));
`;

describe('hopline proxy start-up (built CLI, a stand-in control socket)', () => {
  let dir: string;
  let dataDir: string;
  let server: net.Server;
  const requests: ControlRequest[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'hl-proxy-start-'));
    dataDir = path.join(dir, 'data');
    const paths = controlPaths(dataDir);
    mkdirSync(paths.dir, { recursive: true, mode: 0o700 });
    writeFileSync(paths.token, 'the-token\n', { mode: 0o600 });
    writeFileSync(path.join(dir, 'recorder.cjs'), RECORDER);
    // Answers `connect` as the app does, then echoes the bytes back upper-cased, half-close included.
    server = net.createServer({ allowHalfOpen: true }, (socket) => {
      socket.on('error', () => undefined);
      void readLine(socket).then((line) => {
        requests.push(JSON.parse(line) as ControlRequest);
        writeLine(socket, { ok: true, circuitId: 'c-1', via: ['bastion'] });
        socket.on('data', (chunk: Buffer) => socket.write(chunk.toString('utf8').toUpperCase()));
        socket.on('end', () => socket.end());
        socket.resume();
      });
    });
    await new Promise<void>((resolve) => server.listen(paths.socket, resolve));
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  });

  function runProxy(input: string): Promise<{ code: number | null; stdout: string; stderr: string; loaded: string[] }> {
    const loadedOut = path.join(dir, `loaded-${requests.length}.txt`);
    const child = spawn(process.execPath, ['-r', path.join(dir, 'recorder.cjs'), CLI, 'proxy', '--data-dir', dataDir, '--profile', 'prod db', 'db.internal', '5432'], {
      env: { PATH: process.env.PATH!, HOME: dir, LOADED_OUT: loadedOut },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.stdin.end(input);
    return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr, loaded: readFileSync(loadedOut, 'utf8').split('\n') })));
  }

  it('rides the control socket loading only node built-ins and cli.cjs itself', async () => {
    const run = await runProxy('ssh-2.0-client\n');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    // The bytes went through the stand-in both ways.
    expect(run.stdout).toBe('SSH-2.0-CLIENT\n');
    expect(requests.at(-1)).toMatchObject({ v: 1, op: 'connect', token: 'the-token', route: { kind: 'profile', name: 'prod db' }, host: 'db.internal', port: 5432 });
    const files = run.loaded.filter((m) => m.startsWith('/') || m.startsWith('.'));
    expect(files).toEqual([CLI]);
    const packages = run.loaded.filter((m) => !files.includes(m));
    const builtins = new Set(['net', 'fs', 'path', 'os', 'crypto', 'stream'].flatMap((m) => [m, `node:${m}`]));
    expect(packages.filter((m) => !builtins.has(m))).toEqual([]);
  });
});
