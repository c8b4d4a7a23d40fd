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
 */
import { readFile } from 'node:fs/promises';
import type { Duplex } from 'node:stream';
import ssh2, { type AuthenticationType, type ClientChannel, type ConnectConfig, type Prompt } from 'ssh2';
import { ErrorCode, HoplineError, type HopRef } from '../../../shared/model/errors';
import { hopName, hopNameAtStart } from '../../../shared/model/hopName';
import type { AuthMethodKind, HopStateName, HopTimings } from '../../../shared/model/hop';
import { MAX_PROMPTS_PER_QUESTION, ONE_TIME_PROMPT, type PromptRequest } from '../../../shared/model/prompt';
import { KbdAttempts, PASSWORD_PROMPT, type AnswerSource } from './authRetry';
import { certificateFor } from './certificateAuth';
import { openFirstHopSocket } from './firstHopTransport';
import { DEFAULT_CONNECT_TIMEOUT_MS, type AuthStep, type HopSpec } from './hopSpec';
import type { HopSecrets, RememberedSecret } from './hopSecrets';
import { verifyHostKey, type HostKeyFiles, type HostKeyOutcome } from './hostKeyPolicy';
import type { PromptBroker } from './promptBroker';
import { sanitizeForMessage } from './tcpConnect';

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
  state(state: HopStateName, details: { timings: HopTimings; authMethod?: AuthMethodKind; hostKeyFingerprint?: string }): void;
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

// ssh2 is CommonJS; Node's ESM loader cannot see all of its named exports (utils), so take them off the default.
const { Client, utils } = ssh2;
type Client = InstanceType<typeof Client>;

const MAX_ATTEMPTS: Record<AuthStep['kind'], number> = { agent: 1, publickey: 1, password: 2, 'keyboard-interactive': 3 };
const SSH_METHOD: Record<AuthStep['kind'], AuthenticationType> = { agent: 'publickey', publickey: 'publickey', password: 'password', 'keyboard-interactive': 'keyboard-interactive' };

/**
 * Prompts one keyboard-interactive round may carry (the broker refuses more anyway). A server
 * that sends more is not asking a person anything sensible; the hop fails rather than trying.
 */
export const MAX_KBD_PROMPTS_PER_ROUND = MAX_PROMPTS_PER_QUESTION;
/**
 * Rounds with prompts one keyboard-interactive attempt may take. A password and a code take two;
 * PAM's forced password change (old, new, again) about five. Ten leaves room; with MAX_ATTEMPTS a
 * hop asks at most 30 questions, where a server looping one prompt forever would otherwise ask
 * without end. (Rounds with no prompt never get here: ssh2 answers them itself. Nobody waits on
 * those, so the connect deadline, which keeps running, bounds a server that loops them.)
 */
export const MAX_KBD_ROUNDS_PER_ATTEMPT = 10;
/**
 * Text a server may send before its version string (RFC 4253 §4.2 allows lines there). OpenSSH's
 * client takes 1024 lines; real servers send a line or two. ssh2 means to enforce limits of its
 * own but counts only within two reads at a time, so past these the hop fails here instead.
 */
export const MAX_PREAMBLE_LINES = 1024;
export const MAX_PREAMBLE_BYTES = 64 * 1024;
/** Server text (a banner, a disconnect reason) shown in an error message or a log line at most. */
const MAX_SERVER_TEXT_IN_MESSAGE = 300;
const MAX_SERVER_TEXT_IN_LOG = 1000;
const MAX_BANNERS_LOGGED = 5;

/** "hop 2 (inner) at ops@10.0.2.2:22": the one hop-naming form (hopName), then where it is. */
function label(ctx: HopContext): string {
  const s = ctx.spec;
  return `${hopName(ctx.ref)} at ${s.user}@${s.host}:${s.port}`;
}

/** A deadline that stops counting while a person is being asked something. */
class PausableDeadline {
  private timer: NodeJS.Timeout | null = null;
  private remaining: number;
  private startedAt = 0;
  private pauses = 0;

  constructor(ms: number, private readonly onExpire: () => void) {
    this.remaining = ms;
    this.run();
  }

  private run(): void {
    this.startedAt = Date.now();
    this.timer = setTimeout(this.onExpire, Math.max(this.remaining, 0));
  }

