/**
 * One hop from an open socket to an authenticated SSH connection: the SSH handshake, the host-key
 * decision, then the auth steps in the configured order (why in that order, and the time limits,
 * are in hopConnector.ts). ssh2 drives it through callbacks; each is a method here, and what they
 * share is in the fields below. The auth methods themselves are in auth/.
 */
import type { Duplex } from 'node:stream';
import ssh2, { type AuthenticationType, type ConnectConfig } from 'ssh2';
import { ErrorCode, HoplineError, type HopRef } from '../../../shared/model/errors';
import type { AuthMethodKind, HopTimings } from '../../../shared/model/hop';
import { agentAuth } from './auth/agentAuth';
import type { AuthOffer, AuthQuestion, AuthSession } from './auth/authSession';
import { AuthSteps, type StepAttempt } from './auth/authSteps';
import { KeyboardInteractiveAuth } from './auth/keyboardInteractiveAuth';
import { keyAuth } from './auth/keyAuth';
import { PasswordAuth } from './auth/passwordAuth';
import { SavedSecrets } from './auth/savedSecrets';
import type { HopContext, HopEnv, LiveHop } from './hopConnector';
import { errorFromSsh2, label, MAX_SERVER_TEXT_IN_LOG, PHASE_TEXT, type SetupPhase } from './hopErrors';
import { DEFAULT_CONNECT_TIMEOUT_MS, type HopSpec } from './hopSpec';
import { hostKeyAlgorithmsFor, verifyHostKey, type HostKeyFiles, type HostKeyOutcome } from './hostKeyPolicy';
import { PausableDeadline } from './pausableDeadline';
import { watchPreamble } from './preambleWatch';
import type { PromptReply } from './promptBroker';
import { sanitizeForMessage } from './tcpConnect';

// ssh2 is CommonJS; Node's ESM loader cannot see all of its named exports, so take them off the default.
const { Client } = ssh2;
type Client = InstanceType<typeof Client>;

const MAX_BANNERS_LOGGED = 5;

/** The socket a hop's SSH runs over, and how to close what carries it (a proxy child; nothing for a channel). */
export interface HopTransport {
  sock: Duplex;
  close(): Promise<void>;
}

type AuthNext = (auth: unknown) => void;

/** The hop's known_hosts files, and the host-key algorithms to offer (undefined: ssh2's default list). */
export interface HostKeysToOffer {
  hostKeyFiles: HostKeyFiles;
  serverHostKey: string[] | undefined;
}

/**
 * Reads what the handshake offers from known_hosts. connectHop calls it before opening the first
 * hop's socket: anything awaited between opening it and ssh2 listening on it would let a failing
 * ProxyCommand's error go unheard, and ssh2 would wait on a dead socket until the deadline.
 */
export async function hostKeysToOffer(ctx: HopContext, env: HopEnv): Promise<HostKeysToOffer> {
  const { spec } = ctx;
  // Read before the handshake: a host an @cert-authority line covers is offered certificates first.
  const hostKeyFiles = spec.knownHostsFiles ? { ...env.hostKeyFiles, userFiles: spec.knownHostsFiles } : env.hostKeyFiles;
  const serverHostKey = await hostKeyAlgorithmsFor(hostKeyFiles, spec.host, spec.port);
  return { hostKeyFiles, serverHostKey };
}

export class HopHandshake implements AuthSession {
  readonly spec: HopSpec;
  readonly ref: HopRef;
  readonly label: string;
  readonly secrets: SavedSecrets;
  /** Settles once, when the hop is ready or has failed. */
  readonly result: Promise<LiveHop>;
  private readonly client: Client = new Client();

  /** Set once the hop is ready or has failed; ssh2 callbacks and answers that arrive after it do nothing. */
  settled = false;
  /** The error the hop fails with: the first one. Later ones (ssh2's 'close' after our own end()) follow from it. */
  private failure: HoplineError | null = null;
  /** The host-key decision; set before ssh2 may start authentication. */
  private hostKey: HostKeyOutcome | null = null;
  /** The auth steps: the one in flight, what was tried, and what the server said it accepts. */
  private readonly steps: AuthSteps;
  private readonly password: PasswordAuth;
  private readonly keyboardInteractive: KeyboardInteractiveAuth;
  /** When ssh2 first asked for an auth method; 0 while the handshake is still going. */
  private authStarted = 0;
  /**
   * Time a person spent on questions. It is theirs, not the network's or the server's: it is kept
   * out of handshakeMs and authMs and reported on its own as userWaitMs.
   */
  private userWaitMs = 0;
  /** The part of userWaitMs spent before authentication (the host-key question). */
  private userWaitBeforeAuth = 0;
  private banners = 0;
  /** The connect limit: the network and the server only, so it is paused while a person is asked. */
  private readonly deadline: PausableDeadline;
  private readonly stopWatchingPreamble: () => void;
  private resolve!: (hop: LiveHop) => void;
  private reject!: (error: HoplineError | null) => void;

