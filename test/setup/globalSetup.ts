import { existsSync } from 'node:fs';
import type { TestProject } from 'vitest/node';
import { labDown, labLeftovers, labUnavailableReason, labUp, type LabStatus } from '../lab/lab';
import { inCI } from './requirements';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The running lab, or null with `labMissing` saying why. */
    lab: LabStatus | null;
    labMissing: string | null;
  }
}

export default async function setup(project: TestProject): Promise<(() => void) | undefined> {
  if (!existsSync('dist/main/web.cjs') || !existsSync('dist/renderer/index.html')) {
    throw new Error('dist/ is missing: run `npm run build` first (npm test does)');
  }
  // HOPLINE_LAB=skip lets a developer run unit tests beside a lab that is busy; never in CI.
  const reason = process.env.HOPLINE_LAB === 'skip' && !inCI ? 'HOPLINE_LAB=skip' : labUnavailableReason();
  if (reason) {
    if (inCI) throw new Error(`the lab is required in CI: ${reason}`);
    project.provide('lab', null);
    project.provide('labMissing', reason);
    return undefined;
  }
  const status = await labUp();
  project.provide('lab', status);
  project.provide('labMissing', null);
  return () => {
    labDown();
    // `down` must leave nothing behind; a leftover fails the run.
    const left = labLeftovers();
    if (left.length > 0) throw new Error(`lab down left behind: ${left.join('; ')}`);
  };
}
