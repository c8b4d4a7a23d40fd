/**
 * `npm run bench`: every benchmark, each printing a ratio against a reference measured in the
 * same run (absolute timings on this 2-core machine are noise). Brings the lab up and down.
 *
 * Sections, all by default; name one or more to run only those (needs root, and a build:
 * `npm run build` first, which `npm run bench` does):
 *
 *   npx tsx test/bench/run.ts                 # everything
 *   npx tsx test/bench/run.ts engine          # hop engine: Hopline's CLI/engine against OpenSSH
 *   npx tsx test/bench/run.ts terminals       # terminals: Chromium + web mode + 3 hops, and main-side memory
 *   npm run bench -- terminals                # the same, after a build
 */
import { labDown, labUnavailableReason, labUp, type LabStatus } from '../lab/lab';
import { chromiumMissingReason } from '../setup/requirements';
import { runEngineBenchmarks, type BenchResult } from './engineBench';
import { runTerminalBenchmarks } from './terminalBench';

interface Section {
  title: string;
  /** Why it cannot run on this machine (beyond the lab), or null. */
  unavailable(): string | null;
  run(status: LabStatus, log: (line: string) => void): Promise<BenchResult[]>;
}

const SECTIONS: Record<string, Section> = {
  engine: { title: 'Hop engine (lab, bench user, key auth)', unavailable: () => null, run: runEngineBenchmarks },
  terminals: { title: 'Terminals (Chromium, web mode, 3 hops)', unavailable: chromiumMissingReason, run: runTerminalBenchmarks },
};

async function main(): Promise<number> {
  const asked = process.argv.slice(2);
  const unknown = asked.filter((name) => !(name in SECTIONS));
  if (unknown.length) {
    process.stderr.write(`bench: unknown section ${unknown.join(', ')}; sections: ${Object.keys(SECTIONS).join(', ')}\n`);
    return 2;
  }
  const names = asked.length ? [...new Set(asked)] : Object.keys(SECTIONS);
  const reason = labUnavailableReason();
  if (reason) {
    process.stderr.write(`bench: the lab is needed: ${reason}\n`);
    return 1;
  }
  for (const name of names) {
    const missing = SECTIONS[name]!.unavailable();
    if (missing) {
      process.stderr.write(`bench: ${name} cannot run: ${missing}\n`);
      return 1;
    }
  }
  const status = await labUp();
  try {
    const all: BenchResult[] = [];
    for (const name of names) {
      const section = SECTIONS[name]!;
      process.stdout.write(`${section.title}:\n`);
      all.push(...(await section.run(status, (line) => process.stdout.write(`  ${line}\n`))));
    }
    const missed = all.filter((r) => !r.met).length;
    process.stdout.write(`${all.length - missed} of ${all.length} goals met\n`);
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
