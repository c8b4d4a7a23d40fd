/** Entry point of the `hopline` package bin (bundled to dist/main/cli.cjs). */
import { loadBundle } from './bundleLoader';
import { dieOfSigpipe, guardPipes, pipeClosed, settled, writeFailure } from './closedPipes';
import type * as CliFull from './cliFull';
import { runProxy } from './proxyViaApp';

// Before anything writes: a reader that goes away must not crash a command mid-save.
guardPipes();
const argv = process.argv.slice(2);

/**
 * `hopline proxy` runs for every ssh session through the gateway, so it starts on the lean
 * warm path (proxyViaApp.ts) and loads the hop engine only if the app holds no circuit for it.
 * Every other command loads the whole CLI: ./cliFull is a bundle of its own (build/bundleMain.mjs),
 * so node neither parses nor runs it, nor requires ssh2, zod or keytar, until it is needed.
 */
/** The rest of the CLI, from its code cache when the build made one (bundleLoader.ts). */
const loadFull = (): Promise<typeof CliFull> => Promise.resolve().then(() => loadBundle<typeof CliFull>('cliFull.cjs'));

function run(): Promise<number> {
  if (argv[0] !== 'proxy') return loadFull().then(({ main }) => main(argv));
  return runProxy(argv.slice(1), async (args) => {
    const { proxyBuildingHops, hopFor } = await loadFull();
    return proxyBuildingHops(args, hopFor);
  }).catch((error: unknown) => {
    // As main() says an unexpected failure of any command.
    process.stderr.write(`hopline: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  });
}

void run().then(async (code) => {
  await settled();
  const failure = writeFailure();
  if (failure) {
    process.stderr.write(`hopline: ${failure}\n`);
    if (code === 0) code = 1;
  }
  // ssh ignores SIGPIPE and exits with the remote status; other commands end as ssh-keygen does
  // on a closed pipe. Either way, only now: every save has completed.
  if (pipeClosed() && argv[0] !== 'exec') dieOfSigpipe();
  process.exitCode = code;
  // Normally nothing is left and Node exits once stdout has drained; should a socket linger,
  // do not hang the caller's shell.
  setTimeout(() => process.exit(code), 5000).unref();
});
