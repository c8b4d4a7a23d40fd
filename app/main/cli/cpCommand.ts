/**
 * `hopline cp`: files to and from a circuit's target, as scp does through jump hosts.
 *
 *   hopline cp [-r] [-p] [-q] [-v] (--profile NAME | [-i KEYFILE]... [-J|--via HOP]... [-P PORT]) SRC... DST
 *
 * scp's syntax: a remote operand is `[user@]host:path` (a colon before any slash; `./a:b` is a
 * local file), and exactly one side is remote. The host of the remote operands is the circuit's
 * target: with -J it is the last hop, opened through the jump hosts; with --profile the profile
 * names the whole circuit and the host must be its target (or left empty, `:path`).
 *
 * Like scp: an existing file is overwritten, a folder needs -r, -p keeps modification times and
 * modes, and one source may be given a new name (`cp a host:b` when b is not a folder). Progress
 * goes to stderr, only when stderr is a terminal (-q: never). Exit 0 when everything arrived, 1
 * on any error, with the error naming the hop.
 */
import { randomUUID } from 'node:crypto';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { SFTPWrapper, Stats } from 'ssh2';
import { ErrorCode, HoplineError } from '../../shared/model/errors';
import { parsePortOption } from '../../shared/model/hostAddress';
import { toPlainText } from '../../shared/model/plainText';
import type { TransferStatus } from '../../shared/model/remoteFile';
import { CredentialStore } from '../services/credentials/credentialStore';
import { defaultDataDir, ensureDataDir } from '../services/dataDir';
import { CircuitEngine } from '../services/engine/circuitEngine';
import { defaultHostKeyFiles } from '../services/engine/hostKeyPolicy';
import { PromptBroker } from '../services/engine/promptBroker';
import { tcpServicePort } from '../services/engine/servicePorts';
import { sftpAsync } from '../services/files/sftpPipe';
import { SftpSessions } from '../services/files/sftpSessions';
import { TransferQueue } from '../services/files/transferQueue';
import { remoteBase } from '../services/files/transferWalk';
import { SavedLibrary, type CommandLineHopResolver } from './savedLibrary';
import { attachTerminalPrompter } from './terminalPrompter';
import { formatBytes } from '../../shared/model/byteSize';

export const CP_USAGE = `usage:
  hopline cp [-r] [-p] [-q] [-v] [--remember] [-i KEYFILE]... [-J|--via HOP]... [-P PORT] [--data-dir DIR] SRC... DST
  hopline cp [-r] [-p] [-q] [-v] [--remember] --profile NAME [--data-dir DIR] SRC... DST
One side is remote, as scp's [user@]host:path; the host is the circuit's target.
`;

/** A usage mistake: main.ts prints it with the usage and exits 2. */
export class CpUsageError extends Error {}

export interface CpArgs {
  recursive: boolean;
  preserve: boolean;
  quiet: boolean;
  verbose: boolean;
  remember: boolean;
  profile: string | null;
  identities: string[];
  via: string[];
  port: number | null;
  dataDir: string;
  operands: string[];
}

/** One operand: local, or remote with its host text (`user@host`) and path. */
export type Operand = { remote: false; path: string } | { remote: true; host: string; path: string };

/**
 * scp's rule: `host:path` when a colon comes before any slash, with `[v6]:path` and `user@[v6]:path`
 * bracketed. A path starting with '/' or './' is always local.
 */
export function parseOperand(text: string): Operand {
  if (text.startsWith('/') || text.startsWith('./') || text.startsWith('../')) return { remote: false, path: text };
  const bracket = /^((?:[^@/[\]]+@)?\[[^\]/]+\]):(.*)$/s.exec(text);
  if (bracket) return { remote: true, host: bracket[1]!, path: bracket[2]! };
  const colon = text.indexOf(':');
  const slash = text.indexOf('/');
  if (colon >= 0 && (slash < 0 || colon < slash)) return { remote: true, host: text.slice(0, colon), path: text.slice(colon + 1) };
  return { remote: false, path: text };
}

