/**
 * Fails a test that leaves sockets, servers, pipes or child processes behind: the count of each
 * kind of active resource is taken before every test and compared after the test's cleanup.
 */
import { afterEach, beforeEach, expect } from 'vitest';

/** Resource kinds as `process.getActiveResourcesInfo()` names them. */
export type ResourceKind = 'TCPSocketWrap' | 'TCPServerWrap' | 'PipeWrap' | 'ProcessWrap';

/** TCP sockets and servers. */
export const TCP_RESOURCES: readonly ResourceKind[] = ['TCPSocketWrap', 'TCPServerWrap'];
/** TCP, plus the pipes and processes of a child process. */
export const TCP_AND_CHILD_RESOURCES: readonly ResourceKind[] = [...TCP_RESOURCES, 'PipeWrap', 'ProcessWrap'];

function resourceCounts(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const name of process.getActiveResourcesInfo()) counts.set(name, (counts.get(name) ?? 0) + 1);
  return counts;
}

/** The kinds of which more are open than in `baseline`, after a grace period (up to 1 s) for them to close. */
async function leftovers(baseline: Map<string, number>, kinds: readonly ResourceKind[]): Promise<string[]> {
  let extra: string[] = [];
  for (let attempt = 0; attempt < 50; attempt++) {
    const now = resourceCounts();
    extra = kinds.filter((kind) => (now.get(kind) ?? 0) > (baseline.get(kind) ?? 0));
    if (extra.length === 0) return [];
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return extra;
}

/**
 * Registers, for every test of the calling file, a count of `kinds` before the test and, after
 * it, `cleanup` (which closes whatever the test opened) then the expectation that none of
 * `kinds` is left open beyond that count.
 */
export function checkLeaksAfterEach(kinds: readonly ResourceKind[], cleanup: () => Promise<void>): void {
  let baseline = new Map<string, number>();
  beforeEach(() => {
    baseline = resourceCounts();
  });
  afterEach(async () => {
    await cleanup();
    expect(await leftovers(baseline, kinds)).toEqual([]);
  });
}
