/**
 * `hopline proxy (--profile NAME | --via HOP[,HOP]...) [-i KEY]... [--data-dir DIR] [-v] HOST PORT`:
 * ssh's ProxyCommand. It carries stdin and stdout to HOST:PORT through a circuit's hops, as
 * `ssh -W HOST:PORT` does: a direct-tcpip channel from the last jump hop. The external ssh then
 * speaks SSH to HOST itself: it checks HOST's key and authenticates there; Hopline checks every
 * jump hop's key, as always.
 *
 * --profile NAME: the profile's hops but its last are the jump hops; HOST:PORT (%h %p) stands
 * where the profile's target stands, so `ssh -o ProxyCommand='hopline proxy --profile P %h %p'
 * user@TARGET` reaches TARGET through P's bastions (`hopline ssh-config` writes this for you).
 * A one-hop profile has no jump hops: the proxy connects to HOST:PORT directly.
 *
 * First it asks the app (Electron or web mode) over the control socket: if the app holds these
 * hops up, the channel is opened there and nothing is asked (no second MFA code). If the app
 * is not running or holds no such circuit, the proxy builds the hops itself, asking on the
 * terminal or through HOPLINE_ASKPASS. If the control socket refuses this user, it stops there
 * with a message: it is someone else's app, and building hops from their data dir is not ours.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import net, { type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { ErrorCode, HoplineError } from '../../shared/model/errors';
import { parsePortOption } from '../../shared/model/hostAddress';
import { hopNameAtStart } from '../../shared/model/hopName';
import { toPlainText } from '../../shared/model/plainText';
import { CredentialStore } from '../services/credentials/credentialStore';
import { defaultDataDir, ensureDataDir } from '../services/dataDir';
import { CircuitEngine } from '../services/engine/circuitEngine';
import type { HopSpec } from '../services/engine/hopSpec';
import { defaultHostKeyFiles } from '../services/engine/hostKeyPolicy';
import { PromptBroker } from '../services/engine/promptBroker';
import { tcpServicePort } from '../services/engine/servicePorts';
import { controlPaths, MAX_SOCKET_PATH, readLine, writeLine, type ControlReply, type GatewayRoute } from '../services/gateway/controlProtocol';
import { SavedLibrary } from './savedLibrary';
import { attachTerminalPrompter } from './terminalPrompter';

export const PROXY_USAGE = `usage: hopline proxy (--profile NAME | --via HOP[,HOP]...) [-i KEYFILE]... [--data-dir DIR] [-v] HOST PORT
  as ssh's ProxyCommand: ProxyCommand hopline proxy --profile NAME %h %p
`;

/** How the CLI turns a -J word into a hop (main.ts's hopFor): a saved host's name or [user@]host[:port]. */
export type HopResolver = (text: string, library: SavedLibrary, identities: string[]) => HopSpec;

interface ProxyArgs {
  profile: string | null;
  via: string[];
  identities: string[];
  dataDir: string;
  verbose: boolean;
  host: string;
  port: number;
}

class ProxyUsageError extends Error {}
/** The control socket said no to this user: stop, ask nothing, build nothing. */
class RefusedError extends Error {}

function parseProxyArgs(argv: string[]): ProxyArgs {
  const args: ProxyArgs = { profile: null, via: [], identities: [], dataDir: defaultDataDir(), verbose: false, host: '', port: 0 };
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new ProxyUsageError(`${arg} needs a value`);
      return v;
    };
    if (arg === '--profile') args.profile = value();
    else if (arg === '--via' || arg === '-J') args.via.push(...value().split(',').filter(Boolean));
    else if (arg === '-i') args.identities.push(value());
    else if (arg === '--data-dir') args.dataDir = value();
    else if (arg === '-v') args.verbose = true;
    else if (arg.startsWith('-') && arg !== '-') throw new ProxyUsageError(`unknown option ${arg}`);
    else positional.push(arg);
  }
  if ((args.profile === null) === (args.via.length === 0)) throw new ProxyUsageError('proxy needs --profile NAME or --via HOP (one of them)');
  if (positional.length !== 2) throw new ProxyUsageError('proxy needs HOST and PORT (%h %p)');
  args.host = positional[0]!;
  try {
    args.port = parsePortOption(positional[1]!, tcpServicePort);
  } catch (error) {
    throw new ProxyUsageError(error instanceof Error ? error.message : String(error));
  }
  return args;
}

/** stdin to the stream, the stream to stdout, each EOF passed on; resolves when the stream has closed. */
function carry(stream: Duplex): Promise<number> {
  return new Promise((resolve) => {
    process.stdin.pipe(stream);
    stream.pipe(process.stdout);
    stream.on('error', () => undefined);
    stream.once('close', () => resolve(0));
  });
}

function errnoOf(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | null)?.code;
}

const refusedBecause = (socketPath: string, why: string): RefusedError =>
  new RefusedError(`the app's control socket ${socketPath} refused this user (${why}): it belongs to another user or another app. Nothing was asked and no hop was built.`);

function connectSocket(socketPath: string): Promise<Socket | null> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ path: socketPath, allowHalfOpen: true });
    socket.once('connect', () => {
      socket.off('error', onError);
      resolve(socket);
    });
    const onError = (error: Error): void => {
      const code = errnoOf(error);
      // The kernel's uid check: no write permission on the socket, or no search permission on its directory.
      if (code === 'EACCES' || code === 'EPERM') reject(refusedBecause(socketPath, 'permission denied'));
      // Not running (no socket file, or one left by a crash): build the hops here.
      else resolve(null);
    };
    socket.once('error', onError);
  });
}

