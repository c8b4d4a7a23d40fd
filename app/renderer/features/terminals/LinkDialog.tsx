import { useId } from 'react';
import { toPlainText } from '../../../shared/model/plainText';
import { Modal } from '../../components/Modal';
import { safeLinkUrl } from './linkSafety';

/**
 * A link clicked in terminal output. The remote host wrote it, so the user sees the whole URL
 * before anything opens; anything but http(s) is refused here (and, in Electron, again in main).
 */
export function LinkDialog({ uri, onOpen, onCancel }: { uri: string; onOpen(url: string): void; onCancel(): void }) {
  const id = useId();
  const url = safeLinkUrl(uri);
  if (!url) {
    return (
      <Modal role="alertdialog" labelledBy={`${id}-title`} describedBy={`${id}-desc`} onEscape={onCancel}>
        <h2 id={`${id}-title`}>This link is not opened</h2>
        <p id={`${id}-desc`}>Only http and https links without a user name or password open from a terminal.</p>
        <p className="link-url server-text">{toPlainText(uri, 2048)}</p>
        <div className="actions">
          <button type="button" data-autofocus onClick={onCancel}>
            Close
          </button>
        </div>
      </Modal>
    );
  }
  return (
    <Modal labelledBy={`${id}-title`} describedBy={`${id}-url`} onEscape={onCancel}>
      <h2 id={`${id}-title`}>Open this link?</h2>
      <p className="hint">It comes from the remote terminal. Check where it goes:</p>
      <p id={`${id}-url`} className="link-url server-text" data-testid="link-url">
        {url}
      </p>
      <div className="actions">
        <button type="button" onClick={() => onOpen(url)}>
          Open link
        </button>
        <button type="button" className="secondary" data-autofocus onClick={onCancel}>
          Cancel
        </button>
      </div>
    </Modal>
  );
}