  /**
   * Runs the handshake over `transport`, which is open already: `started` (when connecting began)
   * and `timings` (tcpMs so far) carry on from opening it; `hostKeys` was read before that.
   */
  static run(ctx: HopContext, env: HopEnv, transport: HopTransport, started: number, timings: HopTimings, hostKeys: HostKeysToOffer): Promise<LiveHop> {
    return new HopHandshake(ctx, env, transport, started, timings, hostKeys).result;
  }

  private constructor(
    private readonly ctx: HopContext,
    private readonly env: HopEnv,
    private readonly transport: HopTransport,
    private readonly started: number,
    private readonly timings: HopTimings,
    { hostKeyFiles, serverHostKey }: HostKeysToOffer,
  ) {
    this.spec = ctx.spec;
    this.ref = ctx.ref;
    this.label = label(ctx);
    this.secrets = new SavedSecrets(ctx.spec.hostId ? env.secrets : undefined, ctx.spec.hostId, (line) => this.log(line));
    this.steps = new AuthSteps(ctx.spec.auth);
    this.password = new PasswordAuth(this);
    this.keyboardInteractive = new KeyboardInteractiveAuth(this);
    this.result = new Promise<LiveHop>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    const timeoutMs = ctx.spec.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    this.deadline = new PausableDeadline(timeoutMs, () =>
      this.fail(new HoplineError(ErrorCode.HOP_TIMEOUT, `${this.label} did not complete the connection within ${timeoutMs} ms: it stopped answering during ${PHASE_TEXT[this.phase]} (time spent waiting for you is not counted)`, this.ref)),
    );
    this.stopWatchingPreamble = watchPreamble(transport.sock, (what) =>
      this.fail(new HoplineError(ErrorCode.HANDSHAKE_FAILED, `SSH handshake with ${this.label} failed: it sent ${what} of text before its version string`, this.ref)),
    );
    this.listen();
    this.client.connect(this.connectConfig(hostKeyFiles, serverHostKey));
  }

  private get phase(): SetupPhase {
    return this.authStarted ? 'authentication' : 'handshake';
  }

  log(line: string): void {
    this.env.log(`${this.label}: ${line}`);
  }

  fail(error: HoplineError): void {
    this.failure ??= error;
    if (this.settled) return;
    this.settled = true;
    this.stopWatchingPreamble();
    this.deadline.clear();
    // Answers kept for a retry are of no use once the hop failed.
    this.keyboardInteractive.clear();
    this.client.removeAllListeners('ready');
    this.client.end();
    this.transport.sock.destroy();
    void this.transport.close().finally(() => this.reject(this.failure));
  }

  ask(question: AuthQuestion): Promise<PromptReply> {
    const { ctx } = this;
    return this.askPerson(() => this.timePerson(() => this.env.prompts.ask({ circuitId: ctx.circuitId, hop: { index: ctx.ref.index, count: ctx.count, name: ctx.ref.name }, ...question })));
  }

  /** Waits for a person with the deadline paused; any error (cancel) ends the hop. */
  private async askPerson<T>(question: () => Promise<T>): Promise<T> {
    this.deadline.pause();
    try {
      return await question();
    } finally {
      this.deadline.resume();
    }
  }

  /** Counts the time a question takes as the person's (userWaitMs). */
  private async timePerson<T>(question: () => Promise<T>): Promise<T> {
    const asked = Date.now();
    try {
      return await question();
    } finally {
      this.userWaitMs += Date.now() - asked;
      this.timings.userWaitMs = this.userWaitMs;
      // During authentication, the hop list shows the wait so far (a hop that then fails, or
      // a cancel, still shows what the person spent); the host-key wait is reported with the
      // 'authenticating' state that follows it.
      if (this.authStarted && !this.settled) this.env.state('authenticating', { timings: this.timings, hostKeyFingerprint: this.hostKey?.sha256 });
    }
  }

