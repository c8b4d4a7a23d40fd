/** Entry point of the `hopline` package bin (bundled to dist/main/cli.cjs). */
import { main } from './main';

void main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
  // Normally nothing is left and Node exits once stdout has drained; should a socket linger,
  // do not hang the caller's shell.
  setTimeout(() => process.exit(code), 5000).unref();
});
