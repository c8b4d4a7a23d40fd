/**
 * The `hopline` command, on the same services as the app:
 *
 *   hopline exec [-v] [--remember] [-i KEYFILE]… [--via HOP]… [-p PORT] [--data-dir DIR] HOP -- COMMAND…
 *   hopline exec [-v] [--remember] --profile NAME [--data-dir DIR] -- COMMAND…
 *   hopline import-ssh-config [FILE] [--dry-run] [--data-dir DIR]
 *   hopline export NAME [--config FILE] [--data-dir DIR]
 *   hopline secrets list | forget HOST | set-totp HOST [--prompt REGEX]
 *   hopline proxy (--profile NAME | --via HOP…) HOST PORT   (ssh's ProxyCommand; see proxyCommand.ts)
 *   hopline ssh-config [NAME]…                          (Host blocks using it; sshConfigGatewayCommand.ts)
 *   hopline forward (--profile NAME | [--via HOP]… HOP) -L … -R … -D …   (in the foreground; forwardCommand.ts)
 *   hopline cp [-r] [-p] (--profile NAME | [-J HOP]…) SRC… DST   (scp's host:path; cpCommand.ts)
 *
 * HOP is a saved host's name or [user@]host[:port]; ports, there and in -p, may be service names
 * (`ssh`), as ssh's a2port allows. Saved hosts and profiles are the app's own
 * (the same data dir), so a profile opens from here exactly as its Connect button opens it.
 *
 * Prompts (MFA, host keys, passphrases) are asked on the terminal or through HOPLINE_ASKPASS.
 * Saved secrets come from the same credential store as the app (the OS keychain); `--remember`
 * keeps what was typed for static prompts once the server accepts it (never one-time codes).
 * The remote command's stdout and stderr are streamed byte for byte; the exit code is the remote
 * one, or 255 when the circuit fails (as with ssh), with a message naming the hop.
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import path from 'node:path';
import { ErrorCode, HoplineError } from '../../shared/model/errors';
import { toPlainText } from '../../shared/model/plainText';
import { CircuitEngine } from '../services/engine/circuitEngine';
import type { AuthStep, HopSpec } from '../services/engine/hopSpec';
import { defaultHostKeyFiles } from '../services/engine/hostKeyPolicy';
import { PromptBroker } from '../services/engine/promptBroker';
import { defaultDataDir, ensureDataDir } from '../services/dataDir';
import { parseHopAddress, parsePortOption } from '../../shared/model/hostAddress';
import { tcpServicePort } from '../services/engine/servicePorts';
import { CredentialStore } from '../services/credentials/credentialStore';
import { SavedLibrary } from './savedLibrary';
import { runSecrets } from './secretsCommands';
import { whenClosed } from './closedPipes';
import { attachTerminalPrompter } from './terminalPrompter';
import { runExport, runImport } from './sshConfigCommands';
import { runProxy } from './proxyCommand';
import { FORWARD_USAGE, ForwardUsageError, runForward } from './forwardCommand';
import { CP_USAGE, CpUsageError, runCp } from './cpCommand';
import { runGatewaySshConfig } from './sshConfigGatewayCommand';
import { hopNameAtStart } from '../../shared/model/hopName';

const USAGE = `usage:
  hopline exec [-v] [--remember] [-i KEYFILE]... [--via HOP]... [-p PORT] [--data-dir DIR] HOP -- COMMAND...
  hopline exec [-v] [--remember] --profile NAME [--data-dir DIR] -- COMMAND...
  hopline import-ssh-config [FILE] [--dry-run] [--data-dir DIR]
  hopline export NAME [--config FILE] [--data-dir DIR]
  hopline secrets [--data-dir DIR] list | forget HOST | set-totp HOST [--prompt REGEX]
  hopline proxy (--profile NAME | --via HOP[,HOP]...) [-i KEYFILE]... [--data-dir DIR] [-v] HOST PORT
  hopline ssh-config [NAME]... [--data-dir DIR]
  hopline forward [-v] (--profile NAME | [-i KEYFILE]... [--via HOP]... [-p PORT] HOP) [-L SPEC]... [-R SPEC]... [-D SPEC]... [--data-dir DIR]
  hopline cp [-r] [-p] [-q] (--profile NAME | [-i KEYFILE]... [-J HOP]... [-P PORT]) [--data-dir DIR] SRC... DST   (scp's host:path)
HOP is a saved host's name or [user@]host[:port]; NAME a saved profile (or an ssh_config alias).
A port (in HOP or -p) is a number or a service name such as ssh.
`;

class UsageError extends Error {}

/** A malformed address or port on the command line is a usage error (exit 2), said with the usage. */
function usageOnBadAddress<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof HoplineError && error.code === ErrorCode.INVALID_ARGUMENT) throw new UsageError(error.message);
    throw error;
  }
}

