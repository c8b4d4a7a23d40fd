/**
 * The main side's log, to stderr. Callers pass messages they wrote themselves; error objects
 * are reduced to their name and first stack frame, never their message chain, because a
 * library's message may quote a secret it was handed.
 */
function describe(error: unknown): string {
  if (error instanceof Error) {
    const frame = error.stack?.split('\n')[1]?.trim() ?? '';
    return `${error.name}${frame ? ` ${frame}` : ''}`;
  }
  return typeof error;
}

export const log = {
  info(message: string): void {
    process.stderr.write(`[hopline] ${message}\n`);
  },
  warn(message: string): void {
    process.stderr.write(`[hopline] warning: ${message}\n`);
  },
  error(message: string, error?: unknown): void {
    process.stderr.write(`[hopline] error: ${message}${error === undefined ? '' : ` (${describe(error)})`}\n`);
  },
};
