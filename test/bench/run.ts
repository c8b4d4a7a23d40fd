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
 *   npx tsx test/bench/run.ts forwards        # port forwards: `hopline forward -L` against `ssh -J -L`
 *   npx tsx test/bench/run.ts files           # file transfers: `hopline cp` against `sftp -J` and `scp -J`
 *   npm run bench -- terminals                # the same, after a build
 */
import type { LabStatus } from '../lab/lab';
import { runWithLab } from '../lab/labScript';
import { chromiumMissingReason } from '../setup/requirements';
import { runEngineBenchmarks, type BenchResult } from './engineBench';
import { runForwardBenchmarks } from './forwardBench';
import { processCpuUnavailableReason } from './processCpu';
import { runFilesBenchmarks } from './filesBench';
import { runTerminalBenchmarks } from './terminalBench';

interface Section {
  title: string;
  /** Why it cannot run on this machine (beyond the lab), or null. */
  unavailable(): string | null;
  run(status: LabStatus, log: (line: string) => void): Promise<BenchResult[]>;
}

const SECTIONS: Record<string, Section> = {
  engine: { title: 'Hop engine (lab, bench user, key auth)', unavailable: processCpuUnavailableReason, run: runEngineBenchmarks },
  terminals: { title: 'Terminals (Chromium, web mode, 3 hops)', unavailable: chromiumMissingReason, run: runTerminalBenchmarks },
  forwards: { title: 'Port forwards (lab, bench user, key auth, 3 hops)', unavailable: () => null, run: runForwardBenchmarks },
  files: { title: 'File transfers (lab, bench user, key auth, 3 hops, internal-sftp)', unavailable: () => null, run: runFilesBenchmarks },
};

const asked = process.argv.slice(2);
const names = asked.length ? [...new Set(asked)] : Object.keys(SECTIONS);

/** Unknown sections and missing tools are refused before the lab comes up. */
function checkSections(): number | null {
  const unknown = asked.filter((name) => !(name in SECTIONS));
  if (unknown.length) {
    process.stderr.write(`bench: unknown section ${unknown.join(', ')}; sections: ${Object.keys(SECTIONS).join(', ')}\n`);
    return 2;
  }
  for (const name of names) {
    const missing = SECTIONS[name]!.unavailable();
    if (missing) {
      process.stderr.write(`bench: ${name} cannot run: ${missing}\n`);
      return 1;
    }
  }
  return null;
}

runWithLab(
  'bench',
  async (status) => {
    const all: BenchResult[] = [];
    for (const name of names) {
      const section = SECTIONS[name]!;
      process.stdout.write(`${section.title}:\n`);
      all.push(...(await section.run(status, (line) => process.stdout.write(`  ${line}\n`))));
    }
    const missed = all.filter((r) => !r.met).length;
    process.stdout.write(`${all.length - missed} of ${all.length} goals met\n`);
    return 0;
  },
  checkSections,
);