interface ExecArgs {
  verbose: boolean;
  remember: boolean;
  profile: string | null;
  identities: string[];
  via: string[];
  /** -p: the target's port, over one written in HOP (as ssh's -p wins over ssh://host:port). */
  port: number | null;
  target: string;
  command: string;
  dataDir: string;
}

function parseExecArgs(argv: string[]): ExecArgs {
  const args: ExecArgs = { verbose: false, remember: false, profile: null, identities: [], via: [], port: null, target: '', command: '', dataDir: defaultDataDir() };
  let i = 0;
  for (; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${arg} needs a value`);
      return v;
    };
    if (arg === '--') break;
    else if (arg === '-v') args.verbose = true;
    else if (arg === '--remember') args.remember = true;
    else if (arg === '-i') args.identities.push(value());
    else if (arg === '--via' || arg === '-J') args.via.push(...value().split(','));
    else if (arg === '-p') args.port = usageOnBadAddress(() => parsePortOption(value(), tcpServicePort));
    else if (arg === '--data-dir') args.dataDir = value();
    else if (arg === '--profile') args.profile = value();
    else if (arg.startsWith('-')) throw new UsageError(`unknown option ${arg}`);
    else if (!args.target) args.target = arg;
    else throw new UsageError(`unexpected ${arg} (put the command after --)`);
  }
  if (args.profile !== null && (args.target || args.via.length > 0 || args.port !== null)) throw new UsageError('--profile names the whole circuit: give no target, --via or -p with it');
  if (args.profile === null && !args.target) throw new UsageError('exec needs a target (or --profile NAME)');
  const command = argv.slice(i + 1);
  if (command.length === 0) throw new UsageError('exec needs a command after --');
  // Like ssh, the words are joined and the remote shell splits them again.
  args.command = command.join(' ');
  return args;
}

/** Auth order for a hop given on the command line: -i keys, agent, default keys, keyboard-interactive, password. */
function defaultAuth(identities: string[]): AuthStep[] {
  const keys = identities.length > 0 ? identities : ['id_ed25519', 'id_ecdsa', 'id_rsa'].map((f) => path.join(homedir(), '.ssh', f)).filter((f) => existsSync(f));
  return [
    ...identities.map((keyFile): AuthStep => ({ kind: 'publickey', keyFile })),
    ...(process.env.SSH_AUTH_SOCK ? [{ kind: 'agent' } as AuthStep] : []),
    ...keys.filter((k) => !identities.includes(k)).map((keyFile): AuthStep => ({ kind: 'publickey', keyFile })),
    { kind: 'keyboard-interactive' },
    { kind: 'password' },
  ];
}

/** `[user@]host[:port]` from the command line; a port may be a service name, as for ssh. */
function addressOf(text: string) {
  return parseHopAddress(text, tcpServicePort);
}

function hopFromAddress(text: string, identities: string[], port: number | null): HopSpec {
  const address = addressOf(text);
  const user = address.user ?? userInfo().username;
  const hopPort = port ?? address.port ?? 22;
  return { name: address.host, host: address.host, port: hopPort, user, auth: defaultAuth(identities), hostId: adHocHostId(text, port) };
}

/** The keychain id of a hop typed on the command line: stable for the same user, host and port. */
function adHocHostId(text: string, port: number | null = null): string {
  const address = addressOf(text);
  return `ssh:${address.user ?? userInfo().username}@${address.host}:${port ?? address.port ?? 22}`;
}

/** A saved host by name (-p still wins for the target, as over ssh_config's Port), else an address. */
export function hopFor(text: string, library: SavedLibrary, identities: string[], port: number | null = null): HopSpec {
  const saved = library.hostNamed(text);
  if (!saved) return hopFromAddress(text, identities, port);
  const spec = library.hostSpec(saved);
  return port === null ? spec : { ...spec, port };
}

async function runExec(argv: string[]): Promise<number> {
  const args = parseExecArgs(argv);
  const dataDir = ensureDataDir(args.dataDir);
  const library = await SavedLibrary.open(dataDir);
  const { hops } = library.circuitFor(args, hopFor, (message) => new UsageError(message));
  const broker = new PromptBroker();
  attachTerminalPrompter(broker, process.stderr, process.env, { remember: args.remember });
  const secrets = new CredentialStore();
  if (args.remember) {
    const status = await secrets.status();
    if (status.unavailableReason) process.stderr.write(`hopline: ${status.unavailableReason}\n`);
  }
  const engine = new CircuitEngine({ hostKeyFiles: defaultHostKeyFiles(dataDir), prompts: broker, secrets });
  const circuitId = randomUUID();
  try {
    const circuit = await engine.open(hops, circuitId);
    if (args.verbose) process.stderr.write(engine.eventLog(circuit.id).join('\n') + '\n');
    const failed = new Promise<never>((_, reject) => engine.onDidFail((f) => f.circuitId === circuit.id && reject(HoplineError.fromWire(f.error))));
    const run = new Promise<number>((resolve, reject) => {
      engine.target(circuit.id).exec(args.command, (err, stream) => {
        if (err) return reject(new HoplineError('FORWARD_REFUSED', `${hopNameAtStart({ index: hops.length - 1, name: hops[hops.length - 1]!.name })} refused to run the command`, { index: hops.length - 1, name: hops[hops.length - 1]!.name }, err.message));
        let code = 0;
        stream.on('exit', (exitCode: number | null, signal?: string) => {
          // As ssh: a command killed by a signal is 255 (its own `exit 129` stays 129), and the
          // signal is said on stderr.
          if (exitCode === null && signal) process.stderr.write(`hopline: remote command killed by signal ${toPlainText(signal.replace(/^SIG/, ''), 20)}\n`);
          code = exitCode ?? 255;
        });
        stream.on('close', () => resolve(code));
        stream.pipe(process.stdout, { end: false });
        stream.stderr.pipe(process.stderr, { end: false });
        // A reader gone (`| head -1`): as ssh, drop the rest and keep the window moving, so the
        // command runs to its end and its exit status is still ours. pipe() has unpiped by now.
        whenClosed(process.stdout, () => stream.resume());
        whenClosed(process.stderr, () => stream.stderr.resume());
        if (process.stdin.isTTY) stream.end();
        else process.stdin.pipe(stream);
      });
    });
    return await Promise.race([run, failed]);
  } catch (error) {
    if (error instanceof HoplineError) {
      // Messages can quote a server; the engine cleans them, and the tty gets no control byte either way.
      process.stderr.write(`hopline: ${toPlainText(error.message, 1000)}\n`);
      // The raw text behind the sentence (an OS code, a server's own words) is for -v, as ssh's debug lines are.
      if (args.verbose && error.detail) process.stderr.write(`hopline: detail: ${toPlainText(error.detail, 1000)}\n`);
      process.stderr.write(args.verbose ? `${engine.eventLog(circuitId).join('\n')}\n` : `(run with -v for the circuit's event log)\n`);
      return 255;
    }
    throw error;
  } finally {
    process.stdin.unpipe();
    process.stdin.pause();
    await engine.dispose();
  }
}

