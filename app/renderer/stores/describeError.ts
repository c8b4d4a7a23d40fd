import { HoplineError } from '../../shared/model/errors';
import { toPlainText } from '../../shared/model/plainText';

/**
 * One line for the user from anything a call rejected with. Only typed errors carry text
 * written for people; anything else is a bug on our side and gets a generic line.
 */
export function describeError(error: unknown): string {
  return error instanceof HoplineError ? `${error.code}: ${toPlainText(error.message)}` : 'Unexpected error';
}