/**
 * Rides the app's live hops. Null when the app is not there or holds no such circuit; throws
 * RefusedError when the control socket refuses this user, HoplineError when the live hop could
 * not reach the destination.
 */
async function viaApp(args: ProxyArgs, route: GatewayRoute): Promise<Socket | null> {
  const paths = controlPaths(args.dataDir);
  if (Buffer.byteLength(paths.socket) > MAX_SOCKET_PATH) return null;
  const socket = await connectSocket(paths.socket);
  if (!socket) return null;
  let token: string;
  try {
    token = readFileSync(paths.token, 'utf8').trim();
  } catch (error) {
    socket.destroy();
    if (errnoOf(error) === 'EACCES' || errnoOf(error) === 'EPERM') throw refusedBecause(paths.socket, `its token file is not readable`);
    return null;
  }
  socket.on('error', () => undefined);
  writeLine(socket, { v: 1, op: 'connect', token, route, host: args.host, port: args.port });
  let reply: ControlReply;
  try {
    reply = JSON.parse(await readLine(socket)) as ControlReply;
  } catch (error) {
    socket.destroy();
    if (args.verbose) process.stderr.write(`hopline: the control socket did not answer (${error instanceof Error ? error.message : String(error)}); building the hops here\n`);
    return null;
  }
  if (reply.ok && 'circuitId' in reply) {
    if (args.verbose) process.stderr.write(`hopline: riding the app's circuit ${reply.circuitId} through ${reply.via.map((n) => toPlainText(n, 200)).join(', ')}\n`);
    return socket;
  }
  socket.destroy();
  if (reply.ok) return null;
  if (reply.code === 'BAD_TOKEN') throw refusedBecause(paths.socket, 'wrong token');
  if (reply.code === 'FORWARD_FAILED') throw new HoplineError(ErrorCode.FORWARD_REFUSED, reply.message);
  // No live circuit, or a route the app cannot name (the lookup below says why, in the CLI's words).
  if (args.verbose) process.stderr.write(`hopline: the app: ${toPlainText(reply.message, 500)}; building the hops here\n`);
  return null;
}

function directConnect(host: string, port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port, allowHalfOpen: true });
    socket.once('connect', () => resolve(socket));
    socket.once('error', (error) => reject(new HoplineError(ErrorCode.HOP_UNREACHABLE, `${host}:${port} is unreachable: ${error.message}`)));
  });
}

/** The hops built here, asking on the terminal or through HOPLINE_ASKPASS; the channel from the last. */
async function buildHere(args: ProxyArgs, hopFor: HopResolver): Promise<number> {
  const dataDir = ensureDataDir(args.dataDir);
  const library = await SavedLibrary.open(dataDir);
  let jumps: HopSpec[];
  if (args.profile !== null) {
    const profile = library.profileNamed(args.profile);
    if (!profile) throw new ProxyUsageError(`no saved profile is named "${args.profile}"`);
    jumps = library.profileSpecs(profile).slice(0, -1);
  } else {
    try {
      jumps = args.via.map((text) => hopFor(text, library, args.identities));
    } catch (error) {
      if (error instanceof HoplineError && error.code === ErrorCode.INVALID_ARGUMENT) throw new ProxyUsageError(error.message);
      throw error;
    }
  }
  if (jumps.length === 0) return carry(await directConnect(args.host, args.port));
  const broker = new PromptBroker();
  attachTerminalPrompter(broker, process.stderr, process.env);
  const engine = new CircuitEngine({ hostKeyFiles: defaultHostKeyFiles(dataDir), prompts: broker, secrets: new CredentialStore() });
  const circuitId = randomUUID();
  try {
    await engine.open(jumps, circuitId);
    if (args.verbose) process.stderr.write(engine.eventLog(circuitId).join('\n') + '\n');
    const last = { index: jumps.length - 1, name: jumps[jumps.length - 1]!.name };
    const channel = await new Promise<Duplex>((resolve, reject) => {
      engine.target(circuitId).forwardOut('127.0.0.1', 0, args.host, args.port, (err, stream) => {
        if (err) reject(new HoplineError(ErrorCode.FORWARD_REFUSED, `${hopNameAtStart(last)} could not open a channel to ${args.host}:${args.port}: ${err.message.replace(/^\(SSH\) Channel open failure: /, '')}`, last));
        else resolve(stream);
      });
    });
    // A jump hop lost mid-session ends the channel, and with it this command.
    return await carry(channel);
  } catch (error) {
    if (error instanceof HoplineError && args.verbose) process.stderr.write(`${engine.eventLog(circuitId).join('\n')}\n`);
    throw error;
  } finally {
    await engine.dispose();
  }
}

export async function runProxy(argv: string[], hopFor: HopResolver): Promise<number> {
  try {
    const args = parseProxyArgs(argv);
    const route: GatewayRoute = args.profile !== null ? { kind: 'profile', name: args.profile } : { kind: 'via', hops: args.via };
    const riding = await viaApp(args, route);
    if (riding) return await carry(riding);
    return await buildHere(args, hopFor);
  } catch (error) {
    if (error instanceof ProxyUsageError) {
      process.stderr.write(`hopline: ${toPlainText(error.message, 1000)}\n${PROXY_USAGE}`);
      return 2;
    }
    if (error instanceof RefusedError || error instanceof HoplineError) {
      process.stderr.write(`hopline: ${toPlainText(error.message, 1000)}\n`);
      return 255;
    }
    throw error;
  } finally {
    process.stdin.unpipe();
    process.stdin.pause();
  }
}
