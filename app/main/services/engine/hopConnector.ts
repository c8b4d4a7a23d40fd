/**
 * Opens one hop: a socket (direct, proxy, or a direct-tcpip channel of the hop before), the SSH
 * handshake, the host-key decision, then authentication in the configured order.
 *
 * Order is the security property: ssh2 does not start authentication until hostVerifier has
 * answered, and hostVerifier answers only after verifyHostKey() has trusted the key or a person
 * accepted it. So no password or keyboard-interactive answer can reach an unverified host.
 *
 * Time limits: ssh2's readyTimeout is off (it would cut a person short while they read their
 * authenticator). Our own deadline covers TCP, handshake and the server's auth replies, and is
 * paused whenever a prompt is waiting for a person. Opening the channel to a later hop through
 * the hop before has the same limit.
 *
 * Hostile servers: keyboard-interactive is bounded in prompts per round and rounds per attempt;
 * server text (banners, disconnect reasons, channel-open failures) reaches the event log and
 * error messages only as one plain line of bounded length; prompt text is made plain by the
 * prompt broker.
 *
 * Saved secrets (a hop with a host id and a credential store): a saved password, passphrase or
 * static answer is used without asking; once the server is judged to have rejected it the person
 * is asked (never the saved value again in a loop). After a rejected keyboard-interactive attempt
 * only the answer in doubt is asked again, the next question says what was rejected, and the rest
 * answer PAM's restarted prompts by themselves (authRetry). A TOTP secret answers its prompt
 * until a code from it is rejected. What a person ticks "remember" for is stored only once the
 * server has accepted it.
 *
 * Where it lives: this file opens the socket and the channel to the next hop; hopHandshake.ts
 * drives a hop from its socket to ready; each auth method is a module in auth/.
 */
import type { Duplex } from 'node:stream';
import type { Client, ClientChannel } from 'ssh2';
import { ErrorCode, HoplineError, type HopRef } from '../../../shared/model/errors';
import { hopName, hopNameAtStart } from '../../../shared/model/hopName';
import type { AuthMethodKind, HopStateName, HopTimings } from '../../../shared/model/hop';
import type { HostCertificateNote } from '../../../shared/model/prompt';
import { openFirstHopSocket } from './firstHopTransport';
import { HopHandshake, hostKeysToOffer, type HopTransport } from './hopHandshake';
import { label, MAX_SERVER_TEXT_IN_MESSAGE } from './hopErrors';
import { DEFAULT_CONNECT_TIMEOUT_MS, type HopSpec } from './hopSpec';
import type { HopSecrets } from './hopSecrets';
import type { HostKeyFiles, HostKeyOutcome } from './hostKeyPolicy';
import type { PromptBroker } from './promptBroker';
import { sanitizeForMessage } from './tcpConnect';

// The limits on what a server may make a hop do live beside the code that enforces them.
export { MAX_KBD_PROMPTS_PER_ROUND, MAX_KBD_ROUNDS_PER_ATTEMPT } from './auth/keyboardInteractiveAuth';
export { MAX_PREAMBLE_BYTES, MAX_PREAMBLE_LINES } from './preambleWatch';

export interface HopContext {
  circuitId: string;
  ref: HopRef;
  /** Hops in the circuit, for "hop 2 of 3" labels. */
  count: number;
  spec: HopSpec;
}

export interface HopEnv {
  hostKeyFiles: HostKeyFiles;
  prompts: PromptBroker;
  /** Saved secrets for hops with a host id; absent: always ask. */
  secrets?: HopSecrets;
  log(line: string): void;
  state(state: HopStateName, details: { timings: HopTimings; authMethod?: AuthMethodKind; hostKeyFingerprint?: string; hostCertificate?: HostCertificateNote }): void;
}

export interface LiveHop {
  ref: HopRef;
  spec: HopSpec;
  client: Client;
  hostKey: HostKeyOutcome;
  authMethod: AuthMethodKind;
  timings: HopTimings;
  /** Ends the SSH connection and whatever carries it (a proxy child), resolving once both are gone. */
  end(): Promise<void>;
}

/**
 * Opens a direct-tcpip channel through `via` to the next hop, mapping refusals to typed errors.
 * A hop that never answers (it may be waiting on a TCP connect that never completes) is given
 * up on after the next hop's connect timeout, naming the next hop as unreachable in time.
 */
export function forwardThrough(via: LiveHop, next: HopContext): Promise<ClientChannel> {
  const { host, port } = next.spec;
  const timeoutMs = next.spec.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  return new Promise((resolve, reject) => {
    let done = false;
    const timer = setTimeout(() => {
      done = true;
      reject(new HoplineError(ErrorCode.HOP_TIMEOUT, `${label(next)} could not be reached through ${hopName(via.ref)} within ${timeoutMs} ms`, next.ref));
    }, timeoutMs);
    via.client.forwardOut('127.0.0.1', 0, host, port, (err, channel) => {
      clearTimeout(timer);
      if (done) {
        // Too late: nobody wants this channel any more.
        if (!err) channel.close();
        return;
      }
      done = true;
      if (!err) return resolve(channel);
      const reason = (err as Error & { reason?: number }).reason;
      // The failure description is the remote hop's own text.
      const text = sanitizeForMessage(err.message.replace(/^\(SSH\) Channel open failure: /, ''), MAX_SERVER_TEXT_IN_MESSAGE);
      if (reason === 1) {
        // The server's own words ("open failed") say little to a person: they go under Details.
        reject(new HoplineError(ErrorCode.FORWARD_REFUSED, `${hopNameAtStart(via.ref)} refused to forward to ${host}:${port} for ${hopName(next.ref)}: its SSH server does not allow it`, via.ref, `${hopName(via.ref)} said: ${text || 'administratively prohibited'}`));
      } else {
        reject(new HoplineError(ErrorCode.HOP_UNREACHABLE, `${label(next)} is unreachable from ${hopName(via.ref)}`, next.ref, `${hopName(via.ref)} said: ${text || 'connect failed'}`));
      }
    });
  });
}

/**
 * Connects one hop. `sock` is the channel through the previous hop; hop 0 passes nothing and
 * gets its socket from firstHopTransport (TCP, ProxyCommand, SOCKS5 or HTTP CONNECT). The rest,
 * from the SSH handshake to an authenticated connection, is the hop handshake's (hopHandshake.ts).
 */
export async function connectHop(ctx: HopContext, env: HopEnv, sock?: Duplex): Promise<LiveHop> {
  const { spec } = ctx;
  const started = Date.now();
  const timings: HopTimings = {};
  const timeoutMs = spec.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  env.state('connecting', { timings });
  const hostKeys = await hostKeysToOffer(ctx, env);

  const socketStarted = Date.now();
  let transport: HopTransport;
  if (!sock) {
    const first = await openFirstHopSocket(spec, ctx.ref, timeoutMs);
    transport = { sock: first.sock, close: first.close };
    env.log(`${label(ctx)}: ${first.describe}`);
  } else {
    // The channel belongs to the hop before: closing this hop closes the channel and nothing else.
    transport = { sock, close: async () => undefined };
    env.log(`${label(ctx)}: channel opened through the previous hop`);
  }
  timings.tcpMs = Date.now() - socketStarted;
  env.state('handshake', { timings });
  return HopHandshake.run(ctx, env, transport, started, timings, hostKeys);
}