export function parseCpArgs(argv: string[]): CpArgs {
  const args: CpArgs = { recursive: false, preserve: false, quiet: false, verbose: false, remember: false, profile: null, identities: [], via: [], port: null, dataDir: defaultDataDir(), operands: [] };
  let operandsOnly = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new CpUsageError(`${arg} needs a value`);
      return v;
    };
    if (operandsOnly || !arg.startsWith('-') || arg === '-') {
      args.operands.push(arg);
      continue;
    }
    if (arg === '--') operandsOnly = true;
    else if (arg === '--profile') args.profile = value();
    else if (arg === '--via' || arg === '-J') args.via.push(...value().split(',').filter(Boolean));
    else if (arg === '-i') args.identities.push(value());
    else if (arg === '-P') {
      try {
        args.port = parsePortOption(value(), tcpServicePort);
      } catch (error) {
        throw new CpUsageError(error instanceof Error ? error.message : String(error));
      }
    } else if (arg === '--data-dir') args.dataDir = value();
    else if (arg === '--remember') args.remember = true;
    else if (/^-[rpqv]+$/.test(arg)) {
      // Bundled flags, as scp takes them: -rp.
      for (const flag of arg.slice(1)) {
        if (flag === 'r') args.recursive = true;
        else if (flag === 'p') args.preserve = true;
        else if (flag === 'q') args.quiet = true;
        else args.verbose = true;
      }
    } else throw new CpUsageError(`unknown option ${arg}`);
  }
  if (args.operands.length < 2) throw new CpUsageError('cp needs at least one source and a destination');
  if (args.profile !== null && (args.via.length > 0 || args.port !== null || args.identities.length > 0)) throw new CpUsageError('--profile names the whole circuit: give no -J, -P or -i with it');
  return args;
}

/** The plan: which way, from where to where, and the target's host text. */
export interface CpPlan {
  direction: 'upload' | 'download';
  host: string;
  sources: string[];
  destination: string;
}

export function planCopy(operands: string[]): CpPlan {
  const parsed = operands.map(parseOperand);
  const dst = parsed[parsed.length - 1]!;
  const srcs = parsed.slice(0, -1);
  const remoteHosts = new Set(parsed.filter((o) => o.remote).map((o) => (o as { host: string }).host));
  if (remoteHosts.size === 0) throw new CpUsageError('one side must be remote (host:path); for a local copy use cp');
  if (remoteHosts.size > 1) throw new CpUsageError('every remote operand must name the same host (the circuit\'s target)');
  const [host] = [...remoteHosts];
  if (dst.remote) {
    if (srcs.some((s) => s.remote)) throw new CpUsageError('copying between two remote places is not supported: one side must be local');
    return { direction: 'upload', host: host!, sources: srcs.map((s) => s.path), destination: dst.path };
  }
  if (srcs.some((s) => !s.remote)) throw new CpUsageError('mixing local and remote sources: every source must be remote when the destination is local');
  // An empty remote path is the login folder, as scp's `host:`.
  return { direction: 'download', host: host!, sources: srcs.map((s) => s.path || '.'), destination: dst.path };
}

