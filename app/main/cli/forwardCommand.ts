/**
 * `hopline forward`: port forwards through a circuit, in the foreground, as `ssh -N -L … -R … -D …`
 * runs them.
 *
 *   hopline forward [-v] [--remember] [--all] --profile NAME [-L SPEC]... [-R SPEC]... [-D SPEC]...
 *   hopline forward [-v] [--remember] [-i KEYFILE]... [-J|--via HOP]... [-p PORT] HOP -L SPEC... -R SPEC... -D SPEC...
 *
 * SPEC is ssh's: -L/-R `[bind_address:]port:host:hostport`, -D `[bind_address:]port`
 * (model/forward.ts reads it as OpenSSH does; Unix sockets are refused). Forwards bind 127.0.0.1
 * unless a bind address is given. A profile's saved forwards that start with the circuit start
 * too (--all: every saved one), before the ones on the command line.
 *
 * It opens the circuit as `hopline exec` does (prompts on the terminal or HOPLINE_ASKPASS), starts
 * every forward through the forwards service, and prints one line per change of a forward's
 * state, connections and errors. A forward that cannot start (a port in use) is said and the
 * others carry on, as ssh does; if none starts it exits 1. Ctrl-C (SIGINT) or SIGTERM closes the
 * forwards and the circuit and exits 0.
 *
 * When the circuit is lost (a hop died, a network cut) it reconnects, as autossh would around
 * ssh: the local listeners stay bound (the forwards service holds them, 'waiting'), the live hops
 * before the dead one are reused, and it tries again after 1, 2, 4… up to 10 s. A loss that
 * trying again cannot mend (a refused login or host key, a cancelled prompt) ends it with 255,
 * naming the hop, as ssh exits.
 */
import { randomUUID } from 'node:crypto';
import { ErrorCode, HoplineError } from '../../shared/model/errors';
import { ForwardSpecError, formatForwardSpec, FORWARD_FLAGS, parseForwardSpec, type ForwardKind, type ForwardSpec, type ForwardStatus } from '../../shared/model/forward';
import { parsePortOption } from '../../shared/model/hostAddress';
import { toPlainText } from '../../shared/model/plainText';
import { CredentialStore } from '../services/credentials/credentialStore';
import { defaultDataDir, ensureDataDir } from '../services/dataDir';
import { CircuitEngine } from '../services/engine/circuitEngine';
import { defaultHostKeyFiles } from '../services/engine/hostKeyPolicy';
import { PromptBroker } from '../services/engine/promptBroker';
import { tcpServicePort } from '../services/engine/servicePorts';
import { ForwardsService, formatEndpoint } from '../services/forwards/forwardsService';
import { SavedLibrary, type CommandLineHopResolver } from './savedLibrary';
import { attachTerminalPrompter } from './terminalPrompter';
import { formatBytes } from '../../shared/model/byteSize';

export const FORWARD_USAGE = `usage:
  hopline forward [-v] [--remember] [--all] --profile NAME [-L SPEC]... [-R SPEC]... [-D SPEC]... [--data-dir DIR]
  hopline forward [-v] [--remember] [-i KEYFILE]... [-J|--via HOP]... [-p PORT] [--data-dir DIR] HOP (-L SPEC | -R SPEC | -D SPEC)...
SPEC as ssh's: -L/-R [bind_address:]port:host:hostport, -D [bind_address:]port. Ctrl-C ends it.
`;

/** A usage mistake: main.ts prints it with the usage and exits 2. */
export class ForwardUsageError extends Error {}

export interface ForwardArgs {
  verbose: boolean;
  remember: boolean;
  all: boolean;
  profile: string | null;
  identities: string[];
  via: string[];
  port: number | null;
  target: string;
  dataDir: string;
  forwards: ForwardSpec[];
}

const FLAG_KINDS: Readonly<Record<string, ForwardKind>> = { '-L': 'local', '-R': 'remote', '-D': 'dynamic' };