/** `--data-dir DIR` anywhere in the arguments, for the commands other than exec. */
function takeDataDir(args: string[]): { dataDir: string; rest: string[] } {
  const at = args.indexOf('--data-dir');
  if (at < 0) return { dataDir: defaultDataDir(), rest: args };
  const dir = args[at + 1];
  if (!dir) throw new UsageError('--data-dir needs a value');
  return { dataDir: dir, rest: [...args.slice(0, at), ...args.slice(at + 2)] };
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'exec':
        return await runExec(rest);
      case 'proxy':
        return await runProxy(rest, hopFor);
      case 'forward':
        try {
          return await runForward(rest, hopFor);
        } catch (error) {
          if (!(error instanceof ForwardUsageError)) throw error;
          process.stderr.write(`hopline: ${toPlainText(error.message, 1000)}\n${FORWARD_USAGE}`);
          return 2;
        }
      case 'cp':
        try {
          return await runCp(rest, hopFor);
        } catch (error) {
          if (!(error instanceof CpUsageError)) throw error;
          process.stderr.write(`hopline: ${toPlainText(error.message, 1000)}\n${CP_USAGE}`);
          return 2;
        }
      case 'ssh-config': {
        const { dataDir, rest: names } = takeDataDir(rest);
        return await runGatewaySshConfig(names, await SavedLibrary.open(ensureDataDir(dataDir)), process.stdout, process.stderr);
      }
      case 'import-ssh-config':
      case 'export':
      case 'secrets': {
        const { dataDir, rest: args } = takeDataDir(rest);
        const library = await SavedLibrary.open(ensureDataDir(dataDir));
        if (command === 'import-ssh-config') return await runImport(args, library, process.stdout, process.stderr);
        if (command === 'export') return await runExport(args, library, process.stdout, process.stderr);
        const hostIdFor = (text: string): string => library.hostIdNamed(text) ?? adHocHostId(text);
        return await runSecrets(args, { store: new CredentialStore(), hostIdFor, describeHost: (id) => library.describeHost(id) }, process.stdout, process.stderr);
      }
      case undefined:
      case '-h':
      case '--help':
        process.stdout.write(USAGE);
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command ${command}`);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`hopline: ${toPlainText(error.message, 1000)}\n${USAGE}`);
      return 2;
    }
    process.stderr.write(`hopline: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}
