/**
 * ProxyCommand for the first hop: a program whose stdin/stdout carry the SSH connection.
 *
 * OpenSSH runs ProxyCommand through `sh -c`; Hopline never starts a shell. The command is split
 * into words the way POSIX sh would split it, the `%` tokens are substituted into each word
 * afterwards (so a substituted value can never become extra words), and argv[0] is spawned
 * directly. Host and user names are still checked for shell metacharacters because the command
 * itself may well be `sh -c '... %h ...'` (the lesson of OpenSSH CVE-2023-51385).
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { Duplex, type Readable } from 'node:stream';
import { ErrorCode, HoplineError, type HopRef } from '../../../shared/model/errors';
import { hopName } from '../../../shared/model/hopName';
import type { ProxySpec } from './hopSpec';
import { sanitizeForMessage } from './tcpConnect';

type CommandProxySpec = Extract<ProxySpec, { kind: 'command' }>;

/** What the `%` tokens stand for. */
export interface ProxyCommandTarget {
  /** `%h`: the hop's address. */
  host: string;
  /** `%p` */
  port: number;
  /** `%r`: the remote user. */
  user: string;
  /** `%n`: the hop's original alias or name. */
  name: string;
}

export interface ProxyCommandHandle {
  /** Writes go to the command's stdin, reads come from its stdout; usable as ssh2's `sock`. */
  stream: Duplex;
  /** Resolves once the command has started; rejects (PROXY_FAILED) if it could not be. */
  started: Promise<void>;
  /** Kills the command (SIGTERM, SIGKILL after 2 s) and resolves once it has been reaped. */
  close(): Promise<void>;
  /** Undefined when the program could not be started. */
  pid: number | undefined;
}

const STDERR_TAIL_BYTES = 4096;
const KILL_GRACE_MS = 2000;
/** After the exit, how long to wait for the last of stderr before reporting without it. */
const STDERR_DRAIN_MS = 250;

// ---------------------------------------------------------------------------------------------
// Word splitting

const BLANKS = new Set([' ', '\t', '\n']);
/** Inside double quotes a backslash only escapes these (and a newline); elsewhere it is literal. */
const DOUBLE_QUOTE_ESCAPABLE = new Set(['"', '\\', '$', '`']);

/**
 * Splits a command into words as POSIX sh would, without running one: single quotes, double
 * quotes (where `\` escapes `" \ $ \``), backslash escapes and blanks are honoured. Nothing is
 * ever expanded or interpreted: `$(...)`, backticks, `;`, `|`, `&&`, `>`, `#` and globs are
 * plain characters of the word they sit in. A newline separates words like a blank.
 * Throws on an unbalanced quote.
 */
