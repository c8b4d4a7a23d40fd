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
 *
 * The warm path (arguments, control socket, carrying bytes) is proxyViaApp.ts, kept free of the
 * hop engine so that ssh does not wait for ssh2 to load when the app holds the circuit; this
 * module is the cold path, loaded by bin.ts only when the proxy must build the hops itself.
 */
import { randomUUID } from 'node:crypto';
import net, { type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { ErrorCode, HoplineError } from '../../shared/model/errors';
import { hopNameAtStart } from '../../shared/model/hopName';
import { CredentialStore } from '../services/credentials/credentialStore';
import { ensureDataDir } from '../services/dataDir';
import { CircuitEngine } from '../services/engine/circuitEngine';
import { defaultHostKeyFiles } from '../services/engine/hostKeyPolicy';
import { PromptBroker } from '../services/engine/promptBroker';
import { carry, exitForProxyFailure, ProxyUsageError, runProxy as runProxyWith, type ProxyArgs } from './proxyViaApp';
import { SavedLibrary, type CommandLineHopResolver } from './savedLibrary';
import { attachTerminalPrompter } from './terminalPrompter';

export { PROXY_USAGE } from './proxyViaApp';

function directConnect(host: string, port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port, allowHalfOpen: true });
    socket.once('connect', () => resolve(socket));
    socket.once('error', (error) => reject(new HoplineError(ErrorCode.HOP_UNREACHABLE, `${host}:${port} is unreachable: ${error.message}`)));
  });
}

/** The hops built here, asking on the terminal or through HOPLINE_ASKPASS; the channel from the last. */
export async function buildHere(args: ProxyArgs, hopFor: CommandLineHopResolver): Promise<number> {
  const dataDir = ensureDataDir(args.dataDir);
  const library = await SavedLibrary.open(dataDir);
  // A profile's last hop is the host ssh asked for: the jumps are the hops before it.
  const named = library.circuitFor({ ...args, target: null, port: null }, hopFor, (message) => new ProxyUsageError(message));
  const jumps = named.profile ? named.hops.slice(0, -1) : named.hops;
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

/**
 * buildHere, its failures said here: bin.ts calls it across bundles (cli.cjs -> cliFull.cjs), and
 * the warm path cannot recognise this bundle's copies of the error classes.
 */
export async function proxyBuildingHops(args: ProxyArgs, hopFor: CommandLineHopResolver): Promise<number> {
  try {
    return await buildHere(args, hopFor);
  } catch (error) {
    return exitForProxyFailure(error);
  }
}

/** The whole command; bin.ts runs proxyViaApp.ts's runProxy itself, loading this module only to build hops. */
export function runProxy(argv: string[], hopFor: CommandLineHopResolver): Promise<number> {
  return runProxyWith(argv, (args) => buildHere(args, hopFor));
}
