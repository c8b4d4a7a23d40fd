/**
 * `npm run bench`: every benchmark, each printing a ratio against a reference measured in the
 * same run (absolute timings on this 2-core machine are noise). Brings the lab up and down.
 */
import { labDown, labUnavailableReason, labUp } from '../lab/lab';
import { runEngineBenchmarks } from './engineBench';

async function main(): Promise<number> {
  const reason = labUnavailableReason();
  if (reason) {
    process.stderr.write(`bench: the lab is needed: ${reason}\n`);
    return 1;
  }
  const status = await labUp();
  try {
    process.stdout.write('Hop engine (lab, bench user, key auth):\n');
    const results = await runEngineBenchmarks(status, (line) => process.stdout.write(`  ${line}\n`));
    const missed = results.filter((r) => !r.met).length;
    process.stdout.write(`${results.length - missed} of ${results.length} goals met\n`);
    return 0;
  } finally {
    labDown();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    labDown();
    process.exit(1);
  },
);
