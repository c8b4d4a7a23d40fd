import { useId, useState, type FormEvent } from 'react';
import { describeError } from '../../stores/describeError';

/** Checks a prompt pattern compiles here, so a typo is caught before the main side gets it. */
function patternError(pattern: string): string | null {
  if (!pattern) return null;
  try {
    new RegExp(pattern);
    return null;
  } catch {
    return 'Not a valid regular expression.';
  }
}

/**
 * Opt-in TOTP: Hopline answers the one-time-code prompt itself. Off by default, with the cost
 * spelled out, and the secret leaves the field as soon as it has been sent.
 */
export function TotpSetup({ hostName, onSave }: { hostName: string; onSave(secret: string, promptPattern?: string): Promise<void> }) {
  const id = useId();
  const [enabled, setEnabled] = useState(false);
  const [secret, setSecret] = useState('');
  const [pattern, setPattern] = useState('');
  const [note, setNote] = useState<{ ok: boolean; text: string } | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const bad = patternError(pattern.trim());
    if (!secret.trim() || bad) {
      setNote({ ok: false, text: bad ?? 'Enter the base32 secret or the otpauth:// URI.' });
      return;
    }
    const sent = secret.trim();
    setSecret('');
    setBusy(true);
    try {
      await onSave(sent, pattern.trim() || undefined);
      setNote({ ok: true, text: `TOTP secret saved for ${hostName}.` });
    } catch (error) {
      setNote({ ok: false, text: describeError(error) });
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="totp">
      <label className="checkbox">
        <input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} />
        Set up TOTP codes for this host
      </label>
      {enabled && (
        <form aria-label="TOTP setup" onSubmit={(e) => void submit(e)}>
          <p className="warning" role="note">
            This puts both factors on one machine: whoever gets this computer&apos;s keychain gets your password or key and your one-time codes together. Prefer an
            authenticator on another device unless this machine is already the thing the second factor protects.
          </p>
          <label htmlFor={`${id}-secret`}>TOTP secret or otpauth:// URI</label>
          <input id={`${id}-secret`} type="password" autoComplete="off" spellCheck={false} value={secret} onChange={(e) => setSecret(e.target.value)} />
          <label htmlFor={`${id}-pattern`}>Prompt pattern (optional)</label>
          <input id={`${id}-pattern`} spellCheck={false} placeholder="e.g. Verification code" value={pattern} onChange={(e) => setPattern(e.target.value)} />
          <button type="submit" disabled={busy}>
            Save TOTP secret
          </button>
        </form>
      )}
      {note && (
        <p role={note.ok ? 'status' : 'alert'} className={note.ok ? 'hint' : 'error'}>
          {note.text}
        </p>
      )}
    </div>
  );
}
