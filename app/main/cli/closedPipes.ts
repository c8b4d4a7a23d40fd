/**
 * Standard output or error closed under the CLI (`hopline import-ssh-config | head -1`). Node
 * ignores SIGPIPE and reports EPIPE as an 'error' event, which unhandled kills the process with a
 * stack trace wherever it is, mid-save included. Here a closed stream is noted once, later writes
 * to it are dropped, and the command runs to its end; bin.ts then ends the process as OpenSSH's
 * tools do: ssh itself ignores SIGPIPE and exits with the remote command's status (exec), while
 * report printers like ssh-keygen die of SIGPIPE (the shell's 141) — which happens only after
 * every library write has completed.
 */

type Stream = NodeJS.WritableStream;

interface PipeState {
  closed: Set<Stream>;
  onClose: Map<Stream, Array<() => void>>;
  /** A write error that is not a closed pipe (a full disk under `> file`): said at the end, exit 1. */
  failure: { stream: Stream; code: string } | null;
  readerGone: boolean;
  guarded: Set<Stream>;
}

/**
 * One state per process, not per copy of this module: the CLI is two bundles (cli.cjs, which
 * guards the pipes and decides the exit, and cliFull.cjs, whose commands write), and each has its
 * own copy of this file.
 */
const STATE_KEY = Symbol.for('hopline.closedPipes');
const shared = globalThis as typeof globalThis & { [STATE_KEY]?: PipeState };
const state: PipeState = (shared[STATE_KEY] ??= { closed: new Set(), onClose: new Map(), failure: null, readerGone: false, guarded: new Set() });
const { closed, onClose, guarded } = state;

function errnoCode(error: unknown): string {
  return (error as NodeJS.ErrnoException | null)?.code ?? 'unknown error';
}

/** Watches the streams (process.stdout and process.stderr by default); safe to call twice. */
export function guardPipes(streams: Stream[] = [process.stdout, process.stderr]): void {
  for (const stream of streams) {
    if (guarded.has(stream)) continue;
    guarded.add(stream);
    stream.on('error', (error: unknown) => {
      const code = errnoCode(error);
      if (closed.has(stream)) return;
      closed.add(stream);
      // A write after the first failure reports ERR_STREAM_DESTROYED; only the first one counts.
      if (code === 'EPIPE') state.readerGone = true;
      else if (state.failure === null) state.failure = { stream, code };
      for (const fn of onClose.get(stream) ?? []) fn();
      onClose.delete(stream);
    });
  }
}

export function isClosed(stream: Stream): boolean {
  return closed.has(stream);
}

/** Runs `fn` once the stream is found closed (at once if it already is). */
export function whenClosed(stream: Stream, fn: () => void): void {
  if (closed.has(stream)) return fn();
  onClose.set(stream, [...(onClose.get(stream) ?? []), fn]);
}

/**
 * Settles once what was written so far has reached the streams or failed, and the failures have
 * been reported: Node says EPIPE through an 'error' event a tick after the write, after the
 * command's own promise has settled.
 */
export async function settled(streams: Stream[] = [process.stdout, process.stderr]): Promise<void> {
  await Promise.all(
    streams.map((stream) => new Promise<void>((resolve) => {
      const state = stream as NodeJS.WritableStream & { destroyed?: boolean; writableLength?: number };
      // Nothing queued (files, and pipes on Linux, are written synchronously): nothing to wait for.
      // An empty write is not harmless everywhere (/dev/full refuses even that), so only queue one
      // behind real data, whose callback then runs once everything before it completed or failed.
      if (closed.has(stream) || state.destroyed || !state.writableLength) return resolve();
      stream.write('', () => resolve());
    })),
  );
  await new Promise<void>((resolve) => setImmediate(resolve));
}

/** True when a reader went away (EPIPE) from stdout or stderr. */
export function pipeClosed(): boolean {
  return state.readerGone;
}

/** A write error other than a closed pipe, as a sentence for stderr, or null. */
export function writeFailure(): string | null {
  const failure = state.failure;
  if (failure === null) return null;
  const what = failure.stream === process.stdout ? 'standard output' : failure.stream === process.stderr ? 'standard error' : 'an output stream';
  return `cannot write to ${what} (${failure.code})`;
}

/**
 * Ends the process by SIGPIPE, as a C tool writing to a closed pipe ends. Node ignores SIGPIPE;
 * libuv restores the default action when the last listener is removed, so raising it then kills.
 * Where that does not happen (Windows has no SIGPIPE), exit with the status a shell would show.
 */
export function dieOfSigpipe(): never {
  const noop = (): void => undefined;
  try {
    process.on('SIGPIPE', noop);
    process.removeListener('SIGPIPE', noop);
    process.kill(process.pid, 'SIGPIPE');
  } catch {
    // No such signal here: fall through to the exit status.
  }
  process.exit(128 + 13);
}
