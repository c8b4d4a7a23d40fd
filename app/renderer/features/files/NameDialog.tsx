/**
 * New folder and Rename: one field, checked as it is typed (no "/", no NUL, not "." or ".."),
 * the service's refusal shown under it in the app's one way (ErrorMessage, naming the hop).
 */
import { useId, useRef, useState } from 'react';
import { FormDialog, useFormDialog } from '../../components/FormDialog';
import { nameProblem } from '../../stores/filesLogic';

interface NameDialogProps {
  title: string;
  label: string;
  submitLabel: string;
  initial: string;
  /** Resolves when done; a rejection is shown and the dialog stays. */
  onSubmit(name: string): Promise<void>;
  onClose(): void;
}

export function NameDialog({ title, label, submitLabel, initial, onSubmit, onClose }: NameDialogProps) {
  const id = useId();
  const [name, setName] = useState(initial);
  const [touched, setTouched] = useState(false);
  const inputRef = useRef<HTMLInputElement>(null);
  const problem = nameProblem(name);
  const form = useFormDialog({
    ready: problem === null,
    submit: () => onSubmit(name),
    onClose,
    onAttempt: () => setTouched(true),
    onRefused: () => inputRef.current?.focus(),
  });

  return (
    <FormDialog form={form} title={title} submitLabel={submitLabel} canSubmit={!(touched && problem !== null)} className="files-dialog">
      <label htmlFor={`${id}-name`}>{label}</label>
      <input
        ref={inputRef}
        id={`${id}-name`}
        className="files-dialog-input"
        value={name}
        data-autofocus
        autoComplete="off"
        spellCheck={false}
        aria-invalid={touched && problem !== null}
        aria-describedby={touched && problem ? `${id}-problem` : undefined}
        onFocus={(event) => {
          // Rename selects the name without its extension, as file managers do.
          const dot = event.currentTarget.value.lastIndexOf('.');
          event.currentTarget.setSelectionRange(0, dot > 0 ? dot : event.currentTarget.value.length);
        }}
        onChange={(event) => {
          setName(event.target.value);
          setTouched(true);
        }}
      />
      {touched && problem && (
        <p id={`${id}-problem`} className="error files-dialog-problem">
          {problem}
        </p>
      )}
    </FormDialog>
  );
}