  pause(): void {
    if (this.pauses++ > 0 || !this.timer) return;
    clearTimeout(this.timer);
    this.timer = null;
    this.remaining -= Date.now() - this.startedAt;
  }

  resume(): void {
    if (--this.pauses > 0 || this.timer) return;
    this.run();
  }

  clear(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.pauses = Number.POSITIVE_INFINITY;
  }
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
 * Counts what arrives on `sock` before the server's version string and calls `tooMuch` once it
 * passes MAX_PREAMBLE_LINES or MAX_PREAMBLE_BYTES. It starts listening when ssh2 does (a 'data'
 * listener added any earlier would start the flow with nobody else listening) and stops at the
 * version string, so it costs nothing once the session runs. Returns a function that stops it.
 */
function watchPreamble(sock: Duplex, tooMuch: (what: string) => void): () => void {
  let lines = 0;
  let bytes = 0;
  /** The start of the current line, up to 4 characters: "SSH-" marks the version string. */
  let lineStart = '';
  const stop = (): void => {
    sock.off('newListener', onNewListener);
    sock.off('data', onData);
  };
  const onData = (chunk: Buffer): void => {
    for (const byte of chunk) {
      if (lineStart.length < 4) {
        lineStart += String.fromCharCode(byte);
        if (lineStart === 'SSH-') return stop();
      }
      bytes++;
      if (byte === 0x0a) {
        lines++;
        lineStart = '';
      }
      if (lines > MAX_PREAMBLE_LINES || bytes > MAX_PREAMBLE_BYTES) {
        stop();
        return tooMuch(lines > MAX_PREAMBLE_LINES ? `more than ${MAX_PREAMBLE_LINES} lines` : `more than ${MAX_PREAMBLE_BYTES / 1024} kB`);
      }
    }
  };
  const onNewListener = (event: string | symbol): void => {
    if (event !== 'data') return;
    sock.off('newListener', onNewListener);
    // ssh2's listener is added right after this one, in the same tick: neither misses a byte.
    sock.on('data', onData);
  };
  sock.on('newListener', onNewListener);
  return stop;
}

/** How far a hop's setup got, for messages: what the server was doing when it failed or stalled. */
type SetupPhase = 'handshake' | 'authentication';

const PHASE_TEXT: Record<SetupPhase, string> = { handshake: 'the SSH handshake', authentication: 'authentication' };

function errorFromSsh2(ctx: HopContext, err: Error & { level?: string; code?: string | number }, phase: SetupPhase, tried: string[], offered: string[]): HoplineError {
  // The socket's own typed error (a ProxyCommand that exited, a proxy that refused) says it best.
  if (err instanceof HoplineError) return err;
  if (err.level === 'client-authentication') {
    return new HoplineError(ErrorCode.AUTH_FAILED, `Authentication failed for ${label(ctx)}. Tried: ${tried.join(', ') || 'nothing'}. Server accepts: ${offered.join(', ') || 'unknown'}.`, ctx.ref);
  }
  if (typeof err.code === 'number') {
    // A DISCONNECT from the server, whose description is the server's own text. Its reason code
    // says little (OpenSSH's "Too many authentication failures" is a PROTOCOL_ERROR); the phase says more.
    const why = `${label(ctx)} disconnected during ${PHASE_TEXT[phase]}: ${sanitizeForMessage(err.message, MAX_SERVER_TEXT_IN_MESSAGE) || 'no reason given'}`;
    const reason = `SSH disconnect reason ${err.code}`;
    if (phase === 'authentication') return new HoplineError(ErrorCode.AUTH_FAILED, `${why}. Tried: ${tried.join(', ') || 'nothing'}.`, ctx.ref, reason);
    return new HoplineError(ErrorCode.HANDSHAKE_FAILED, why, ctx.ref, reason);
  }
  if (err.level === 'agent') return new HoplineError(ErrorCode.AUTH_FAILED, `The SSH agent could not be used for ${label(ctx)}: ${sanitizeForMessage(err.message, MAX_SERVER_TEXT_IN_MESSAGE)}`, ctx.ref);
  if (err.level === 'client-timeout') return new HoplineError(ErrorCode.HOP_TIMEOUT, `${label(ctx)}: ${sanitizeForMessage(err.message, MAX_SERVER_TEXT_IN_MESSAGE)}`, ctx.ref);
  if (err.level === 'client-socket' || typeof err.code === 'string') {
    return new HoplineError(ErrorCode.HOP_UNREACHABLE, `The connection to ${label(ctx)} broke`, ctx.ref, sanitizeForMessage(String(err.code ?? err.message), MAX_SERVER_TEXT_IN_MESSAGE));
  }
  // What is left is the server breaking the protocol: ssh2's 'handshake' and 'protocol' errors,
  // and what its parser throws (a greeting too long, a packet too large for ssh2 to take).
  const said = err.message.replace(/^Handshake failed: /, '').replace(/^no matching (.+)$/i, 'no $1 in common with the server');
  const shown = sanitizeForMessage(said, MAX_SERVER_TEXT_IN_MESSAGE);
  return new HoplineError(ErrorCode.HANDSHAKE_FAILED, phase === 'handshake' ? `SSH handshake with ${label(ctx)} failed: ${shown}` : `${label(ctx)} broke the SSH protocol during authentication: ${shown}`, ctx.ref);
}

/**
 * Connects one hop. `sock` is the channel through the previous hop; hop 0 passes nothing and
 * gets its socket from firstHopTransport (TCP, ProxyCommand, SOCKS5 or HTTP CONNECT).
 */
export async function connectHop(ctx: HopContext, env: HopEnv, sock?: Duplex): Promise<LiveHop> {
  const { spec } = ctx;
  const started = Date.now();
  const timings: HopTimings = {};
  const timeoutMs = spec.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  env.state('connecting', { timings });

  let closeTransport: () => Promise<void> = async () => undefined;
  if (!sock) {
    const first = await openFirstHopSocket(spec, ctx.ref, timeoutMs);
    sock = first.sock;
    closeTransport = first.close;
    env.log(`${label(ctx)}: ${first.describe}`);
  } else {
    env.log(`${label(ctx)}: channel opened through the previous hop`);
  }
  timings.tcpMs = Date.now() - started;
  env.state('handshake', { timings });

  const client = new Client();
  const carrier = sock;
  const tried: string[] = [];
  let offered: string[] = [];
  let hostKey: HostKeyOutcome | null = null;
  let failure: HoplineError | null = null;
  let authStarted = 0;
  const phase = (): SetupPhase => (authStarted ? 'authentication' : 'handshake');

  return new Promise<LiveHop>((resolve, reject) => {
    let settled = false;
    const deadline = new PausableDeadline(timeoutMs, () =>
      fail(new HoplineError(ErrorCode.HOP_TIMEOUT, `${label(ctx)} did not complete the connection within ${timeoutMs} ms: it stopped answering during ${PHASE_TEXT[phase()]} (time spent waiting for you is not counted)`, ctx.ref)),
    );

    const stopWatchingPreamble = watchPreamble(carrier, (what) =>
      fail(new HoplineError(ErrorCode.HANDSHAKE_FAILED, `SSH handshake with ${label(ctx)} failed: it sent ${what} of text before its version string`, ctx.ref)),
    );

    const fail = (error: HoplineError): void => {
      failure ??= error;
      if (settled) return;
      settled = true;
      stopWatchingPreamble();
      deadline.clear();
      // Answers kept for a retry are of no use once the hop failed.
      kbd.clear();
      client.removeAllListeners('ready');
      client.end();
      sock!.destroy();
      void closeTransport().finally(() => reject(failure));
    };

    /** Waits for a person with the deadline paused; any error (cancel) ends the hop. */
    const askPerson = async <T>(question: () => Promise<T>): Promise<T> => {
      deadline.pause();
      try {
        return await question();
      } finally {
        deadline.resume();
      }
    };

    // Time a person spends on a question is theirs, not the network's or the server's: it is
    // kept out of handshakeMs and authMs and reported on its own as userWaitMs.
    let userWaitMs = 0;
    let userWaitBeforeAuth = 0;
    const timePerson = async <T>(question: () => Promise<T>): Promise<T> => {
      const asked = Date.now();
      try {
        return await question();
      } finally {
        userWaitMs += Date.now() - asked;
        timings.userWaitMs = userWaitMs;
        // During authentication, the hop list shows the wait so far (a hop that then fails, or
        // a cancel, still shows what the person spent); the host-key wait is reported with the
        // 'authenticating' state that follows it.
        if (authStarted && !settled) env.state('authenticating', { timings, hostKeyFingerprint: hostKey?.sha256 });
      }
    };

    const steps = spec.auth.map((step) => ({ step, attempts: 0, succeeded: false, toRemember: [] as { secret: RememberedSecret; value: string }[] }));
    let current: (typeof steps)[number] | null = null;
    let kbdRound = 0;
    // Keyboard-interactive answers of this connect, so that after a rejection only the answer in
    // doubt is asked again and PAM's restarted prompts are answered by the rest (authRetry).
    const kbd = new KbdAttempts();
    /** What the hop rejected last, said once by the next question. */
    let rejection: PromptRequest['rejection'] | undefined;
    const hostId = spec.hostId;
    const secrets = hostId ? env.secrets : undefined;

    /** A saved secret, or null; a keychain that fails is logged (never the value) and treated as empty. */
    const saved = async (what: string, lookup: (s: HopSecrets, id: string) => Promise<string | null>): Promise<string | null> => {
      if (!secrets || !hostId) return null;
      try {
        return await lookup(secrets, hostId);
      } catch (error) {
        env.log(`${label(ctx)}: could not read the saved ${what} (${error instanceof Error ? error.name : 'error'}); asking instead`);
        return null;
      }
    };

    /** Stores what the person asked to remember, now that the server accepted it. */
    const commitRemembered = (entry: (typeof steps)[number]): void => {
      for (const { secret, value } of entry.toRemember.splice(0)) {
        if (!secrets || !hostId) continue;
        secrets.remember(hostId, secret, value).then(
          () => env.log(`${label(ctx)}: saved the ${secret.kind} for next time`),
          (error: unknown) => env.log(`${label(ctx)}: could not save the ${secret.kind} (${error instanceof Error ? error.name : 'error'})`),
        );
      }
    };

    const ask = (question: Omit<Parameters<PromptBroker['ask']>[0], 'circuitId' | 'hop'>) =>
      askPerson(() => timePerson(() => env.prompts.ask({ circuitId: ctx.circuitId, hop: { index: ctx.ref.index, count: ctx.count, name: ctx.ref.name }, ...question })));

    const keyboardInteractive = (name: string, instructions: string, _lang: string, prompts: Prompt[], finish: (responses: string[]) => void): void => {
      if (settled) return;
      kbdRound++;
      if (prompts.length > MAX_KBD_PROMPTS_PER_ROUND) {
        return fail(new HoplineError(ErrorCode.AUTH_FAILED, `${label(ctx)} sent ${prompts.length} prompts in one keyboard-interactive round; Hopline answers at most ${MAX_KBD_PROMPTS_PER_ROUND}, so it stopped`, ctx.ref));
      }
      if (kbdRound > MAX_KBD_ROUNDS_PER_ATTEMPT) {
        return fail(new HoplineError(ErrorCode.AUTH_FAILED, `${label(ctx)} kept asking: more than ${MAX_KBD_ROUNDS_PER_ATTEMPT} keyboard-interactive rounds in one attempt, so Hopline stopped`, ctx.ref));
      }
      if (prompts.length === 0) {
        // ssh2 answers empty rounds before they get here; kept in case that changes.
        env.log(`${label(ctx)}: keyboard-interactive round ${kbdRound} has no prompts; answered automatically`);
        return finish([]);
      }
      const entry = current;
      const attempt = entry?.attempts ?? 1;
      const oneTime = (p: Prompt): boolean => ONE_TIME_PROMPT.test(p.prompt);

      /**
       * An answer that needs nobody: one sent in a rejected attempt and not in doubt (PAM asks it
       * again when it starts over), else a saved one (TOTP, answer, password) unless the hop
       * rejected that before in this connect. Never the same rejected secret in a loop.
       */
      const automatic = async (p: Prompt): Promise<{ value: string; source: string; kind: AnswerSource } | null> => {
        const again = kbd.reuse(p);
        if (again) return { value: again.value, source: 'the attempt before', kind: again.source };
        if (!kbd.maySaveAnswer(p)) return null;
        const code = await saved('TOTP secret', (s, id) => s.totpCode(id, p.prompt));
        if (code !== null) return { value: code, source: 'TOTP', kind: 'totp' };
        if (oneTime(p)) return null;
        const answer = await saved('answer', (s, id) => s.answer(id, p.prompt));
        if (answer !== null) return { value: answer, source: 'saved answer', kind: 'saved' };
        if (p.echo !== true && PASSWORD_PROMPT.test(p.prompt)) {
          const password = await saved('password', (s, id) => s.get(id, 'password'));
          if (password !== null) return { value: password, source: 'saved password', kind: 'saved' };
        }
        return null;
      };

      void (async () => {
        const auto = await Promise.all(prompts.map(automatic));
        const toAsk = prompts.filter((_, i) => auto[i] === null);
        const sources = [...new Set(auto.flatMap((a) => (a ? [a.source] : [])))];
        env.log(`${label(ctx)}: keyboard-interactive round ${kbdRound}: ${prompts.length} prompt(s)${sources.length ? `, ${prompts.length - toAsk.length} answered from ${sources.join(' and ')}` : ''}`);
        let reply = { answers: [] as string[], remember: [] as boolean[] };
        if (toAsk.length > 0) {
          const said = rejection;
          rejection = undefined;
          reply = await ask({
            kind: 'keyboard-interactive',
            round: kbdRound,
            name,
            instructions,
            prompts: toAsk.map((p) => ({ text: p.prompt, echo: p.echo === true, remember: oneTime(p) ? 'never' : 'offer' })),
            ...(said ? { rejection: said } : {}),
            attempt: { number: attempt, of: MAX_ATTEMPTS['keyboard-interactive'] },
          });
        }
        if (settled) return;
        let next = 0;
        const all = prompts.map((p, i) => {
          const a = auto[i];
          if (a) {
            kbd.record(p, a.value, a.kind);
            return a.value;
          }
          const k = next++;
          const value = reply.answers[k] ?? '';
          kbd.record(p, value, 'typed');
          if (reply.remember[k] && !oneTime(p) && entry) {
            entry.toRemember.push({ secret: p.echo !== true && PASSWORD_PROMPT.test(p.prompt) ? { kind: 'password' } : { kind: 'answer', promptText: p.prompt }, value });
          }
          return value;
        });
        finish(all);
      })().catch((error: unknown) => fail(error instanceof HoplineError ? error : new HoplineError(ErrorCode.PROMPT_CANCELLED, `The question from ${label(ctx)} ended before it was answered`, ctx.ref)));
    };

    /** What each certificate attempt offered, so a refusal names its key id. */
    const certificateNames = new WeakMap<object, string>();
    /**
     * A key's auth object with its OpenSSH user certificate (certificateAuth.ts), when there is
     * one. A named certificate that sshd would refuse stops the hop here, before anything is sent.
     */
    const certified = async (step: Extract<AuthStep, { kind: 'publickey' }>, auth: { type: 'publickey'; username: string; key: Buffer; passphrase?: string }): Promise<Record<string, unknown>> => {
      const parsed = utils.parseKey(auth.key, auth.passphrase);
      if (parsed instanceof Error) return auth;
      const explicit = [...(step.certificateFile ? [step.certificateFile] : []), ...(spec.certificateFiles ?? [])];
      const choice = await certificateFor(step.keyFile, parsed.getPublicSSH(), explicit, spec.user);
      for (const note of choice.notes) env.log(`${label(ctx)}: ${note}`);
      if (!choice.chosen) return auth;
      const { cert, file, explicit: named } = choice.chosen;
      const keyId = sanitizeForMessage(cert.keyId, MAX_SERVER_TEXT_IN_MESSAGE);
      if (choice.problem) {
        const why = sanitizeForMessage(choice.problem, MAX_SERVER_TEXT_IN_MESSAGE * 2);
        if (named) throw new HoplineError(ErrorCode.AUTH_FAILED, `Not sent to ${label(ctx)}: ${why} (${file})`, ctx.ref);
        env.log(`${label(ctx)}: not offering ${file}: ${why}; offering the key alone`);
        return auth;
      }
      env.log(`${label(ctx)}: key ${step.keyFile} with certificate "${keyId}" (${file}, CA ${cert.signatureKeyFingerprint})`);
      const withCert = { ...auth, certificate: cert.blob };
      certificateNames.set(withCert, `publickey with certificate "${keyId}"`);
      return withCert;
    };

    /** The ssh2 auth object for a step, or null when the step cannot be tried (no agent, unreadable key). */
    let usedSavedPassword = false;
    const buildAuth = async (entry: (typeof steps)[number]): Promise<Record<string, unknown> | null> => {
      const step = entry.step;
      const username = spec.user;
      switch (step.kind) {
        case 'agent': {
          const agent = step.socket ?? process.env.SSH_AUTH_SOCK;
          if (!agent) {
            env.log(`${label(ctx)}: no SSH agent (SSH_AUTH_SOCK unset); skipping agent`);
            return null;
          }
          return { type: 'agent', username, agent };
        }
        case 'publickey': {
          let data: Buffer;
          try {
            data = await readFile(step.keyFile);
          } catch (error) {
            env.log(`${label(ctx)}: cannot read key ${step.keyFile} (${(error as NodeJS.ErrnoException).code ?? 'error'}); skipping`);
            return null;
          }
          let parsed = utils.parseKey(data);
          const encrypted = (p: typeof parsed): boolean => p instanceof Error && /passphrase|encrypted|decrypt/i.test(p.message);
          let savedFailed = false;
          if (encrypted(parsed)) {
            const passphrase = await saved('passphrase', (s, id) => s.get(id, 'passphrase'));
            if (passphrase !== null) {
              if (!(utils.parseKey(data, passphrase) instanceof Error)) {
                env.log(`${label(ctx)}: key ${step.keyFile} decrypted with the saved passphrase`);
                return certified(step, { type: 'publickey', username, key: data, passphrase });
              }
              savedFailed = true;
              env.log(`${label(ctx)}: the saved passphrase does not decrypt ${step.keyFile}`);
            }
          }
          for (let i = 0; encrypted(parsed) && i < 3; i++) {
            const reply = await ask({
              kind: 'passphrase',
              round: i + 1,
              name: 'Key passphrase',
              instructions: i > 0 ? 'That passphrase did not decrypt the key.' : savedFailed ? `The saved passphrase does not decrypt ${step.keyFile}.` : `The key ${step.keyFile} is encrypted.`,
              prompts: [{ text: `Passphrase for ${step.keyFile}:`, echo: false, remember: 'offer' }],
            });
            const passphrase = reply.answers[0] ?? '';
            const attempt = utils.parseKey(data, passphrase);
            if (!(attempt instanceof Error)) {
              // Decrypting proves the passphrase right, whatever the server thinks of the key.
              if (reply.remember[0]) entry.toRemember.push({ secret: { kind: 'passphrase' }, value: passphrase });
              commitRemembered(entry);
              return certified(step, { type: 'publickey', username, key: data, passphrase });
            }
            parsed = attempt;
          }
          if (parsed instanceof Error) {
            env.log(`${label(ctx)}: key ${step.keyFile} unusable (${parsed.message}); skipping`);
            return null;
          }
          return certified(step, { type: 'publickey', username, key: data });
        }
        case 'password': {
          if (entry.attempts === 1) {
            const password = await saved('password', (s, id) => s.get(id, 'password'));
            if (password !== null) {
              usedSavedPassword = true;
              env.log(`${label(ctx)}: using the saved password`);
              return { type: 'password', username, password };
            }
          }
          const reply = await ask({
            kind: 'password',
            round: entry.attempts,
            name: 'Password',
            instructions: '',
            prompts: [{ text: `Password for ${username}@${spec.host}:`, echo: false, remember: 'offer' }],
            ...(usedSavedPassword
              ? { rejection: { message: `${hopNameAtStart(ctx.ref)} rejected the saved password. Enter the password.`, detail: 'Tick "Remember" to replace the saved one.' } }
              : entry.attempts > 1
                ? { rejection: { message: `${hopNameAtStart(ctx.ref)} rejected that password. Enter it again.` } }
                : {}),
            attempt: { number: entry.attempts, of: MAX_ATTEMPTS.password },
          });
          const password = reply.answers[0] ?? '';
          if (reply.remember[0]) entry.toRemember.push({ secret: { kind: 'password' }, value: password });
          return { type: 'password', username, password };
        }
        case 'keyboard-interactive':
          kbdRound = 0;
          kbd.begin();
          return { type: 'keyboard-interactive', username, prompt: keyboardInteractive };
      }
    };

    const authHandler = (methodsLeft: AuthenticationType[] | null, partialSuccess: boolean | null, next: (auth: unknown) => void): void => {
      if (!authStarted) {
        authStarted = Date.now();
        userWaitBeforeAuth = userWaitMs;
        timings.handshakeMs = authStarted - started - (timings.tcpMs ?? 0) - userWaitBeforeAuth;
        timings.userWaitMs = userWaitMs;
        env.state('authenticating', { timings, hostKeyFingerprint: hostKey?.sha256 });
        // When the first step would ask a person for a password, ask the server with `none`
        // first: its answer lists the methods it accepts, so nobody types a password a server
        // would never take. Otherwise skip that round trip (sshd delays every failure a little).
        if (spec.auth[0]?.kind === 'password') {
          tried.push('none');
          return next({ type: 'none', username: spec.user });
        }
      }
      if (methodsLeft) offered = methodsLeft;
      if (partialSuccess && current) {
        current.succeeded = true;
        commitRemembered(current);
        env.log(`${label(ctx)}: ${current.step.kind} accepted (partial success); server wants: ${offered.join(', ')}`);
      } else if (current) {
        // Nothing typed for a rejected attempt is ever stored.
        current.toRemember.length = 0;
        env.log(`${label(ctx)}: ${current.step.kind} not accepted`);
        if (current.step.kind === 'keyboard-interactive') {
          // The failure names no answer; authRetry decides which is in doubt, and the next
          // question says so. The log says it was a judgement, never what was sent.
          rejection = kbd.rejected(hopName(ctx.ref)) ?? undefined;
          if (rejection) env.log(`${label(ctx)}: the server did not say which answer it rejected; asking again: ${rejection.message}`);
        }
      }
      const pick = async (): Promise<void> => {
        for (;;) {
          const entry = steps.find((s) => !s.succeeded && s.attempts < MAX_ATTEMPTS[s.step.kind] && (!methodsLeft || methodsLeft.includes(SSH_METHOD[s.step.kind])));
          if (!entry) {
            current = null;
            return next(false);
          }
          entry.attempts++;
          current = entry;
          const auth = await buildAuth(entry);
          if (settled) return;
          if (auth === null) {
            entry.attempts = MAX_ATTEMPTS[entry.step.kind];
            continue;
          }
          tried.push(certificateNames.get(auth) ?? (entry.attempts > 1 ? `${entry.step.kind} (attempt ${entry.attempts})` : entry.step.kind));
          env.log(`${label(ctx)}: trying ${entry.step.kind}`);
          return next(auth);
        }
      };
      pick().catch((error: unknown) => fail(error instanceof HoplineError ? error : new HoplineError(ErrorCode.AUTH_FAILED, `Authentication at ${label(ctx)} could not continue`, ctx.ref)));
    };

    client.once('handshake', (n: { kex: string; serverHostKey: string; cs: { cipher: string; mac: string }; sc: { cipher: string; mac: string } }) => {
      env.log(`${label(ctx)}: negotiated kex ${n.kex}, host key ${n.serverHostKey}, cipher ${n.cs.cipher}${n.cs.mac ? `/${n.cs.mac}` : ''} out, ${n.sc.cipher}${n.sc.mac ? `/${n.sc.mac}` : ''} in`);
    });
    client.on('error', (err: Error & { level?: string }) => fail(failure ?? errorFromSsh2(ctx, err, phase(), tried, offered)));
    client.on('close', () =>
      fail(failure ?? new HoplineError(phase() === 'handshake' ? ErrorCode.HANDSHAKE_FAILED : ErrorCode.HOP_UNREACHABLE, `${label(ctx)} closed the connection during ${PHASE_TEXT[phase()]}`, ctx.ref)),
    );
    // Lines before the version string, and the pre-login banner: the server's own words, which
    // `ssh -v` would show. watchPreamble caps the first at 64 kB, ssh2 the second at 35 kB (it
    // fails the connection past that); only one plain line of either reaches the log.
    client.on('greeting', (text: string) => env.log(`${label(ctx)}: text before the version string: ${sanitizeForMessage(text, MAX_SERVER_TEXT_IN_LOG)}`));
    let banners = 0;
    client.on('banner', (text: string) => {
      // One or two is normal; a server sending thousands would only push useful lines out of the log.
      if (++banners <= MAX_BANNERS_LOGGED) env.log(`${label(ctx)}: banner: ${sanitizeForMessage(text, MAX_SERVER_TEXT_IN_LOG)}`);
      else if (banners === MAX_BANNERS_LOGGED + 1) env.log(`${label(ctx)}: more banners; not logging them`);
    });
    client.once('ready', () => {
      if (settled) return;
      settled = true;
      deadline.clear();
      client.removeAllListeners('error');
      client.removeAllListeners('close');
      // Errors after setup are the circuit engine's to handle; this keeps one from crashing Node.
      client.on('error', () => undefined);
      // No current step means the server let `none` through.
      const kind: AuthMethodKind = current?.step.kind ?? 'none';
      if (current) commitRemembered(current);
      const now = Date.now();
      timings.authMs = now - authStarted - (userWaitMs - userWaitBeforeAuth);
      timings.totalMs = now - started;
      timings.userWaitMs = userWaitMs;
      env.log(`${label(ctx)}: authenticated with ${kind} in ${timings.authMs} ms (total ${timings.totalMs} ms, ${userWaitMs} ms of it waiting for a person)`);
      env.state('ready', { timings, authMethod: kind, hostKeyFingerprint: hostKey!.sha256 });
      kbd.clear();
      resolve({
        ref: ctx.ref,
        spec,
        client,
        hostKey: hostKey!,
        authMethod: kind,
        timings,
        end: () =>
          new Promise<void>((done) => {
            const state: { finished: boolean; timer?: NodeJS.Timeout } = { finished: false };
            const finish = (): void => {
              if (state.finished) return;
              state.finished = true;
              clearTimeout(state.timer);
              sock!.destroy();
              void closeTransport().finally(done);
            };
            // A channel-carried connection may see 'end' and never 'close'; either means gone.
            if (sock!.destroyed || !sock!.readable) return finish();
            client.once('close', finish);
            client.once('end', finish);
            client.end();
            // A peer that never answers the disconnect must not hold the circuit open.
            state.timer = setTimeout(finish, 2000);
          }),
      });
    });

    const agentSocket = spec.agentForward ? (spec.auth.find((a) => a.kind === 'agent') as { socket?: string } | undefined)?.socket ?? process.env.SSH_AUTH_SOCK : undefined;
    client.connect({
      sock,
      username: spec.user,
      readyTimeout: 0,
      keepaliveInterval: spec.keepaliveIntervalMs ?? 0,
      keepaliveCountMax: spec.keepaliveCountMax ?? 3,
      ...(agentSocket ? { agent: agentSocket, agentForward: true } : {}),
      hostVerifier: (key: Buffer, verify: (ok: boolean) => void) => {
        env.state('verifying-host-key', { timings });
        void askPerson(() =>
          // The hop's own UserKnownHostsFile (from an ssh_config import) replaces ~/.ssh/known_hosts, as in OpenSSH.
          verifyHostKey(spec.knownHostsFiles ? { ...env.hostKeyFiles, userFiles: spec.knownHostsFiles } : env.hostKeyFiles, ctx.ref, spec.host, spec.port, key, (k) =>
            timePerson(() => env.prompts.askHostKey({
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
            hostKey = outcome;
            verify(!settled);
          },
          (error: unknown) => {
            failure ??= error instanceof HoplineError ? error : new HoplineError(ErrorCode.HOST_KEY_REJECTED, `Host key of ${label(ctx)} could not be verified`, ctx.ref);
            verify(false);
            fail(failure);
          },
        );
      },
      authHandler: authHandler as unknown as ConnectConfig['authHandler'],
    } as ConnectConfig);
  });
}
