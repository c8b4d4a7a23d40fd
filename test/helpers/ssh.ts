/** Plain ssh2 helpers for lab tests (the engine issue replaces these with the hop engine itself). */
import { readFileSync } from 'node:fs';
import type { Duplex } from 'node:stream';
import { Client, type ConnectConfig } from 'ssh2';
import { sha256Fingerprint } from '../../app/main/services/engine/knownHosts';
import type { LabHostStatus } from '../lab/lab';

export interface HopOptions {
  host: LabHostStatus;
  user: string;
  sock?: Duplex;
  privateKey?: string;
  password?: string;
  /** Answers each keyboard-interactive round; gets the prompt texts. */
  onKeyboard?: (prompts: string[], round: number) => string[];
}

/** Connects one hop, refusing any host key the lab did not generate for that host. */
export function connectHop(options: HopOptions): Promise<Client> {
  const client = new Client();
  const expected = new Set(options.host.hostKeys.map((k) => k.sha256));
  let round = 0;
  const config: ConnectConfig = {
    host: options.host.address,
    port: options.host.port,
    username: options.user,
    readyTimeout: 15_000,
    hostVerifier: (key: Buffer) => expected.has(sha256Fingerprint(key)),
    ...(options.sock ? { sock: options.sock } : {}),
    ...(options.privateKey ? { privateKey: readFileSync(options.privateKey) } : {}),
    ...(options.password ? { password: options.password } : {}),
    tryKeyboard: Boolean(options.onKeyboard),
  };
  if (options.onKeyboard) {
    const answer = options.onKeyboard;
    client.on('keyboard-interactive', (_name, _instructions, _lang, prompts, finish) => {
      round++;
      finish(prompts.length === 0 ? [] : answer(prompts.map((p) => p.prompt), round));
    });
  }
  return new Promise((resolve, reject) => {
    client.once('ready', () => resolve(client));
    client.once('error', reject);
    client.connect(config);
  });
}

/** A direct-tcpip channel through `via` to the next hop's sshd. */
export function forwardTo(via: Client, host: LabHostStatus): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    via.forwardOut('127.0.0.1', 0, host.address, host.port, (err, stream) => (err ? reject(err) : resolve(stream)));
  });
}

export function execText(client: Client, command: string): Promise<{ stdout: string; code: number | null }> {
  return new Promise((resolve, reject) => {
    client.exec(command, (err, stream) => {
      if (err) return reject(err);
      let stdout = '';
      stream.on('data', (d: Buffer) => (stdout += d.toString()));
      stream.stderr.resume();
      stream.on('close', (code: number | null) => resolve({ stdout, code }));
    });
  });
}
