import type { WireError } from '../../shared/model/errors';
import { describeAnyError, describeWireError, type ErrorDescription } from '../../shared/model/errorSentence';

export type { ErrorDescription };

/**
 * One plain sentence for the user from anything a call rejected with: it names the hop as
 * `hop N (name)` and never leads with a code. The code and the raw text are for "Details"
 * (explainError and components/ErrorMessage). The sentences live in shared/model/errorSentence
 * so the CLI can say the same.
 */
export function describeError(error: unknown): string {
  return explainError(error).sentence;
}

/** The sentence with the code, the main side's message and any raw detail, for ErrorMessage. */
export function explainError(error: unknown): ErrorDescription {
  return isWireShaped(error) ? describeWireError(error) : describeAnyError(error);
}

/** A WireError kept in a store (a circuit's or a terminal's), as opposed to a thrown error. */
function isWireShaped(value: unknown): value is WireError {
  if (typeof value !== 'object' || value === null || value instanceof Error) return false;
  const v = value as Record<string, unknown>;
  return typeof v.code === 'string' && typeof v.message === 'string';
}
