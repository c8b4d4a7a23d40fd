/**
 * `npm run soak`: the load soak (issue 7, item 6). Brings the lab up, runs 50 terminals through
 * one shared bastion streaming checked data for 60 s (terminalSoak.ts), prints a summary, and
 * exits 0 only if every terminal is alive and every byte is accounted for. Brings the lab down.
 * `SOAK_TERMINALS` and `SOAK_SECONDS` change the size, for a quick try.
 */
import { runWithLab } from '../lab/labScript';
import { runTerminalSoak } from './terminalSoak';

function positiveInt(name: string, fallback: number): number {
  const value = process.env[name];
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a positive integer, not ${JSON.stringify(value)}`);
  return n;
}

const started = Date.now();
const terminals = positiveInt('SOAK_TERMINALS', 50);
const seconds = positiveInt('SOAK_SECONDS', 60);

runWithLab('soak', async (status) => {
  process.stdout.write(`Terminal soak: ${terminals} terminals through one shared bastion, ${seconds} s of checked output each (lab, bench user, web mode over a WebSocket):\n`);
  const result = await runTerminalSoak(status, { terminals, seconds, log: (line) => process.stdout.write(`  ${line}\n`) });
  for (const problem of result.problems) process.stdout.write(`  PROBLEM: ${problem}\n`);
  process.stdout.write(`soak ${result.ok ? 'passed' : 'FAILED'} in ${((Date.now() - started) / 1000).toFixed(0)} s (lab up and down included, build not)\n`);
  return result.ok ? 0 : 1;
});
