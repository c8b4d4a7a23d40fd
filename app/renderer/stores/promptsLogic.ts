/** Pure helpers of the prompt queue. Requests only: answers never enter the store. */
import type { PromptRequest } from '../../shared/model/prompt';
import { toPlainText } from '../../shared/model/plainText';

export function addRequest(queue: readonly PromptRequest[], request: PromptRequest): PromptRequest[] {
  return queue.some((r) => r.id === request.id) ? [...queue] : [...queue, request];
}

export function removeRequest(queue: readonly PromptRequest[], promptId: string): PromptRequest[] {
  return queue.filter((r) => r.id !== promptId);
}

/**
 * After (re)connecting, the server's outstanding list is the truth, except for what moved while
 * it was being fetched: requests that arrived meanwhile stay, and ones settled meanwhile go.
 */
export function reconcileOutstanding(
  current: readonly PromptRequest[],
  outstanding: readonly PromptRequest[],
  idsBeforeLoad: ReadonlySet<string>,
  settled: ReadonlySet<string>,
): PromptRequest[] {
  const fromServer = outstanding.filter((r) => !settled.has(r.id));
  const known = new Set(fromServer.map((r) => r.id));
  const arrived = current.filter((r) => !known.has(r.id) && !idsBeforeLoad.has(r.id) && !settled.has(r.id));
  return [...fromServer, ...arrived];
}

/**
 * "hop 1 of 3 · bastion-mfa · round 2 · attempt 2 of 3": which hop a question is for, in every
 * dialog title. The attempt shows from the second on, when it tells the user how many are left.
 */
export function hopLabel(request: Pick<PromptRequest, 'hop' | 'round' | 'kind' | 'attempt'>): string {
  const parts = [`hop ${request.hop.index + 1} of ${request.hop.count}`, toPlainText(request.hop.name, 200)];
  if (request.kind !== 'host-key') parts.push(`round ${request.round}`);
  if (request.attempt && request.attempt.number > 1) parts.push(`attempt ${request.attempt.number} of ${request.attempt.of}`);
  return parts.join(' · ');
}
