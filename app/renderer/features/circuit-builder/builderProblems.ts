import { validateChain, type ChainHost, type ChainProblem } from '../../../shared/model/circuitRules';
import type { HostSummary } from '../../../shared/model/host';

/**
 * The chain's problems as the builder shows them: the shared rules, plus hops whose host was
 * deleted from the library since the chain (or its profile) was made.
 */
export function builderProblems(hostIds: readonly string[], hostsById: ReadonlyMap<string, HostSummary>): ChainProblem[] {
  const missing = new Set<number>();
  const chain: ChainHost[] = hostIds.map((id, index) => {
    const host = hostsById.get(id);
    if (host) return host;
    missing.add(index);
    // A stand-in that passes the per-host rules, so only "missing" is reported for it.
    return { id, name: id, address: `missing-${index}.invalid`, port: 22, user: 'missing', proxy: null };
  });
  const problems = validateChain(chain).filter((p) => p.index === null || !missing.has(p.index));
  for (const index of missing) problems.push({ index, message: `Hop ${index + 1} is no longer in the hosts library: remove it or add the host again.` });
  return problems.sort((a, b) => (a.index ?? -1) - (b.index ?? -1));
}