  private listen(): void {
    const { client } = this;
    client.once('handshake', (n: { kex: string; serverHostKey: string; cs: { cipher: string; mac: string }; sc: { cipher: string; mac: string } }) => {
      this.log(`negotiated kex ${n.kex}, host key ${n.serverHostKey}, cipher ${n.cs.cipher}${n.cs.mac ? `/${n.cs.mac}` : ''} out, ${n.sc.cipher}${n.sc.mac ? `/${n.sc.mac}` : ''} in`);
    });
    client.on('error', (err: Error & { level?: string }) => this.fail(this.failure ?? errorFromSsh2(this.ctx, err, this.phase, this.steps.tried, this.steps.offered)));
    client.on('close', () =>
      this.fail(this.failure ?? new HoplineError(this.phase === 'handshake' ? ErrorCode.HANDSHAKE_FAILED : ErrorCode.HOP_UNREACHABLE, `${this.label} closed the connection during ${PHASE_TEXT[this.phase]}`, this.ref)),
    );
    // Lines before the version string, and the pre-login banner: the server's own words, which
    // `ssh -v` would show. watchPreamble caps the first at 64 kB, ssh2 the second at 35 kB (it
    // fails the connection past that); only one plain line of either reaches the log.
    client.on('greeting', (text: string) => this.log(`text before the version string: ${sanitizeForMessage(text, MAX_SERVER_TEXT_IN_LOG)}`));
    client.on('banner', (text: string) => {
      // One or two is normal; a server sending thousands would only push useful lines out of the log.
      if (++this.banners <= MAX_BANNERS_LOGGED) this.log(`banner: ${sanitizeForMessage(text, MAX_SERVER_TEXT_IN_LOG)}`);
      else if (this.banners === MAX_BANNERS_LOGGED + 1) this.log('more banners; not logging them');
    });
    client.once('ready', () => this.onReady());
  }

  private connectConfig(hostKeyFiles: HostKeyFiles, serverHostKey: string[] | undefined): ConnectConfig {
    const { ctx, env, spec } = this;
    const agentSocket = spec.agentForward ? (spec.auth.find((a) => a.kind === 'agent') as { socket?: string } | undefined)?.socket ?? process.env.SSH_AUTH_SOCK : undefined;
    const authHandler = (methodsLeft: AuthenticationType[] | null, partialSuccess: boolean | null, next: AuthNext): void => this.onAuthRequest(methodsLeft, partialSuccess, next);
    return {
      sock: this.transport.sock,
      username: spec.user,
      readyTimeout: 0,
      keepaliveInterval: spec.keepaliveIntervalMs ?? 0,
      keepaliveCountMax: spec.keepaliveCountMax ?? 3,
      ...(agentSocket ? { agent: agentSocket, agentForward: true } : {}),
      ...(serverHostKey ? { algorithms: { serverHostKey } } : {}),
      hostVerifier: (key: Buffer, verify: (ok: boolean) => void) => {
        env.state('verifying-host-key', { timings: this.timings });
        void this.askPerson(() =>
          // The hop's own UserKnownHostsFile (from an ssh_config import) replaces ~/.ssh/known_hosts, as in OpenSSH.
          verifyHostKey(hostKeyFiles, ctx.ref, spec.host, spec.port, key, (k) =>
            this.timePerson(() => env.prompts.askHostKey({
              circuitId: ctx.circuitId,
              hop: { index: ctx.ref.index, count: ctx.count, name: ctx.ref.name },
              kind: 'host-key',
              round: 1,
              name: k.changed ? 'Changed host key' : 'Unknown host key',
              instructions: '',
              prompts: [],
              hostKey: k,
            })), env.log),
        ).then(
          (outcome) => {
            this.hostKey = outcome;
            verify(!this.settled);
          },
          (error: unknown) => {
            this.failure ??= error instanceof HoplineError ? error : new HoplineError(ErrorCode.HOST_KEY_REJECTED, `Host key of ${this.label} could not be verified`, ctx.ref);
            verify(false);
            this.fail(this.failure);
          },
        );
      },
      authHandler: authHandler as unknown as ConnectConfig['authHandler'],
    } as ConnectConfig;
  }

