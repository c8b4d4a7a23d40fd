/**
 * The hop handshake as a whole (connectHop → hopHandshake.ts), against small ssh2 servers on
 * loopback and a ProxyCommand that fails: the order of auth steps, what a failure lists, and that
 * a socket's own failure is heard before the deadline. The lab tests do the same against sshd.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import ssh2, { type AuthContext } from 'ssh2';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { connectHop, type HopContext, type HopEnv } from '../../../../../app/main/services/engine/hopConnector';
import type { HopSpec } from '../../../../../app/main/services/engine/hopSpec';
import { PromptBroker } from '../../../../../app/main/services/engine/promptBroker';
import { ErrorCode, type HoplineError } from '../../../../../app/shared/model/errors';
import { testHostKey } from '../../../../helpers/hostKey';

const { Server, utils } = ssh2;
const dir = mkdtempSync(path.join(tmpdir(), 'hl-handshake-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface TinyServer {
  port: number;
  knownHosts: string;
  /** Methods clients tried, in order. */
  methods: string[];
  close(): Promise<void>;
}

/** An SSH server whose `decide` answers each auth request. */
async function startServer(decide: (ctx: AuthContext) => void): Promise<TinyServer> {
  const keys = testHostKey();
  const parsed = utils.parseKey(keys.public);
  if (parsed instanceof Error) throw parsed;
  const methods: string[] = [];
  const server = new Server({ hostKeys: [keys.private] }, (client) => {
    client.on('authentication', (ctx) => {
      methods.push(ctx.method);
      decide(ctx);
    });
    client.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const knownHosts = path.join(dir, `known_hosts_${port}`);
  writeFileSync(knownHosts, `[127.0.0.1]:${port} ${parsed.type} ${parsed.getPublicSSH().toString('base64')}\n`);
  return { port, knownHosts, methods, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

function hop(spec: Partial<HopSpec>): HopContext {
  return { circuitId: 'c1', ref: { index: 0, name: 'edge' }, count: 1, spec: { name: 'edge', host: '127.0.0.1', port: 22, user: 'ops', auth: [], connectTimeoutMs: 10_000, ...spec } };
}

function env(knownHosts: string, prompts = new PromptBroker()): HopEnv & { lines: string[]; states: string[] } {
  const lines: string[] = [];
  const states: string[] = [];
  return { hostKeyFiles: { userFiles: [], appFile: knownHosts }, prompts, log: (line) => lines.push(line), state: (s) => states.push(s), lines, states };
}

let server: TinyServer | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

describe('the hop handshake', () => {
  it('asks the server with `none` before a password, and lists every attempt when all are rejected', async () => {
    server = await startServer((ctx) => ctx.reject(['password']));
    const prompts = new PromptBroker();
    prompts.onDidRequest((r) => void prompts.answer(r.id, ['wrong'], [false]));
    const error = (await connectHop(hop({ port: server.port, auth: [{ kind: 'password' }] }), env(server.knownHosts, prompts)).catch((e: unknown) => e)) as HoplineError;
    expect(error.code).toBe(ErrorCode.AUTH_FAILED);
    expect(error.message).toBe(`Authentication failed for hop 1 (edge) at ops@127.0.0.1:${server.port}. Tried: none, password, password (attempt 2). Server accepts: password.`);
    expect(server.methods).toEqual(['none', 'password', 'password']);
  });

  it('skips what cannot be tried, moves on to what the server accepts, and reports the method that worked', async () => {
    server = await startServer((ctx) => (ctx.method === 'keyboard-interactive' ? ctx.prompt([{ prompt: 'Pet name: ', echo: true }], (answers) => (answers[0] === 'rex' ? ctx.accept() : ctx.reject())) : ctx.reject(['keyboard-interactive'])));
    const prompts = new PromptBroker();
    prompts.onDidRequest((r) => void prompts.answer(r.id, ['rex'], [false]));
    const e = env(server.knownHosts, prompts);
    const live = await connectHop(hop({ port: server.port, auth: [{ kind: 'publickey', keyFile: path.join(dir, 'no-such-key') }, { kind: 'keyboard-interactive' }] }), e);
    try {
      expect(live.authMethod).toBe('keyboard-interactive');
      expect(live.hostKey.sha256).toMatch(/^SHA256:/);
      expect(server.methods).toEqual(['keyboard-interactive']);
      expect(e.states).toEqual(['connecting', 'handshake', 'verifying-host-key', 'authenticating', 'authenticating', 'ready']);
      expect(e.lines).toContain(`hop 1 (edge) at ops@127.0.0.1:${server.port}: cannot read key ${path.join(dir, 'no-such-key')} (ENOENT); skipping`);
    } finally {
      await live.end();
    }
  });

  it("fails with a ProxyCommand's own error when it exits at once, not at the deadline", async () => {
    const knownHosts = path.join(dir, 'known_hosts_proxy');
    writeFileSync(knownHosts, '');
    const started = Date.now();
    const error = (await connectHop(hop({ proxy: { kind: 'command', command: 'false' } }), env(knownHosts)).catch((e: unknown) => e)) as HoplineError;
    expect(error.code).toBe(ErrorCode.PROXY_FAILED);
    expect(error.message).toMatch(/^Proxy command for hop 1 \(edge\): "false" exited with code 1/);
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
