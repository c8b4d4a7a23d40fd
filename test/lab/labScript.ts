/**
 * The frame of a script that needs the lab (`npm run bench`, `npm run soak`): say why and exit 1
 * if the lab cannot come up, bring it up, run, and bring it down however the run ends, then exit
 * with the run's code.
 */
import { labDown, labUnavailableReason, labUp, type LabStatus } from './lab';

export function runWithLab(name: string, body: (status: LabStatus) => Promise<number>, before: () => number | null = () => null): void {
  const main = async (): Promise<number> => {
    const reason = labUnavailableReason();
    if (reason) {
      process.stderr.write(`${name}: the lab is needed: ${reason}\n`);
      return 1;
    }
    const early = before();
    if (early !== null) return early;
    const status = await labUp();
    try {
      return await body(status);
    } finally {
      labDown();
    }
  };
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`${name} failed: ${error instanceof Error ? error.stack : String(error)}\n`);
      labDown();
      process.exit(1);
    },
  );
}