/** Losses that another try can mend: the network or a server, not a login or a host key. */
const RETRYABLE: ReadonlySet<string> = new Set([ErrorCode.HOP_LOST, ErrorCode.HOP_UNREACHABLE, ErrorCode.HOP_TIMEOUT, ErrorCode.HANDSHAKE_FAILED]);
const FIRST_RETRY_MS = 1000;
const MAX_RETRY_MS = 10_000;

/** The arguments after `forward`; throws ForwardUsageError (bad forwards included, saying why). */
export function parseForwardArgs(argv: string[]): ForwardArgs {
  const args: ForwardArgs = { verbose: false, remember: false, all: false, profile: null, identities: [], via: [], port: null, target: '', dataDir: defaultDataDir(), forwards: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = (flag: string): string => {
      const v = argv[++i];
      if (v === undefined) throw new ForwardUsageError(`${flag} needs a value`);
      return v;
    };
    // -L8080:db:5432 (glued, as ssh takes it) or -L 8080:db:5432.
    const flag = arg.slice(0, 2);
    const kind = FLAG_KINDS[flag];
    if (kind !== undefined) {
      const text = arg.length > 2 ? arg.slice(2) : value(flag);
      try {
        args.forwards.push(parseForwardSpec(kind, text, tcpServicePort));
      } catch (error) {
        if (error instanceof ForwardSpecError) throw new ForwardUsageError(error.message);
        throw error;
      }
    } else if (arg === '-v') args.verbose = true;
    // ssh's "no command": what forward always does, so `-N` from ssh habit is welcome.
    else if (arg === '-N') continue;
    else if (arg === '-f') throw new ForwardUsageError('forward runs in the foreground (no -f): run it under your shell\'s job control or a service manager');
    else if (arg === '--remember') args.remember = true;
    else if (arg === '--all') args.all = true;
    else if (arg === '-i') args.identities.push(value(arg));
    else if (arg === '--via' || arg === '-J') args.via.push(...value(arg).split(',').filter(Boolean));
    else if (arg === '-p') {
      try {
        args.port = parsePortOption(value(arg), tcpServicePort);
      } catch (error) {
        throw new ForwardUsageError(error instanceof Error ? error.message : String(error));
      }
    } else if (arg === '--data-dir') args.dataDir = value(arg);
    else if (arg === '--profile') args.profile = value(arg);
    else if (arg.startsWith('-')) throw new ForwardUsageError(`unknown option ${arg}`);
    else if (!args.target) args.target = arg;
    else throw new ForwardUsageError(`unexpected ${arg}: forward takes one HOP (jump hosts go in -J)`);
  }
  if (args.profile !== null && (args.target || args.via.length > 0 || args.port !== null)) throw new ForwardUsageError('--profile names the whole circuit: give no HOP, -J or -p with it');
  if (args.profile === null && !args.target) throw new ForwardUsageError('forward needs a HOP to forward through (or --profile NAME)');
  if (args.all && args.profile === null) throw new ForwardUsageError('--all starts every forward saved on a profile: give --profile NAME');
  if (args.profile === null && args.forwards.length === 0) throw new ForwardUsageError('forward needs at least one -L, -R or -D');
  return args;
}

/** `-L 127.0.0.1:8080 -> db:5432`: the forward as its user wrote it, with the loopback default said. */
export function describeForward(spec: ForwardSpec): string {
  const listen = formatEndpoint(spec.bindAddress ?? '127.0.0.1', spec.bindPort);
  if (spec.kind === 'dynamic') return `-D ${listen} (SOCKS)`;
  const target = formatEndpoint(spec.host ?? '?', spec.hostPort ?? 0);
  // -R listens on the target: its bind address defaults to the server's loopback.
  return spec.kind === 'remote' ? `-R ${formatEndpoint(spec.bindAddress ?? 'localhost', spec.bindPort)} (on the target) -> ${target} (here)` : `-L ${listen} -> ${target}`;
}

