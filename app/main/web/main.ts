/**
 * `npm run web`: the app for a browser on 127.0.0.1, where there is no display or no Electron
 * binary. Prints the URL (with its per-run token) once on stdout and nothing else there.
 */
import path from 'node:path';
import { composeServices } from '../compose';
import { defaultDataDir, ensureDataDir } from '../services/dataDir';
import { log } from '../services/log';
import { startWebServer } from '../transports/webServer';

function parseArgs(argv: string[]): { dataDir: string; port: number } {
  let dataDir = defaultDataDir();
  let port = 0;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = argv[i + 1];
    if (arg === '--data-dir' && value) {
      dataDir = value;
      i++;
    } else if (arg === '--port' && value && /^\d{1,5}$/.test(value) && Number(value) < 65536) {
      port = Number(value);
      i++;
    } else if (arg === '--help' || arg === '-h') {
      process.stdout.write('usage: hopline-web [--data-dir DIR] [--port N]\n');
      process.exit(0);
    } else {
      process.stderr.write(`hopline-web: unknown or incomplete argument: ${arg}\n`);
      process.exit(2);
    }
  }
  return { dataDir, port };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const dataDir = ensureDataDir(args.dataDir);
  const services = await composeServices({ version: HOPLINE_VERSION, transport: 'web', dataDir });
  const server = await startWebServer({ rpc: services.rpc, terminals: services.terminalFrames, files: services.fileTickets, rendererDir: path.join(__dirname, '..', 'renderer'), port: args.port });
  // The token travels only in this line on stdout: not on a command line, not in the log.
  process.stdout.write(`Hopline web mode: open ${server.url}\n`);
  log.info(`web mode listening on 127.0.0.1:${server.port}, data in ${dataDir}`);
  const stop = (): void => {
    void Promise.allSettled([server.close(), services.dispose()]).then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  log.error('web mode failed to start', error);
  process.stderr.write(`hopline-web: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
