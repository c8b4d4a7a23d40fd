import { useId, useState, type FormEvent } from 'react';
import { toPlainText } from '../../../shared/model/plainText';
import type { PromptRequest } from '../../../shared/model/prompt';
import { Modal } from '../../components/Modal';
import { hopLabel } from '../../stores/promptsLogic';
import { FormFooter } from '../../components/FormFooter';
import './promptDialog.css';

const TITLES: Record<Exclude<PromptRequest['kind'], 'host-key'>, string> = {
  'keyboard-interactive': 'Sign-in question',
  password: 'Password',
  passphrase: 'Key passphrase',
};

interface PromptDialogProps {
  request: PromptRequest;
  /** "Remember in keychain" or "Remember for this session", after where secrets would be kept. */
  rememberLabel: string;
  error: string | null;
  onAnswer(answers: string[], remember: boolean[]): Promise<void> | void;
  onCancel(): void;
}

/**
 * Every prompt of one keyboard-interactive round (or a password/passphrase) in one dialog.
 * All server text is shown as text nodes through toPlainText: a hostile server can neither
 * inject markup nor smuggle control characters into what the user reads.
 */
export function PromptDialog({ request, rememberLabel, error, onAnswer, onCancel }: PromptDialogProps) {
  const id = useId();
  const count = request.prompts.length;
  const [answers, setAnswers] = useState<string[]>(() => Array<string>(count).fill(''));
  const [shown, setShown] = useState<boolean[]>(() => Array<boolean>(count).fill(false));
  const [remember, setRemember] = useState<boolean[]>(() => Array<boolean>(count).fill(false));
  const [busy, setBusy] = useState(false);
  const title = request.kind === 'host-key' ? 'Host key' : TITLES[request.kind];

  async function submit(event: FormEvent) {
    event.preventDefault();
    const sent = answers;
    const keep = request.prompts.map((prompt, i) => prompt.remember === 'offer' && (remember[i] ?? false));
    // The answers leave this component's state before the call, so they live nowhere longer than needed.
    setAnswers(Array<string>(count).fill(''));
    setShown(Array<boolean>(count).fill(false));
    setBusy(true);
    try {
      await onAnswer(sent, keep);
    } finally {
      setBusy(false);
    }
  }

  const update = <T,>(list: T[], index: number, value: T): T[] => list.map((v, i) => (i === index ? value : v));

  return (
    <Modal labelledBy={`${id}-title ${id}-hop`} describedBy={request.rejection ? `${id}-rejection ${id}-instructions` : `${id}-instructions`} onEscape={onCancel}>
      <form onSubmit={(e) => void submit(e)}>
        <h2 id={`${id}-title`}>{title}</h2>
        <p id={`${id}-hop`} className="hop-label">
          {hopLabel(request)}
        </p>
        {request.rejection && (
          // Hopline's own words on what the hop rejected, before the server's text: read first,
          // and announced with the dialog (aria-describedby) since the focus goes to the field.
          <div id={`${id}-rejection`} className="warning prompt-rejection" data-testid="prompt-rejection">
            <p className="rejection-message">{toPlainText(request.rejection.message, 500)}</p>
            {request.rejection.detail && <p className="rejection-detail">{toPlainText(request.rejection.detail, 500)}</p>}
          </div>
        )}
        {request.name && <p className="server-name">{toPlainText(request.name, 200)}</p>}
        <p id={`${id}-instructions`} className="instructions">
          {toPlainText(request.instructions)}
        </p>
        <div className="prompt-list">
          {request.prompts.map((prompt, i) => (
            <div className="prompt-field" key={i}>
              <label htmlFor={`${id}-answer-${i}`}>{toPlainText(prompt.text, 500) || `Answer ${i + 1}`}</label>
              <div className="input-row">
                <input
                  id={`${id}-answer-${i}`}
                  type={prompt.echo || shown[i] ? 'text' : 'password'}
                  autoComplete="off"
                  spellCheck={false}
                  value={answers[i] ?? ''}
                  data-autofocus={i === 0 ? true : undefined}
                  onChange={(e) => setAnswers(update(answers, i, e.target.value))}
                />
                {!prompt.echo && (
                  <button type="button" className="secondary" aria-pressed={shown[i] ?? false} aria-controls={`${id}-answer-${i}`} onClick={() => setShown(update(shown, i, !shown[i]))}>
                    {shown[i] ? 'Hide' : 'Show'}
                  </button>
                )}
              </div>
              {prompt.remember === 'offer' && (
                <label className="checkbox">
                  <input type="checkbox" checked={remember[i] ?? false} onChange={(e) => setRemember(update(remember, i, e.target.checked))} />
                  {rememberLabel}
                </label>
              )}
            </div>
          ))}
        </div>
        <FormFooter error={error} busy={busy} submitLabel="Answer" onCancel={onCancel} lockCancelWhileBusy />
      </form>
    </Modal>
  );
}
