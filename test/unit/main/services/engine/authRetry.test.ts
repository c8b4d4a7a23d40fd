import { describe, expect, it } from 'vitest';
import { KbdAttempts } from '../../../../../app/main/services/engine/authRetry';

const PASSWORD = { prompt: 'Password: ', echo: false };
const CODE = { prompt: 'Verification code: ', echo: false };
const HOP = 'hop 1 (bastion-mfa)';

/** One attempt as sshd's PAM runs it: password round, then code round, each answered as given. */
function attempt(kbd: KbdAttempts, password: { value: string; source: 'saved' | 'typed' } | null, code: { value: string; source: 'totp' | 'typed' } | null): void {
  kbd.begin();
  if (password) kbd.record(PASSWORD, password.value, password.source);
  if (code) kbd.record(CODE, code.value, code.source);
}

describe('KbdAttempts: what a rejected keyboard-interactive attempt puts in doubt', () => {
  it('saved password + typed code: the code is asked again, the saved password answers PAM again, and the dialog says so', () => {
    const kbd = new KbdAttempts();
    attempt(kbd, { value: 'pw', source: 'saved' }, { value: '000000', source: 'typed' });
    const said = kbd.rejected(HOP);
    expect(said?.message).toBe('Hop 1 (bastion-mfa) rejected the verification code. Enter a new code.');
    // Honest about what the server does not say.
    expect(said?.detail).toBe('The server does not say which answer was wrong. The saved password is sent again; if a new code is rejected too, Hopline asks for it.');
    kbd.begin();
    expect(kbd.reuse(PASSWORD)).toEqual({ value: 'pw', source: 'saved' });
    expect(kbd.reuse(CODE)).toBeNull();
    expect(kbd.isDoubted(CODE)).toBe(true);
    expect(kbd.maySaveAnswer(CODE)).toBe(false);
  });

  it('a saved password rejected again with a fresh code is reported plainly as probably wrong, and then asked', () => {
    const kbd = new KbdAttempts();
    attempt(kbd, { value: 'stale', source: 'saved' }, { value: '111111', source: 'typed' });
    kbd.rejected(HOP);
    kbd.begin();
    const again = kbd.reuse(PASSWORD)!;
    attempt(kbd, { value: again.value, source: 'typed' }, { value: '222222', source: 'typed' });
    const said = kbd.rejected(HOP);
    expect(said?.message).toBe('Hop 1 (bastion-mfa) rejected the sign-in again, with a new code, so the saved password is probably wrong. Enter the password and a new code.');
    expect(said?.detail).toMatch(/Remember/);
    kbd.begin();
    expect(kbd.reuse(PASSWORD)).toBeNull();
    expect(kbd.isDoubted(PASSWORD)).toBe(true);
    // Never the rejected saved secret again: the keychain may not answer it either.
    expect(kbd.maySaveAnswer(PASSWORD)).toBe(false);
  });

  it('a typed password is sent again once with a new code, then asked with the code', () => {
    const kbd = new KbdAttempts();
    attempt(kbd, { value: 'typo', source: 'typed' }, { value: '123456', source: 'typed' });
    expect(kbd.rejected(HOP)?.detail).toMatch(/^The server does not say which answer was wrong\. The password is sent again/);
    kbd.begin();
    expect(kbd.reuse(PASSWORD)?.source).toBe('typed');
    attempt(kbd, { value: 'typo', source: 'typed' }, { value: '654321', source: 'typed' });
    expect(kbd.rejected(HOP)?.message).toBe('Hop 1 (bastion-mfa) rejected the sign-in again, with a new code, so the password is probably wrong. Enter the password and a new code.');
    // Both typed afresh and rejected: the code is the first suspect again.
    attempt(kbd, { value: 'fixed', source: 'typed' }, { value: '999999', source: 'typed' });
    expect(kbd.rejected(HOP)?.message).toBe('Hop 1 (bastion-mfa) rejected the verification code. Enter a new code.');
  });

  it('a code made from a saved TOTP secret: the person is asked for one, and the secret is not used again this connect', () => {
    const kbd = new KbdAttempts();
    attempt(kbd, { value: 'pw', source: 'saved' }, { value: '424242', source: 'totp' });
    expect(kbd.rejected(HOP)?.message).toBe('Hop 1 (bastion-mfa) rejected the code made from the saved authenticator secret. Enter a code from your authenticator app.');
    kbd.begin();
    expect(kbd.maySaveAnswer(CODE)).toBe(false);
    expect(kbd.reuse(PASSWORD)?.value).toBe('pw');
  });

  it('an attempt with only a code, or only a password, blames what it had', () => {
    const codeOnly = new KbdAttempts();
    attempt(codeOnly, null, { value: '1', source: 'typed' });
    expect(codeOnly.rejected(HOP)).toEqual({ message: 'Hop 1 (bastion-mfa) rejected the verification code. Enter a new code.' });
    const savedOnly = new KbdAttempts();
    attempt(savedOnly, { value: 'pw', source: 'saved' }, null);
    expect(savedOnly.rejected(HOP)).toEqual({ message: 'Hop 1 (bastion-mfa) rejected the saved password. Enter the password again.', detail: 'Tick "Remember" to replace what is saved.' });
    const typedOnly = new KbdAttempts();
    attempt(typedOnly, { value: 'pw', source: 'typed' }, null);
    expect(typedOnly.rejected(HOP)).toEqual({ message: 'Hop 1 (bastion-mfa) rejected the password. Enter the password again.' });
  });

  it('a failure before any prompt blames nothing; a prompt never seen is free for saved secrets; clear() forgets the values', () => {
    const kbd = new KbdAttempts();
    kbd.begin();
    expect(kbd.answered).toBe(false);
    expect(kbd.rejected(HOP)).toBeNull();
    attempt(kbd, { value: 'pw', source: 'saved' }, { value: '0', source: 'typed' });
    kbd.rejected(HOP);
    expect(kbd.maySaveAnswer({ prompt: 'New password: ', echo: false })).toBe(true);
    kbd.clear();
    expect(kbd.reuse(PASSWORD)).toBeNull();
  });
});