/** What a forward's status adds to what was last printed for it, as lines; empty when nothing worth a line changed. */
export function statusLines(status: ForwardStatus, before: ForwardStatus | undefined): { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  const name = describeForward(status.spec);
  if (status.state !== before?.state) {
    switch (status.state) {
      case 'listening': {
        const where = status.boundPort !== undefined ? formatEndpoint(status.boundAddress ?? status.spec.bindAddress ?? '127.0.0.1', status.boundPort) : '';
        out.push(`${name}: listening${where ? ` on ${where}${status.spec.kind === 'remote' ? ' on the target' : ''}` : ''}`);
        break;
      }
      case 'waiting':
        out.push(`${name}: waiting for the circuit`);
        break;
      case 'stopped':
        // Every forward is added stopped, then started: only a stop after that is news.
        if (before) out.push(`${name}: stopped`);
        break;
      case 'starting':
        break;
      case 'failed':
        // Said below with its error.
        if (!status.lastError) err.push(`${name}: failed`);
        break;
    }
  }
  if (before && (status.totalConnections !== before.totalConnections || status.openConnections !== before.openConnections)) {
    out.push(`${name}: ${status.openConnections} open connection(s), ${status.totalConnections} in all, ${formatBytes(status.bytesOut)} out, ${formatBytes(status.bytesIn)} in`);
  }
  if (status.lastError && (status.lastError.message !== before?.lastError?.message || status.state !== before?.state)) {
    err.push(`${name}: ${toPlainText(status.lastError.message, 1000)}`);
  }
  return { out, err };
}

/** The saved forwards to start: those that start with the circuit, or all of them with --all. */
function savedForwards(saved: readonly ForwardSpec[], all: boolean, err: NodeJS.WritableStream): ForwardSpec[] {
  const skipped = all ? [] : saved.filter((f) => f.autoStart !== true);
  for (const f of skipped) err.write(`hopline: saved ${FORWARD_FLAGS[f.kind]} ${formatForwardSpec(f)} not started (it does not start with the circuit; --all starts it)\n`);
  return all ? [...saved] : saved.filter((f) => f.autoStart === true);
}

export interface ForwardRunIo {
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream;
  /** Where SIGINT/SIGTERM come from (the process). */
  signals: Pick<NodeJS.Process, 'on' | 'off'>;
  env: NodeJS.ProcessEnv;
}

