/**
 * How ssh runs hopline again, as the first words of a ProxyCommand: absolute paths, because the
 * ssh that runs it (a terminal, VS Code Remote-SSH, git) may have another PATH and another
 * working directory than the process writing the block.
 *
 *  - The CLI names itself: node plus its own script (`hopline` is often a symlink to it), or the
 *    executable alone when it is a single binary.
 *  - The app (web mode, Electron) names the CLI bundled beside it (dist/main/cli.cjs next to
 *    web.cjs and electron.cjs), run by this node; under Electron, whose binary is no node, by
 *    the `node` on PATH. Inside a packaged app (an .asar) there is no script a node can run: the
 *    `hopline` on PATH is named then, or the bare word as the last resort.
 */
import { accessSync, constants, existsSync, realpathSync } from 'node:fs';
import path from 'node:path';

function real(file: string): string {
  try {
    return realpathSync(file);
  } catch {
    // Keep the resolved path: the file may be run from where it was given.
    return file;
  }
}

/** The CLI's own command: `node /abs/cli.cjs`, or the binary alone (argv[1] empty, or the binary itself). */
export function cliSelfCommand(argv1: string | undefined = process.argv[1], execPath: string = process.execPath): string[] {
  if (!argv1) return [execPath];
  const script = real(path.resolve(argv1));
  return script === real(execPath) ? [execPath] : [execPath, script];
}

/** An executable named `name` on PATH, absolute, or null. */
export function onPath(name: string, searchPath: string | undefined = process.env.PATH): string | null {
  for (const dir of (searchPath ?? '').split(path.delimiter)) {
    if (!dir || !path.isAbsolute(dir)) continue;
    const candidate = path.join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return real(candidate);
    } catch {
      // Not here: the next directory.
    }
  }
  return null;
}

export interface AppCommandFacts {
  /** The running bundle (dist/main/web.cjs or electron.cjs); cli.cjs is looked for beside it. */
  entryFile: string | undefined;
  execPath: string;
  /** True under Electron, whose executable runs no scripts as node (its RunAsNode fuse is off). */
  electron: boolean;
  exists?: (file: string) => boolean;
  which?: (name: string) => string | null;
}

/** The app's command for the CLI bundled with it (see the file's comment for the order tried). */
export function appCliCommand(facts: AppCommandFacts): string[] {
  const exists = facts.exists ?? existsSync;
  const which = facts.which ?? ((name: string) => onPath(name));
  if (facts.entryFile) {
    const cli = path.join(path.dirname(path.resolve(facts.entryFile)), 'cli.cjs');
    const packaged = cli.split(path.sep).some((part) => part.endsWith('.asar'));
    if (!packaged && exists(cli)) {
      const node = facts.electron ? which('node') : facts.execPath;
      if (node) return [node, real(cli)];
    }
  }
  return [which('hopline') ?? 'hopline'];
}

/** This process's entry bundle: the CommonJS main module once bundled, else the script node ran. */
export function runningEntryFile(): string | undefined {
  const main = typeof require === 'undefined' ? undefined : require.main?.filename;
  return main ?? process.argv[1];
}
