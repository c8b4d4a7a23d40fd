/**
 * The warm path of `hopline proxy` (see proxyCommand.ts for the whole command): its arguments,
 * the control socket to the app, and carrying stdin/stdout over the channel the app opened.
 *
 * ssh starts the proxy for every session, so its start-up is part of every `ssh host` through
 * the gateway. This module and what it imports must stay lean: node:net, node:fs, node:path,
 * node:crypto and the control protocol, no npm package (ssh2, zod, keytar and the rest cost
 * ~0.15 s each to load). bin.ts loads the hop engine (proxyCommand.ts's buildHere) only when
 * the app does not hold the circuit. test/integration/proxyStartup.test.ts checks this.
 */
import { readFileSync } from 'node:fs';
import net, { type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { ErrorCode, HoplineError } from '../../shared/model/errors';
import { parsePortOption } from '../../shared/model/hostAddress';
import { toPlainText } from '../../shared/model/plainText';
import { defaultDataDir } from '../services/dataDir';
import { tcpServicePort } from '../services/engine/servicePorts';
import { controlPaths, MAX_SOCKET_PATH, readLine, writeLine, type ControlReply, type GatewayRoute } from '../services/gateway/controlProtocol';
import { parentPeer } from '../services/gateway/peerProcess';

export const PROXY_USAGE = `usage: hopline proxy (--profile NAME | --via HOP[,HOP]...) [-i KEYFILE]... [--data-dir DIR] [-v] HOST PORT
  as ssh's ProxyCommand: ProxyCommand hopline proxy --profile NAME %h %p
`;

export interface ProxyArgs {
  profile: string | null;
  via: string[];
  identities: string[];
  dataDir: string;
  verbose: boolean;
  host: string;
  port: number;
}

export class ProxyUsageError extends Error {}
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
export function carry(stream: Duplex): Promise<number> {
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
  // The ssh that ran us, for the app's list of external sessions (one /proc read, no process).
  writeLine(socket, { v: 1, op: 'connect', token, route, host: args.host, port: args.port, peer: parentPeer() });
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

/**
 * Says why the proxy failed and gives its exit status: 2 for usage, 255 for a refusal or a failed
 * circuit, as ssh's; anything else is rethrown. The cold path (proxyCommand.ts) calls it in its
 * own bundle, where the error classes are that bundle's copies.
 */
export function exitForProxyFailure(error: unknown): number {
  if (error instanceof ProxyUsageError) {
    process.stderr.write(`hopline: ${toPlainText(error.message, 1000)}\n${PROXY_USAGE}`);
    return 2;
  }
  if (error instanceof RefusedError || error instanceof HoplineError) {
    process.stderr.write(`hopline: ${toPlainText(error.message, 1000)}\n`);
    return 255;
  }
  throw error;
}

/**
 * The whole proxy: the app's circuit when it has one, else `buildHere` (the hop engine, loaded
 * only then). Usage errors exit 2, refusals and circuit failures 255, as ssh's do.
 */
export async function runProxy(argv: string[], buildHere: (args: ProxyArgs) => Promise<number>): Promise<number> {
  try {
    const args = parseProxyArgs(argv);
    const route: GatewayRoute = args.profile !== null ? { kind: 'profile', name: args.profile } : { kind: 'via', hops: args.via };
    const riding = await viaApp(args, route);
    if (riding) return await carry(riding);
    return await buildHere(args);
  } catch (error) {
    return exitForProxyFailure(error);
  } finally {
    process.stdin.unpipe();
    process.stdin.pause();
  }
}
