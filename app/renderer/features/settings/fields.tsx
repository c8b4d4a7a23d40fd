/**
 * Settings fields that save as they change: checkboxes and selects at once, text and numbers a
 * moment after typing stops (and on leaving the field). A value that does not validate shows
 * its message under the field and is never saved.
 */
import { useCallback, useEffect, useId, useRef, useState, type ReactNode } from 'react';

/** How long typing must pause before a text or number field saves. */
export const SAVE_DELAY_MS = 500;

/** `text` as a whole number in [min, max], or null. */
export function wholeNumber(text: string, min: number, max: number): number | null {
  const t = text.trim();
  if (!/^\d+$/.test(t)) return null;
  const n = Number(t);
  return n >= min && n <= max ? n : null;
}

/** Calls `commit` with the last scheduled value once scheduling pauses; flush() commits now. Flushes on unmount. */
function useDebouncedCommit<T>(commit: (value: T) => void, delay: number) {
  const commitRef = useRef(commit);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const pending = useRef<{ value: T } | null>(null);
  useEffect(() => {
    commitRef.current = commit;
  });
  const flush = useCallback(() => {
    if (timer.current) clearTimeout(timer.current);
    timer.current = null;
    const next = pending.current;
    pending.current = null;
    if (next) commitRef.current(next.value);
  }, []);
  const cancel = useCallback(() => {
    if (timer.current) clearTimeout(timer.current);
    timer.current = null;
    pending.current = null;
  }, []);
  const schedule = useCallback(
    (value: T) => {
      pending.current = { value };
      if (timer.current) clearTimeout(timer.current);
      timer.current = setTimeout(flush, delay);
    },
    [delay, flush],
  );
  useEffect(() => flush, [flush]);
  return { schedule, flush, cancel };
}

interface TextLikeProps<T> {
  label: string;
  value: T;
  /** Text -> value, or a message saying what is wrong. */
  parse(text: string): { value: T } | { error: string };
  format(value: T): string;
  onSave(value: T): void;
  hint?: ReactNode;
  disabled?: boolean;
  inputMode?: 'numeric' | 'text';
  placeholder?: string;
  /** Extra class on the field (width). */
  className?: string;
  spellCheck?: boolean;
}

/**
 * A text input bound to a saved value: shows the saved value while not being edited (another
 * window may change it), saves a valid edit after a pause, and shows why an invalid one is not saved.
 */
function SavedTextField<T>({ label, value, parse, format, onSave, hint, disabled, inputMode, placeholder, className, spellCheck }: TextLikeProps<T>) {
  const id = useId();
  const [text, setText] = useState(() => format(value));
  const [error, setError] = useState<string | null>(null);
  const focused = useRef(false);
  const { schedule, flush, cancel } = useDebouncedCommit<T>(onSave, SAVE_DELAY_MS);
  const savedText = format(value);

  // The saved value changed (here or in another window) while the field is not being edited.
  useEffect(() => {
    if (!focused.current) {
      setText(savedText);
      setError(null);
    }
  }, [savedText]);

  function onChange(next: string) {
    setText(next);
    const parsed = parse(next);
    if ('error' in parsed) {
      setError(parsed.error);
      // An earlier valid keystroke waiting to save is superseded by this invalid one.
      cancel();
      return;
    }
    setError(null);
    schedule(parsed.value);
  }

  const describedBy = [error ? `${id}-error` : null, hint ? `${id}-hint` : null].filter(Boolean).join(' ') || undefined;
  return (
    <div className={`field settings-field ${className ?? ''}`}>
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        type="text"
        value={text}
        inputMode={inputMode}
        placeholder={placeholder}
        spellCheck={spellCheck}
        disabled={disabled}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy}
        onFocus={() => {
          focused.current = true;
        }}
        onBlur={() => {
          focused.current = false;
          flush();
        }}
        onChange={(e) => onChange(e.target.value)}
      />
      {hint && (
        <span id={`${id}-hint`} className="hint">
          {hint}
        </span>
      )}
      {error && (
        <span id={`${id}-error`} className="error" role="alert">
          {error}
        </span>
      )}
    </div>
  );
}

export function NumberSetting({
  label,
  value,
  min,
  max,
  unit,
  onSave,
  hint,
  disabled,
}: {
  label: string;
  value: number;
  min: number;
  max: number;
  /** Said in the error message: "seconds", "lines". */
  unit?: string;
  onSave(value: number): void;
  hint?: ReactNode;
  disabled?: boolean;
}) {
  const parse = useCallback(
    (text: string): { value: number } | { error: string } => {
      const n = wholeNumber(text, min, max);
      return n === null ? { error: `Enter a whole number from ${min} to ${max}${unit ? ` ${unit}` : ''}. Not saved.` } : { value: n };
    },
    [min, max, unit],
  );
  return <SavedTextField label={label} value={value} parse={parse} format={String} onSave={(n) => n !== value && onSave(n)} hint={hint} disabled={disabled} inputMode="numeric" className="settings-number" />;
}

const CONTROL = /\p{Cc}/u;

export function TextSetting({
  label,
  value,
  maxLength,
  onSave,
  hint,
  placeholder,
  disabled,
}: {
  label: string;
  value: string;
  maxLength: number;
  onSave(value: string): void;
  hint?: ReactNode;
  placeholder?: string;
  disabled?: boolean;
}) {
  const parse = useCallback(
    (text: string): { value: string } | { error: string } => {
      if (text.length > maxLength) return { error: `At most ${maxLength} characters. Not saved.` };
      if (CONTROL.test(text)) return { error: 'Control characters are not allowed. Not saved.' };
      return { value: text.trim() };
    },
    [maxLength],
  );
  return <SavedTextField label={label} value={value} parse={parse} format={(s) => s} onSave={(s) => s !== value && onSave(s)} hint={hint} placeholder={placeholder} disabled={disabled} spellCheck={false} className="settings-text" />;
}

export function CheckboxSetting({ label, checked, onSave, hint, disabled }: { label: string; checked: boolean; onSave(checked: boolean): void; hint?: ReactNode; disabled?: boolean }) {
  const id = useId();
  return (
    <div className="settings-check">
      <label className="checkbox" htmlFor={id}>
        <input id={id} type="checkbox" checked={checked} disabled={disabled} aria-describedby={hint ? `${id}-hint` : undefined} onChange={(e) => onSave(e.target.checked)} />
        {label}
      </label>
      {hint && (
        <span id={`${id}-hint`} className="hint">
          {hint}
        </span>
      )}
    </div>
  );
}

export function SelectSetting<T extends string>({ label, value, options, onSave, disabled }: { label: string; value: T; options: readonly { value: T; label: string }[]; onSave(value: T): void; disabled?: boolean }) {
  const id = useId();
  return (
    <div className="field settings-field settings-select">
      <label htmlFor={id}>{label}</label>
      <select id={id} value={value} disabled={disabled} onChange={(e) => onSave(e.target.value as T)}>
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </div>
  );
}
