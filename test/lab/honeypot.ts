/**
 * A honeypot: a small ssh2 Server on loopback that records every authentication attempt and
 * accepts none. Tests use it to prove no credential is sent to a host whose key was not accepted.
 */
import type { AddressInfo } from 'node:net';
import ssh2 from 'ssh2';
import { testHostKey } from '../helpers/hostKey';

const { Server, utils } = ssh2;

export interface AuthAttempt {
  method: string;
  username: string;
  /** Whether the attempt carried something secret (a password or keyboard-interactive answers). */
  revealing: boolean;
  /** What was sent: the password, or the keyboard-interactive answers joined by newlines. */
  value?: string;
}

export interface Honeypot {
  port: number;
  hostKey: { type: string; blob: Buffer };
  attempts: AuthAttempt[];
  /** Connections that completed the handshake. */
  handshakes: number;
  /** Client connections still open on the honeypot's side: 0 once every client has hung up. */
  openConnections: number;
  close(): Promise<void>;
}

export async function startHoneypot(): Promise<Honeypot> {
  const keys = testHostKey();
  const parsed = utils.parseKey(keys.public);
  if (parsed instanceof Error) throw parsed;
  const attempts: AuthAttempt[] = [];
  const state = { handshakes: 0, open: 0 };
  const server = new Server({ hostKeys: [keys.private] }, (client) => {
    state.open++;
    client.once('close', () => state.open--);
    client.on('handshake', () => state.handshakes++);
    client.on('authentication', (ctx) => {
      if (ctx.method === 'keyboard-interactive') {
        ctx.prompt([{ prompt: 'Password: ', echo: false }], (answers) => {
          attempts.push({ method: ctx.method, username: ctx.username, revealing: answers.length > 0, value: answers.join('\n') });
          ctx.reject();
        });
        return;
      }
      attempts.push({ method: ctx.method, username: ctx.username, revealing: ctx.method === 'password', ...(ctx.method === 'password' ? { value: ctx.password } : {}) });
      ctx.reject(['password', 'keyboard-interactive', 'publickey']);
    });
    client.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    hostKey: { type: parsed.type, blob: parsed.getPublicSSH() },
    attempts,
    get handshakes() {
      return state.handshakes;
    },
    get openConnections() {
      return state.open;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
