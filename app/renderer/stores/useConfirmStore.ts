/**
 * One question at a time before something is lost (a live shell, a circuit's terminals): the
 * asker awaits the answer, a host component (workspace/ConfirmHost.tsx) shows the question.
 * A second question while one is open answers the first "no": nothing ends on a stale question.
 */
import { create } from 'zustand';

export interface ConfirmRequest {
  title: string;
  body: string;
  /** The destructive button's label ("Close tab", "Disconnect"). */
  confirmLabel: string;
  /** For tests and styling: which question this is. */
  kind: string;
  /** Text the user must type before the destructive button works (a recursive delete's folder name, as shown). */
  typeToConfirm?: string;
  /** Set by ask(): a new question is a new dialog (its focus placed afresh). */
  seq?: number;
}

interface ConfirmState {
  request: ConfirmRequest | null;
  /** Resolves true only if the user confirmed. */
  ask(request: ConfirmRequest): Promise<boolean>;
  answer(confirmed: boolean): void;
}

let settle: ((confirmed: boolean) => void) | null = null;
let seq = 0;

export const useConfirmStore = create<ConfirmState>((set) => ({
  request: null,
  ask(request) {
    settle?.(false);
    return new Promise<boolean>((resolve) => {
      settle = resolve;
      set({ request: { ...request, seq: ++seq } });
    });
  },
  answer(confirmed) {
    const done = settle;
    settle = null;
    set({ request: null });
    done?.(confirmed);
  },
}));
