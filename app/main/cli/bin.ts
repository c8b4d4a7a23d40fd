/** Entry point of the `hopline` package bin (bundled to dist/main/cli.cjs). */
import { dieOfSigpipe, guardPipes, pipeClosed, settled, writeFailure } from './closedPipes';
import { main } from './main';

// Before anything writes: a reader that goes away must not crash a command mid-save.
guardPipes();
const argv = process.argv.slice(2);
void main(argv).then(async (code) => {
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
