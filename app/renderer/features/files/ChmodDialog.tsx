/**
 * Permissions of the selected entries: the octal mode and the nine rwx boxes, kept in step (type
 * "750" and the boxes follow; tick a box and the digits follow), with the `ls -l` string as a
 * preview. Set-id and sticky bits are kept as they are unless the digits change them.
 */
import { useId, useState } from 'react';
import { FormDialog, useFormDialog } from '../../components/FormDialog';
import { modeString, octalString, parseOctal } from '../../stores/filesLogic';

interface ChmodDialogProps {
  /** What is changed, as shown ("notes.txt", "3 items"). */
  what: string;
  /** The current st_mode of the first entry (type bits kept for the preview). */
  mode: number;
  onSubmit(mode: number): Promise<void>;
  onClose(): void;
}

const WHO = [
  { label: 'Owner', shift: 6 },
  { label: 'Group', shift: 3 },
  { label: 'Others', shift: 0 },
] as const;
const WHAT = [
  { label: 'Read', bit: 4 },
  { label: 'Write', bit: 2 },
  { label: 'Execute', bit: 1 },
] as const;

export function ChmodDialog({ what, mode, onSubmit, onClose }: ChmodDialogProps) {
  const id = useId();
  const [bits, setBits] = useState(mode & 0o7777);
  const [text, setText] = useState(octalString(mode));
  const typed = parseOctal(text);
  const form = useFormDialog({ ready: typed !== null, submit: () => onSubmit(typed!), onClose });

  function setFromBits(next: number) {
    setBits(next);
    setText(octalString(next));
  }

  return (
    <FormDialog form={form} title={`Permissions of ${what}`} submitLabel="Apply" canSubmit={typed !== null} className="files-dialog">
      <label htmlFor={`${id}-octal`}>Mode (octal)</label>
      <div className="chmod-octal">
        <input
          id={`${id}-octal`}
          className="files-dialog-input chmod-octal-input"
          value={text}
          inputMode="numeric"
          maxLength={4}
          data-autofocus
          autoComplete="off"
          aria-invalid={typed === null}
          aria-describedby={`${id}-preview`}
          onChange={(event) => {
            setText(event.target.value);
            const parsed = parseOctal(event.target.value);
            if (parsed !== null) setBits(parsed);
          }}
        />
        <code id={`${id}-preview`} className="chmod-preview" aria-label={`Preview: ${modeString((mode & ~0o7777) | bits)}`}>
          {modeString((mode & ~0o7777) | bits)}
        </code>
      </div>
      {typed === null && <p className="error files-dialog-problem">Type one to four octal digits (0–7), as chmod takes them.</p>}
      <table className="chmod-grid">
        <thead>
          <tr>
            <td />
            {WHAT.map((w) => (
              <th key={w.label} scope="col">
                {w.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {WHO.map((who) => (
            <tr key={who.label}>
              <th scope="row">{who.label}</th>
              {WHAT.map((w) => {
                const bit = w.bit << who.shift;
                return (
                  <td key={w.label}>
                    <input
                      type="checkbox"
                      aria-label={`${who.label} can ${w.label.toLowerCase()}`}
                      checked={(bits & bit) !== 0}
                      onChange={(event) => setFromBits(event.target.checked ? bits | bit : bits & ~bit)}
                    />
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </FormDialog>
  );
}