export function splitArgv(command: string): string[] {
  const words: string[] = [];
  let word = '';
  // A word can be empty (`''`), so whether one is open is tracked apart from its text.
  let inWord = false;
  let i = 0;
  while (i < command.length) {
    const c = command[i] as string;
    if (BLANKS.has(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
      i += 1;
    } else if (c === "'") {
      const end = command.indexOf("'", i + 1);
      if (end < 0) throw new Error(`Unbalanced single quote at position ${i + 1} of the proxy command`);
      word += command.slice(i + 1, end);
      inWord = true;
      i = end + 1;
    } else if (c === '"') {
      const quoted = readDoubleQuoted(command, i);
      word += quoted.text;
      inWord = true;
      i = quoted.next;
    } else if (c === '\\') {
      const next = command[i + 1];
      // `\` + newline is a line continuation: both vanish and no word is started.
      if (next === '\n') {
        i += 2;
        continue;
      }
      // A lone trailing backslash stays literal, as in sh.
      word += next ?? '\\';
      inWord = true;
      i += 2;
    } else {
      word += c;
      inWord = true;
      i += 1;
    }
  }
  if (inWord) words.push(word);
  return words;
}

/** Reads a double-quoted run starting at the opening quote `command[start]`. */
function readDoubleQuoted(command: string, start: number): { text: string; next: number } {
  let text = '';
  let i = start + 1;
  while (i < command.length) {
    const c = command[i] as string;
    if (c === '"') return { text, next: i + 1 };
    const next = command[i + 1];
    if (c === '\\' && next !== undefined && (DOUBLE_QUOTE_ESCAPABLE.has(next) || next === '\n')) {
      if (next !== '\n') text += next;
      i += 2;
    } else {
      text += c;
      i += 1;
    }
  }
  throw new Error(`Unbalanced double quote at position ${start + 1} of the proxy command`);
}

// ---------------------------------------------------------------------------------------------
// Token substitution

/** `%` followed by any one character (or by nothing, at the end of a word). */
const TOKEN = /%(.?)/gsu;

/**
 * Substitutes `%h %p %r %n %%` in each word separately, after splitting, so whatever a value
 * holds it stays inside its word. Any other `%x`, or a lone `%` ending a word, throws.
 */
export function substituteTokens(argv: readonly string[], target: ProxyCommandTarget): string[] {
  const values = new Map<string, string>([
    ['h', target.host],
    ['p', String(target.port)],
    ['r', target.user],
    ['n', target.name],
    ['%', '%'],
  ]);
  return argv.map((word) =>
    word.replace(TOKEN, (_token, letter: string) => {
      const value = values.get(letter);
      if (value === undefined) {
        throw new Error(letter === '' ? `The proxy command word "${word}" ends with a lone %` : `Unknown token %${letter} in the proxy command (known: %h %p %r %n %%)`);
      }
      return value;
    }),
  );
}

/** Whether some word uses `%letter` (a `%%` is not the start of a token). */
function usesToken(argv: readonly string[], letter: string): boolean {
  return argv.some((word) => [...word.matchAll(TOKEN)].some((match) => match[1] === letter));
}

// ---------------------------------------------------------------------------------------------
// Target checks

/** Shell metacharacters, blanks, and anything unprintable (controls, format chars, separators). */
const UNSAFE_CHARS = /[\p{C}\p{Z}\s'"`\\$;&|<>(){}[\]*?!~#]/u;

/**
 * Refuses a host, user or name that a shell could misread or a program could take for an
 * option. IPv6 literals (colons) and user names with `.`, `_` and inner `-` pass; `@` does not
 * belong in a user name. The name is checked only when the command uses `%n`.
 */
export function assertSafeProxyTarget(target: ProxyCommandTarget, hop: HopRef, checkName = false): void {
  checkValue('host', target.host, hop, { allowEmpty: false });
  checkValue('user', target.user, hop, { allowEmpty: true, extra: /@/u });
  if (checkName) checkValue('name', target.name, hop, { allowEmpty: false });
  if (!Number.isInteger(target.port) || target.port < 1 || target.port > 65535) {
    throw proxyFailed(hop, `port ${String(target.port)} is not a valid TCP port`);
  }
}

function checkValue(what: string, value: string, hop: HopRef, rules: { allowEmpty: boolean; extra?: RegExp }): void {
  const shown = JSON.stringify(sanitizeForMessage(value));
  if (value === '') {
    if (rules.allowEmpty) return;
    throw proxyFailed(hop, `the ${what} is empty`);
  }
  if (value.startsWith('-')) throw proxyFailed(hop, `the ${what} ${shown} starts with "-" and could be taken for an option`);
  if (UNSAFE_CHARS.test(value) || rules.extra?.test(value)) {
    throw proxyFailed(hop, `the ${what} ${shown} contains whitespace, shell metacharacters or control characters`);
  }
}

// ---------------------------------------------------------------------------------------------
// Spawning

/**
 * Starts the proxy command for `target`. Throws PROXY_FAILED straight away for a command that
 * cannot be split or substituted or an unsafe target; a program that cannot be started, or that
 * exits non-zero, destroys `stream` with PROXY_FAILED (exit code or signal and stderr tail).
 */
export function spawnProxyCommand(spec: Pick<CommandProxySpec, 'command'>, target: ProxyCommandTarget, hop: HopRef): ProxyCommandHandle {
  const argv = buildArgv(spec.command, target, hop);
  const [file, ...args] = argv as [string, ...string[]];
  let child: ChildProcessWithoutNullStreams;
  try {
    child = spawn(file, args, { shell: false, stdio: 'pipe', detached: false, windowsHide: true });
  } catch (error) {
    // spawn() throws synchronously only for arguments it cannot pass at all (a NUL byte).
    throw proxyFailed(hop, `could not start the command: ${error instanceof Error ? sanitizeForMessage(error.message) : 'invalid arguments'}`);
  }
  return supervise(child, file, hop);
}

function buildArgv(command: string, target: ProxyCommandTarget, hop: HopRef): string[] {
  let words: string[];
  try {
    words = splitArgv(command);
    assertSafeProxyTarget(target, hop, usesToken(words, 'n'));
    words = substituteTokens(words, target);
  } catch (error) {
    if (error instanceof HoplineError) throw error;
    throw proxyFailed(hop, error instanceof Error ? error.message : String(error));
  }
  if (words.length === 0 || words[0] === '') throw proxyFailed(hop, 'the proxy command is empty');
  return words;
}

/** Ties the child's life to the stream's: either ending brings the other down. */
function supervise(child: ChildProcessWithoutNullStreams, file: string, hop: HopRef): ProxyCommandHandle {
  const stderrTail = new TailBuffer(STDERR_TAIL_BYTES);
  let stdoutEnded = false;
  let eofPushed = false;
  /** Set once the exit is known and stderr has been drained, so the report is complete. */
  let exitReport: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  let markReaped: () => void = () => undefined;
  const reaped = new Promise<void>((resolve) => (markReaped = resolve));
  let termination: Promise<void> | undefined;

  const terminate = (): Promise<void> => {
    termination ??= killAndReap(child, reaped);
    return termination;
  };

  const stream = new Duplex({
    read: () => child.stdout.resume(),
    // A failed write (EPIPE) means the command has gone; its exit status, reported through
    // destroy() below, says why far better than EPIPE would, so the write itself "succeeds".
    write: (chunk: Buffer, _encoding, callback) => child.stdin.write(chunk, () => callback()),
    final: (callback) => child.stdin.end(() => callback()),
    destroy: (error, callback) => {
      void terminate();
      callback(error);
    },
  });
  // The failure is also reported through `started`; this listener keeps a failure that happens
  // before the consumer has attached its own listener from becoming an uncaught exception.
  stream.on('error', () => undefined);

  // EOF is passed on only once the exit status is known, so that a failing command surfaces as
  // PROXY_FAILED with its stderr rather than as a bare end of stream.
  const settle = (): void => {
    if (stream.destroyed || exitReport === undefined) return;
    if (exitReport.code !== 0) {
      stream.destroy(exitError(hop, file, exitReport.code, exitReport.signal, stderrTail.text()));
    } else if (stdoutEnded && !eofPushed) {
      eofPushed = true;
      stream.push(null);
    }
  };

  child.stdout.on('data', (chunk: Buffer) => {
    if (!stream.push(chunk)) child.stdout.pause();
  });
  child.stdout.once('end', () => {
    stdoutEnded = true;
    settle();
  });
  child.stderr.on('data', (chunk: Buffer) => stderrTail.append(chunk));
  // Pipe errors (EPIPE, EOF races) all end in an exit, which is what gets reported.
  for (const pipe of [child.stdin, child.stdout, child.stderr]) pipe.on('error', () => undefined);

  const started = new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.on('error', (error: NodeJS.ErrnoException) => {
      // Only a failure to start matters here; a failed kill() is followed by the usual exit.
      if (child.pid !== undefined) return;
      const failure = spawnError(hop, file, error);
      markReaped();
      stream.destroy(failure);
      reject(failure);
    });
  });
  started.catch(() => undefined);

  child.once('exit', (code, signal) => {
    markReaped();
    void drained(child.stderr, STDERR_DRAIN_MS).then(() => {
      exitReport = { code, signal };
      settle();
    });
  });

  return {
    stream,
    started,
    pid: child.pid,
    close: async () => {
      stream.destroy();
      await terminate();
    },
  };
}