function clock(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  return `${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}

/** One progress line, as scp's: name, percent, bytes, rate, ETA. */
export function progressLine(status: TransferStatus, width = 80): string {
  const name = status.currentFile?.path ?? status.label;
  const percent = status.bytesTotal > 0 ? Math.min(100, Math.floor((status.bytesDone * 100) / status.bytesTotal)) : status.scanning ? 0 : 100;
  const rate = status.rateBytesPerSecond !== undefined ? `${formatBytes(status.rateBytesPerSecond)}/s` : '';
  const eta = status.etaSeconds !== undefined ? `${clock(status.etaSeconds)} ETA` : '';
  const files = status.filesTotal > 1 ? ` ${status.filesDone}/${status.filesTotal}${status.scanning ? '+' : ''} files` : '';
  const tail = `${String(percent).padStart(3)}% ${formatBytes(status.bytesDone).padStart(10)} ${rate.padStart(12)} ${eta.padStart(9)}${files}`;
  const room = Math.max(10, width - tail.length - 1);
  const shown = toPlainText(name, 1000);
  return `${shown.length > room ? `…${shown.slice(shown.length - room + 1)}` : shown.padEnd(room)} ${tail}`;
}

export interface CpIo {
  err: NodeJS.WriteStream | (NodeJS.WritableStream & { isTTY?: boolean; columns?: number });
  env: NodeJS.ProcessEnv;
  signals: Pick<NodeJS.Process, 'on' | 'off'>;
}

async function remoteStat(sftp: SFTPWrapper, remotePath: string): Promise<Stats | null> {
  return sftpAsync<Stats>((done) => sftp.stat(remotePath, done)).catch(() => null);
}

export async function runCp(argv: string[], hopFor: CommandLineHopResolver, io: CpIo = { err: process.stderr, env: process.env, signals: process }): Promise<number> {
  const args = parseCpArgs(argv);
  const plan = planCopy(args.operands);
  const dataDir = ensureDataDir(args.dataDir);
  const library = await SavedLibrary.open(dataDir);
  if (args.profile === null && plan.host === '') throw new CpUsageError('a remote operand needs a host (host:path), or give --profile NAME');
  const { hops } = library.circuitFor({ ...args, target: plan.host }, hopFor, (message) => new CpUsageError(message));
  if (args.profile !== null) {
    const target = hops[hops.length - 1]!;
    const bare = plan.host.replace(/^[^@]*@/, '');
    if (plan.host !== '' && bare !== target.name && bare !== target.host) throw new CpUsageError(`the profile "${args.profile}" ends at ${target.name}: write ${target.name}:PATH (or :PATH)`);
  }

  const broker = new PromptBroker();
  attachTerminalPrompter(broker, io.err, io.env, { remember: args.remember });
  const engine = new CircuitEngine({ hostKeyFiles: defaultHostKeyFiles(dataDir), prompts: broker, secrets: new CredentialStore() });
  const sessions = new SftpSessions(engine);
  const queue = new TransferQueue({ sessions, progressMs: 200 });
  const circuitId = randomUUID();
  const showProgress = !args.quiet && io.err.isTTY === true;
  let transferId: string | null = null;
  const onSignal = (): void => {
    if (transferId) void queue.cancel(transferId);
  };
  io.signals.on('SIGINT', onSignal);
  io.signals.on('SIGTERM', onSignal);
  try {
    await engine.open(hops, circuitId);
    if (args.verbose) io.err.write(engine.eventLog(circuitId).join('\n') + '\n');
    const sftp = await sessions.get(circuitId);

    // scp's destination rule: into a folder that exists, else (one source) a new name.
    let destination = plan.destination;
    let rename: string | undefined;
    if (plan.direction === 'upload') {
      const remoteDst = destination === '' ? '.' : destination;
      const st = await remoteStat(sftp, remoteDst);
      if (st?.isDirectory()) destination = remoteDst;
      else if (plan.sources.length > 1) throw new HoplineError(ErrorCode.FILE_NOT_FOUND, `${toPlainText(remoteDst, 300)}: not a folder on the target`);
      else {
        const slash = remoteDst.lastIndexOf('/');
        destination = slash < 0 ? '.' : remoteDst.slice(0, slash) || '/';
        rename = remoteBase(remoteDst);
      }
    } else {
      const st = await stat(destination).catch(() => null);
      if (!st?.isDirectory()) {
        if (plan.sources.length > 1) throw new HoplineError(ErrorCode.FILE_NOT_FOUND, `${destination}: not a folder`);
        rename = path.basename(destination);
        destination = path.dirname(destination);
      }
    }

    let lastLine = 0;
    const draw = (status: TransferStatus, force = false): void => {
      if (!showProgress) return;
      const now = Date.now();
      if (!force && now - lastLine < 200) return;
      lastLine = now;
      io.err.write(`\r${progressLine(status, ('columns' in io.err && io.err.columns) || 80)}`);
    };
    const started = await queue.enqueue(
      { circuitId, direction: plan.direction, sources: plan.sources, destination, recursive: args.recursive, preserve: args.preserve, conflict: 'overwrite' },
      rename !== undefined ? { rename } : {},
    );
    transferId = started.transferId;
    const final = await new Promise<TransferStatus>((resolve) => {
      const sub = queue.onDidChangeTransfer((status) => {
        if (status.transferId !== started.transferId) return;
        draw(status);
        if (status.state === 'done' || status.state === 'failed' || status.state === 'cancelled') {
          sub.dispose();
          resolve(status);
        }
      });
    });
    if (showProgress) {
      draw(final, true);
      io.err.write('\n');
    }
    // Notes (names refused, links not followed) are warnings, as scp's per-file messages.
    for (const note of final.notes) io.err.write(`hopline: ${toPlainText(note, 1000)}\n`);
    if (final.state === 'done') return 0;
    if (final.state === 'cancelled') {
      io.err.write('hopline: cancelled\n');
      return 1;
    }
    const error = final.error!;
    // A per-file error is already one of the notes; say the transfer's own only when it is new.
    if (!final.notes.some((n) => n.endsWith(error.message))) io.err.write(`hopline: ${toPlainText(error.message, 1000)}\n`);
    if (args.verbose && error.detail) io.err.write(`hopline: detail: ${toPlainText(error.detail, 1000)}\n`);
    return 1;
  } catch (error) {
    if (error instanceof HoplineError) {
      io.err.write(`hopline: ${toPlainText(error.message, 1000)}\n`);
      if (args.verbose && error.detail) io.err.write(`hopline: detail: ${toPlainText(error.detail, 1000)}\n`);
      return 1;
    }
    throw error;
  } finally {
    io.signals.off('SIGINT', onSignal);
    io.signals.off('SIGTERM', onSignal);
    await queue.dispose();
    sessions.dispose();
    await engine.dispose();
  }
}