export async function runForward(argv: string[], hopFor: CommandLineHopResolver, io: ForwardRunIo = { out: process.stdout, err: process.stderr, signals: process, env: process.env }): Promise<number> {
  const args = parseForwardArgs(argv);
  const dataDir = ensureDataDir(args.dataDir);
  const library = await SavedLibrary.open(dataDir);
  const { hops, profile } = library.circuitFor(args, hopFor, (message) => new ForwardUsageError(message));
  const forwards = profile ? [...savedForwards(profile.forwards ?? [], args.all, io.err), ...args.forwards] : args.forwards;
  if (profile && forwards.length === 0) throw new ForwardUsageError(`the profile "${profile.name}" has no forward that starts with the circuit: give -L, -R or -D (or --all)`);

  const broker = new PromptBroker();
  attachTerminalPrompter(broker, io.err, io.env, { remember: args.remember });
  const secrets = new CredentialStore();
  if (args.remember) {
    const status = await secrets.status();
    if (status.unavailableReason) io.err.write(`hopline: ${status.unavailableReason}\n`);
  }
  const engine = new CircuitEngine({ hostKeyFiles: defaultHostKeyFiles(dataDir), prompts: broker, secrets });
  const circuitId = randomUUID();
  // Before the forwards service subscribes: a circuit's error is known here before a forward repeats it.
  const circuitErrors = new Set<string>();
  const circuitWatch = engine.onDidChange((c) => {
    if (c.id === circuitId && c.error) circuitErrors.add(c.error.message);
  });
  const service = new ForwardsService({ engine });
  const printed = new Map<string, ForwardStatus>();
  const saidErrors = new Set<string>();
  const print = (status: ForwardStatus): void => {
    const { out, err: errors } = statusLines(status, printed.get(status.forwardId));
    // A forward waiting on a lost circuit carries the circuit's own error: said once, by the circuit.
    const err = status.lastError && circuitErrors.has(status.lastError.message) ? [] : errors;
    printed.set(status.forwardId, structuredClone(status));
    if (status.lastError) saidErrors.add(status.lastError.message);
    for (const line of out) io.out.write(`${line}\n`);
    for (const line of err) io.err.write(`hopline: ${line}\n`);
  };
  const watch = service.onDidChange((status) => {
    if (status.circuitId === circuitId) print(status);
  });

  // Ctrl-C or SIGTERM: the clean end. A second one while closing ends at once (exit 130).
  let stop: (code: number) => void = () => undefined;
  const ended = new Promise<number>((resolve) => (stop = resolve));
  let stopping = false;
  const onSignal = (): void => {
    if (stopping) process.exit(130);
    stopping = true;
    io.err.write('hopline: closing the forwards and the circuit\n');
    stop(0);
  };
  io.signals.on('SIGINT', onSignal);
  io.signals.on('SIGTERM', onSignal);
  // After the circuit first opened, a failure is a loss to mend (see the head of the file).
  let opened = false;
  let retryMs = FIRST_RETRY_MS;
  let retryTimer: NodeJS.Timeout | null = null;
  const failWatch = engine.onDidFail((f) => {
    if (f.circuitId !== circuitId || !opened || stopping) return;
    io.err.write(`hopline: ${toPlainText(f.error.message, 1000)}\n`);
    if (!RETRYABLE.has(f.error.code)) {
      stop(255);
      return;
    }
    io.err.write(`hopline: the forwards stay listening; reconnecting in ${Math.round(retryMs / 1000)} s\n`);
    retryTimer = setTimeout(() => {
      retryTimer = null;
      if (stopping) return;
      engine.repair(circuitId).then(
        () => {
          retryMs = FIRST_RETRY_MS;
          io.err.write('hopline: reconnected\n');
          if (args.verbose) io.err.write(engine.eventLog(circuitId).join('\n') + '\n');
        },
        // A failed repair fires onDidFail again, which said it and scheduled the next try.
        () => undefined,
      );
    }, retryMs);
    retryMs = Math.min(retryMs * 2, MAX_RETRY_MS);
  });

  try {
    const opening = engine.open(hops, circuitId);
    const first = await Promise.race([opening.then(() => 'open' as const), ended.then(() => 'ended' as const)]);
    if (first === 'ended') {
      // Ctrl-C while the circuit was still opening: nothing to close but the attempt (dispose below).
      opening.catch(() => undefined);
      return await ended;
    }
    opened = true;
    if (args.verbose) io.err.write(engine.eventLog(circuitId).join('\n') + '\n');
    let started = 0;
    for (const spec of forwards) {
      try {
        await service.add(circuitId, spec);
        started++;
      } catch (error) {
        if (!(error instanceof HoplineError)) throw error;
        // A status line said it when the forward was in the service; a refusal before that is said here.
        if (!saidErrors.has(error.message)) io.err.write(`hopline: ${describeForward(spec)}: ${toPlainText(error.message, 1000)}\n`);
        if (args.verbose && error.detail) io.err.write(`hopline: detail: ${toPlainText(error.detail, 1000)}\n`);
      }
    }
    if (started === 0) {
      io.err.write('hopline: no forward could start\n');
      return 1;
    }
    io.err.write(`hopline: ${started} forward(s) running through ${hops.length} hop(s); Ctrl-C ends them\n`);
    return await ended;
  } catch (error) {
    if (error instanceof HoplineError) {
      io.err.write(`hopline: ${toPlainText(error.message, 1000)}\n`);
      if (args.verbose && error.detail) io.err.write(`hopline: detail: ${toPlainText(error.detail, 1000)}\n`);
      io.err.write(args.verbose ? `${engine.eventLog(circuitId).join('\n')}\n` : `(run with -v for the circuit's event log)\n`);
      return 255;
    }
    throw error;
  } finally {
    io.signals.off('SIGINT', onSignal);
    io.signals.off('SIGTERM', onSignal);
    stopping = true;
    if (retryTimer) clearTimeout(retryTimer);
    failWatch.dispose();
    circuitWatch.dispose();
    // Forwards first (listeners unbound, connections ended), then the circuit.
    await service.dispose();
    watch.dispose();
    await engine.dispose();
  }
}
