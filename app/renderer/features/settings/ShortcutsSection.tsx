import { useEffect, useId, useRef, useState, type KeyboardEvent } from 'react';
import { effectiveChords, formatChord, isMac, SHORTCUTS, type ShortcutDefinition, type ShortcutId } from '../../stores/shortcuts';
import { chordFromEvent, chordProblem, isModifierOnly, withOverride } from './shortcutRecording';

interface ShortcutsSectionProps {
  /** The saved overrides (settings.shortcuts). */
  overrides: Record<string, string>;
  onSave(overrides: Record<string, string>): void;
  disabled?: boolean;
}

/**
 * Waits for the next chord. Marked as a (non-modal) dialog so the window's shortcut handler
 * leaves its keys alone while it records; Escape cancels, Tab still moves the focus.
 */
function ChordRecorder({ shortcut, current, onChord, onCancel, problem }: { shortcut: ShortcutDefinition; current: string; onChord(event: KeyboardEvent<HTMLDivElement>): void; onCancel(): void; problem: string | null }) {
  const id = useId();
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => ref.current?.focus(), []);
  return (
    <div
      ref={ref}
      role="dialog"
      aria-label={`Record a shortcut for ${shortcut.label}`}
      aria-describedby={`${id}-how`}
      tabIndex={-1}
      className="shortcut-recorder"
      onKeyDown={(event) => {
        if (event.key === 'Escape') {
          event.preventDefault();
          event.stopPropagation();
          onCancel();
          return;
        }
        onChord(event);
      }}
    >
      <span id={`${id}-how`} className="recording-hint">
        Currently <kbd>{current}</kbd>. Press the new keys… <kbd>Esc</kbd> cancels.
      </span>
      <button type="button" className="secondary small" onClick={onCancel}>
        Cancel
      </button>
      {problem && (
        <span role="alert" className="error shortcut-problem">
          {problem}
        </span>
      )}
    </div>
  );
}

/** The shortcut table: every command with the chord in force, each changeable and resettable. */
export function ShortcutsSection({ overrides, onSave, disabled }: ShortcutsSectionProps) {
  const baseId = useId();
  const mac = isMac();
  const chords = effectiveChords(overrides);
  const [recording, setRecording] = useState<ShortcutId | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [status, setStatus] = useState('');
  const [refocus, setRefocus] = useState<ShortcutId | null>(null);
  const changeId = (id: ShortcutId) => `${baseId}-change-${id}`;

  // Focus returns to the row's Change button once recording ends.
  useEffect(() => {
    if (refocus && recording === null) {
      document.getElementById(changeId(refocus))?.focus();
      setRefocus(null);
    }
  });

  function stop(id: ShortcutId) {
    setRecording(null);
    setProblem(null);
    setRefocus(id);
  }

  function onChord(shortcut: ShortcutDefinition, event: KeyboardEvent<HTMLDivElement>) {
    if (isModifierOnly(event)) return;
    const plain = !event.ctrlKey && !event.metaKey && !event.altKey;
    // Tab, Enter and Space without a modifier keep their jobs (moving focus, pressing Cancel).
    if (plain && (event.key === 'Tab' || event.key === 'Enter' || event.key === ' ')) return;
    event.preventDefault();
    event.stopPropagation();
    const chord = chordFromEvent(event, mac);
    if (!chord) {
      setProblem('That key cannot be used in a shortcut.');
      return;
    }
    const why = chordProblem(shortcut.id, chord, chords, mac);
    if (why) {
      setProblem(why);
      return;
    }
    onSave(withOverride(overrides, shortcut.id, chord, mac));
    setStatus(`${shortcut.label}: ${formatChord(chord, mac)}.`);
    stop(shortcut.id);
  }

  function reset(shortcut: ShortcutDefinition) {
    onSave(withOverride(overrides, shortcut.id, null, mac));
    setStatus(`${shortcut.label}: back to ${formatChord(shortcut.chord, mac)}.`);
  }

  const customised = SHORTCUTS.filter((s) => overrides[s.id] !== undefined);

  return (
    <>
      <table className="shortcuts-table">
        <caption className="sr-only">Keyboard shortcuts</caption>
        <thead>
          <tr>
            <th scope="col">Command</th>
            <th scope="col">Shortcut</th>
            <th scope="col">
              <span className="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {SHORTCUTS.map((s) => {
            const custom = overrides[s.id] !== undefined;
            return (
              <tr key={s.id} className={recording === s.id ? 'is-recording' : undefined}>
                <th scope="row">
                  {s.label}
                  {s.outsideTerminalOnly && <span className="shortcut-note"> (outside a terminal)</span>}
                </th>
                {recording === s.id ? (
                  <td colSpan={2} className="shortcut-recording-cell">
                    <ChordRecorder shortcut={s} current={formatChord(chords[s.id], mac)} problem={problem} onChord={(event) => onChord(s, event)} onCancel={() => stop(s.id)} />
                  </td>
                ) : (
                  <>
                    <td>
                      <kbd>{formatChord(chords[s.id], mac)}</kbd>
                      {custom && <span className="shortcut-custom">custom</span>}
                    </td>
                    <td className="shortcut-actions">
                      <button
                        id={changeId(s.id)}
                        type="button"
                        className="secondary small"
                        aria-label={`Change shortcut for ${s.label}`}
                        disabled={disabled}
                        onClick={() => {
                          setProblem(null);
                          setStatus('');
                          setRecording(s.id);
                        }}
                      >
                        Change
                      </button>
                      <button type="button" className="secondary small" aria-label={`Reset shortcut for ${s.label}`} disabled={disabled || !custom} onClick={() => reset(s)}>
                        Reset
                      </button>
                    </td>
                  </>
                )}
              </tr>
            );
          })}
        </tbody>
      </table>
      <p role="status" className="hint">
        {status}
      </p>
      {customised.length > 0 && (
        <button
          type="button"
          className="secondary small"
          disabled={disabled}
          onClick={() => {
            onSave({});
            setStatus('Every shortcut is back to its default.');
          }}
        >
          Reset all shortcuts
        </button>
      )}
    </>
  );
}