  /** ssh2 asks what to send next: first after the host key is accepted, then after each answer of the server. */
  private onAuthRequest(methodsLeft: AuthenticationType[] | null, partialSuccess: boolean | null, next: AuthNext): void {
    if (!this.authStarted) {
      this.authStarted = Date.now();
      this.userWaitBeforeAuth = this.userWaitMs;
      this.timings.handshakeMs = this.authStarted - this.started - (this.timings.tcpMs ?? 0) - this.userWaitBeforeAuth;
      this.timings.userWaitMs = this.userWaitMs;
      this.env.state('authenticating', { timings: this.timings, hostKeyFingerprint: this.hostKey?.sha256 });
      // When the first step would ask a person for a password, ask the server with `none`
      // first: its answer lists the methods it accepts, so nobody types a password a server
      // would never take. Otherwise skip that round trip (sshd delays every failure a little).
      if (this.spec.auth[0]?.kind === 'password') {
        this.steps.tried.push('none');
        return next({ type: 'none', username: this.spec.user });
      }
    }
    if (methodsLeft) this.steps.offered = methodsLeft;
    const current = this.steps.current;
    if (partialSuccess && current) {
      current.succeeded = true;
      this.secrets.commit(current);
      this.log(`${current.step.kind} accepted (partial success); server wants: ${this.steps.offered.join(', ')}`);
    } else if (current) {
      // Nothing typed for a rejected attempt is ever stored.
      current.toRemember.length = 0;
      this.log(`${current.step.kind} not accepted`);
      if (current.step.kind === 'keyboard-interactive') {
        // The log says the next question's doubt was a judgement, never what was sent.
        const rejection = this.keyboardInteractive.rejected();
        if (rejection) this.log(`the server did not say which answer it rejected; asking again: ${rejection.message}`);
      }
    }
    this.offerNext(methodsLeft, next).catch((error: unknown) => this.fail(error instanceof HoplineError ? error : new HoplineError(ErrorCode.AUTH_FAILED, `Authentication at ${this.label} could not continue`, this.ref)));
  }

  /** Sends the next step the server may take, skipping steps that cannot be tried; false when none is left. */
  private async offerNext(methodsLeft: AuthenticationType[] | null, next: AuthNext): Promise<void> {
    for (;;) {
      const entry = this.steps.next(methodsLeft);
      if (!entry) return next(false);
      const offer = await this.offerFor(entry);
      if (this.settled) return;
      if (offer === null) {
        this.steps.skip(entry);
        continue;
      }
      this.steps.sent(entry, offer);
      this.log(`trying ${entry.step.kind}`);
      return next(offer.auth);
    }
  }

  /** The ssh2 auth object for a step, or null when the step cannot be tried (no agent, unusable key). */
  private async offerFor(entry: StepAttempt): Promise<AuthOffer | null> {
    const { step } = entry;
    switch (step.kind) {
      case 'agent':
        return agentAuth(this, step);
      case 'publickey':
        return keyAuth(this, step, entry);
      case 'password':
        return this.password.offer(entry);
      case 'keyboard-interactive':
        return this.keyboardInteractive.offer(entry);
    }
  }

  private onReady(): void {
    if (this.settled) return;
    this.settled = true;
    this.deadline.clear();
    const { client, timings } = this;
    client.removeAllListeners('error');
    client.removeAllListeners('close');
    // Errors after setup are the circuit engine's to handle; this keeps one from crashing Node.
    client.on('error', () => undefined);
    // No current step means the server let `none` through.
    const current = this.steps.current;
    const kind: AuthMethodKind = current?.step.kind ?? 'none';
    if (current) this.secrets.commit(current);
    const now = Date.now();
    timings.authMs = now - this.authStarted - (this.userWaitMs - this.userWaitBeforeAuth);
    timings.totalMs = now - this.started;
    timings.userWaitMs = this.userWaitMs;
    this.log(`authenticated with ${kind} in ${timings.authMs} ms (total ${timings.totalMs} ms, ${this.userWaitMs} ms of it waiting for a person)`);
    this.env.state('ready', { timings, authMethod: kind, hostKeyFingerprint: this.hostKey!.sha256, ...(this.hostKey!.certificate ? { hostCertificate: this.hostKey!.certificate } : {}) });
    this.keyboardInteractive.clear();
    const { transport } = this;
    this.resolve({ ref: this.ref, spec: this.spec, client, hostKey: this.hostKey!, authMethod: kind, timings, end: () => closeHop(client, transport) });
  }
}

/** Ends a ready hop's SSH connection and whatever carries it, resolving once both are gone. */
function closeHop(client: Client, transport: HopTransport): Promise<void> {
  const { sock } = transport;
  return new Promise<void>((done) => {
    const state: { finished: boolean; timer?: NodeJS.Timeout } = { finished: false };
    const finish = (): void => {
      if (state.finished) return;
      state.finished = true;
      clearTimeout(state.timer);
      sock.destroy();
      void transport.close().finally(done);
    };
    // A channel-carried connection may see 'end' and never 'close'; either means gone.
    if (sock.destroyed || !sock.readable) return finish();
    client.once('close', finish);
    client.once('end', finish);
    client.end();
    // A peer that never answers the disconnect must not hold the circuit open.
    state.timer = setTimeout(finish, 2000);
  });
}
