import { create } from 'zustand';
import type { HostKeyDecision, PromptRequest } from '../../shared/model/prompt';
import { onConnectionState, rpc } from '../rpc';
import { describeError } from './describeError';
import { addRequest, reconcileOutstanding, removeRequest } from './promptsLogic';

/** How many settled ids to remember, to drop a request that settles while `outstanding()` is in flight. */
const SETTLED_MEMORY = 200;

interface PromptsState {
  /** Questions waiting for the user, oldest first. Requests only: answers are never stored. */
  requests: PromptRequest[];
  settledIds: string[];
  /** The last failed answer/decision, shown in that prompt's dialog only. */
  error: { promptId: string; message: string } | null;
  loadOutstanding(): Promise<void>;
  answer(promptId: string, answers: string[], remember: boolean[]): Promise<void>;
  decideHostKey(promptId: string, decision: HostKeyDecision): Promise<void>;
  cancel(promptId: string): Promise<void>;
}

function settle(promptId: string): void {
  usePromptsStore.setState((s) => ({
    requests: removeRequest(s.requests, promptId),
    settledIds: [...s.settledIds, promptId].slice(-SETTLED_MEMORY),
  }));
}

/** Sends a reply once; on success the request leaves the queue without waiting for onDidSettle. */
async function reply(promptId: string, send: () => Promise<void>): Promise<void> {
  try {
    await send();
    usePromptsStore.setState({ error: null });
    settle(promptId);
  } catch (error) {
    usePromptsStore.setState({ error: { promptId, message: describeError(error) } });
  }
}

export const usePromptsStore = create<PromptsState>((set, get) => ({
  requests: [],
  settledIds: [],
  error: null,
  async loadOutstanding() {
    const before = new Set(get().requests.map((r) => r.id));
    try {
      const outstanding = await rpc.prompts.outstanding();
      set((s) => ({ requests: reconcileOutstanding(s.requests, outstanding, before, new Set(s.settledIds)) }));
    } catch {
      // Nothing to show yet: questions asked from now on still arrive as events.
    }
  },
  // The answers pass straight through to the call: they are neither kept nor logged here.
  answer: (promptId, answers, remember) => reply(promptId, () => rpc.prompts.answer(promptId, answers, remember)),
  decideHostKey: (promptId, decision) => reply(promptId, () => rpc.prompts.decideHostKey(promptId, decision)),
  cancel: (promptId) => reply(promptId, () => rpc.prompts.cancel(promptId)),
}));

/** Feeds the store from the prompts contract's events (startStores). */
export function startPromptsStore(): () => void {
  const subs = [
    rpc.prompts.onDidRequest((request) => usePromptsStore.setState((s) => ({ requests: addRequest(s.requests, request) }))),
    rpc.prompts.onDidSettle(({ promptId }) => settle(promptId)),
  ];
  // A window that opens or reconnects late picks up questions asked meanwhile.
  const stopLink = onConnectionState((connection) => {
    if (connection === 'open') void usePromptsStore.getState().loadOutstanding();
  });
  return () => {
    for (const sub of subs) sub.dispose();
    stopLink();
  };
}