/** SIGTERM, then SIGKILL if the command is still there after the grace period; then reaped. */
async function killAndReap(child: ChildProcessWithoutNullStreams, reaped: Promise<void>): Promise<void> {
  const running = child.pid !== undefined && child.exitCode === null && child.signalCode === null;
  if (running) {
    child.kill('SIGTERM');
    const escalation = setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS);
    await reaped;
    clearTimeout(escalation);
  } else {
    await reaped;
  }
  // A grandchild may still hold the pipes open; our ends must not keep this process busy.
  child.stdin.destroy();
  child.stdout.destroy();
  child.stderr.destroy();
}

/** Resolves when `stream` has ended or closed, or after `graceMs`, whichever is first. */
function drained(stream: Readable, graceMs: number): Promise<void> {
  if (stream.readableEnded || stream.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      stream.off('end', done);
      stream.off('close', done);
      resolve();
    };
    const timer = setTimeout(done, graceMs);
    stream.once('end', done);
    stream.once('close', done);
  });
}

/** Keeps only the last `limit` bytes written to it. */
class TailBuffer {
  private buffer = Buffer.alloc(0);
  constructor(private readonly limit: number) {}

  append(chunk: Buffer): void {
    const joined = Buffer.concat([this.buffer, chunk]);
    this.buffer = joined.length > this.limit ? joined.subarray(joined.length - this.limit) : joined;
  }

  text(): string {
    return sanitizeForMessage(this.buffer.toString('utf8'));
  }
}

// ---------------------------------------------------------------------------------------------
// Errors

function proxyFailed(hop: HopRef, detail: string): HoplineError {
  return new HoplineError(ErrorCode.PROXY_FAILED, `Proxy command for ${hopName(hop)}: ${detail}`, hop);
}

function spawnError(hop: HopRef, file: string, error: NodeJS.ErrnoException): HoplineError {
  const reason = error.code === 'ENOENT' ? 'program not found (ENOENT)' : error.code === 'EACCES' ? 'permission denied (EACCES)' : (error.code ?? 'unknown error');
  return proxyFailed(hop, `could not start ${JSON.stringify(sanitizeForMessage(file))}: ${reason}`);
}

function exitError(hop: HopRef, file: string, code: number | null, signal: NodeJS.Signals | null, stderr: string): HoplineError {
  const how = code !== null ? `exited with code ${code}` : `was killed by signal ${signal ?? 'unknown'}`;
  const program = JSON.stringify(sanitizeForMessage(file));
  return proxyFailed(hop, `${program} ${how}${stderr ? `: ${stderr}` : ''}`);
}
