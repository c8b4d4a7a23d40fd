/**
 * Optional TOTP for a hop: the user's secret (base32, or an otpauth:// URI from the QR code)
 * kept in the keychain, and the prompt it answers. Codes come from the `otpauth` library.
 */
import { Secret, TOTP, URI } from 'otpauth';
import { ErrorCode, HoplineError } from '../../../shared/model/errors';

/** Which keyboard-interactive prompt a stored TOTP answers, unless the user names another. */
export const DEFAULT_TOTP_PROMPT = 'verification code|one-time|otp|token';

export interface TotpEntry {
  /** Normalised otpauth:// URI: the secret with its algorithm, digits and period. */
  uri: string;
  /** Regular expression source, matched case-insensitively against the prompt text. */
  promptPattern: string;
}

function invalid(message: string): HoplineError {
  // Never echo the input: it is the secret.
  return new HoplineError(ErrorCode.INVALID_ARGUMENT, message);
}

/** Checks and normalises what the user entered. Throws INVALID_ARGUMENT without repeating it. */
export function parseTotpSetup(secret: string, promptPattern: string = DEFAULT_TOTP_PROMPT): TotpEntry {
  const text = secret.trim();
  let totp: TOTP;
  if (/^otpauth:\/\//i.test(text)) {
    let parsed;
    try {
      parsed = URI.parse(text);
    } catch {
      throw invalid('That otpauth:// URI could not be read.');
    }
    if (!(parsed instanceof TOTP)) throw invalid('That otpauth:// URI is for counter-based codes (HOTP); Hopline answers time-based (TOTP) prompts only.');
    totp = parsed;
  } else {
    const base32 = text.replace(/[\s-]/g, '').toUpperCase().replace(/=+$/, '');
    if (!/^[A-Z2-7]{16,}$/.test(base32)) throw invalid('A TOTP secret is base32 (letters A-Z and digits 2-7, at least 16 of them) or an otpauth:// URI.');
    totp = new TOTP({ secret: Secret.fromBase32(base32) });
  }
  if (promptPattern.length === 0 || promptPattern.length > 200) throw invalid('The prompt pattern must be 1 to 200 characters.');
  try {
    new RegExp(promptPattern, 'i');
  } catch {
    throw invalid('The prompt pattern is not a valid regular expression.');
  }
  return { uri: totp.toString(), promptPattern };
}

export function totpMatches(entry: TotpEntry, promptText: string): boolean {
  return new RegExp(entry.promptPattern, 'i').test(promptText);
}

export function totpCode(entry: TotpEntry, now: number = Date.now()): string {
  const totp = URI.parse(entry.uri) as TOTP;
  return totp.generate({ timestamp: now });
}
