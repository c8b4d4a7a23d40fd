import { useId } from 'react';
import { Modal } from '../../components/Modal';
import { pasteLines } from './pasteSafety';

const PREVIEW_LINES = 12;

/**
 * "Paste N lines?": shown before text with line breaks reaches the shell (each break may run a
 * command). The text is already sanitised; React renders it as text. Cancel has the focus, so
 * Enter pressed out of habit does not paste.
 */
export function PasteConfirmDialog({ text, removed, onPaste, onCancel }: { text: string; removed: number; onPaste(): void; onCancel(): void }) {
  const id = useId();
  const lines = pasteLines(text);
  // A trailing line break ends the last line rather than starting an empty one.
  const count = lines[lines.length - 1] === '' ? lines.length - 1 : lines.length;
  const shown = lines.slice(0, PREVIEW_LINES).join('\n');
  return (
    <Modal role="alertdialog" labelledBy={`${id}-title`} describedBy={`${id}-desc`} onEscape={onCancel}>
      <h2 id={`${id}-title`}>Paste {count === 1 ? '1 line' : `${count} lines`} into the terminal?</h2>
      <p id={`${id}-desc`}>The shell may run each line as a command as soon as it arrives.</p>
      <pre className="paste-preview" aria-label="Text to paste">
        {shown}
        {lines.length > PREVIEW_LINES ? `\n… ${lines.length - PREVIEW_LINES} more lines` : ''}
      </pre>
      {removed > 0 && <p className="hint">{removed === 1 ? '1 control character was' : `${removed} control characters were`} removed from the pasted text.</p>}
      <div className="actions">
        <button type="button" onClick={onPaste}>
          Paste
        </button>
        <button type="button" className="secondary" data-autofocus onClick={onCancel}>
          Cancel
        </button>
      </div>
    </Modal>
  );
}
