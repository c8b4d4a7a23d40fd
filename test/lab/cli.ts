/** `npm run lab -- up|down|status`: the same code the tests use. Needs root. */
import { labDown, labLeftovers, labStatus, labUnavailableReason, labUp } from './lab';

async function main(): Promise<number> {
  const command = process.argv[2];
  if (command !== 'up' && command !== 'down' && command !== 'status') {
    process.stderr.write('usage: npm run lab -- up|down|status\n');
    return 2;
  }
  if (command !== 'status') {
    const reason = labUnavailableReason();
    if (reason) {
      process.stderr.write(`lab: ${reason}\n`);
      return 1;
    }
  }
  if (command === 'up') {
    await labUp();
    process.stdout.write(JSON.stringify(labStatus(), null, 2) + '\n');
  } else if (command === 'down') {
    labDown();
    const left = labLeftovers();
    if (left.length > 0) {
      process.stderr.write(`lab: down, but left behind: ${left.join('; ')}\n`);
      return 1;
    }
    process.stdout.write('lab: down, nothing left behind\n');
  } else {
    process.stdout.write(JSON.stringify(labStatus(), null, 2) + '\n');
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
