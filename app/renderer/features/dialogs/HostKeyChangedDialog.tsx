import { useId, useState } from 'react';
import { hopName } from '../../../shared/model/hopName';
import { toPlainText } from '../../../shared/model/plainText';
import type { HostKeyChange, HostKeyDecision, PromptRequest, SavedHostKey } from '../../../shared/model/prompt';
import { Modal } from '../../components/Modal';

type ChangedKey = NonNullable<PromptRequest['hostKey']> & { changed: HostKeyChange };


function SavedKeyFacts({ saved }: { saved: SavedHostKey }) {
  return (
    <dl className="facts">
      <dt>Key type</dt>
      <dd>{toPlainText(saved.type, 100)}</dd>
      <dt>Fingerprint</dt>
      <dd className="fingerprint" data-testid="saved-fingerprint">
        {toPlainText(saved.sha256, 200)}
      </dd>
      <dt>Saved in</dt>
      <dd data-testid="saved-where">
        <span className="fingerprint">{toPlainText(saved.file, 500)}</span>, line {saved.line}
        {saved.owner === 'user' ? ' (your own known_hosts, which ssh reads too)' : ' (Hopline\u2019s known_hosts)'}
        {saved.hashed ? '; the line names the host by hash' : ''}
        {saved.otherNames.length > 0 ? `; the line also names ${toPlainText(saved.otherNames.join(', '), 300)}, which replacing forgets too` : ''}
      </dd>
    </dl>
  );
}

/**
 * A host presents a key other than the one saved for it. The saved and presented keys stand
 * side by side, with what the change can mean and where the saved key came from. The person may
 * replace the saved key, after checking the new one out of band, by typing the hop's name; a
 * saved line in their own ~/.ssh/known_hosts needs one more, explicit, confirmation naming that
 * file. Focus starts on "Don't connect", and Escape is the same, so no reflex trusts the key.
 */
export function HostKeyChangedDialog({ request, hostKey, error, onDecide }: { request: PromptRequest; hostKey: ChangedKey; error: string | null; onDecide(decision: HostKeyDecision): void }) {
  const id = useId();
  const [typed, setTyped] = useState('');
  const [editUserFile, setEditUserFile] = useState(false);
  const userFiles = [...new Set(hostKey.changed.saved.filter((s) => s.owner === 'user').map((s) => s.file))];
  const name = request.hop.name;
  const nameMatches = typed.trim() === name;
  const ready = nameMatches && (userFiles.length === 0 || editUserFile);
  const where = `${hopName({ index: request.hop.index, name: toPlainText(name, 200) })} · ${toPlainText(`${hostKey.host}:${hostKey.port}`, 300)}`;

  return (
    <Modal labelledBy={`${id}-title ${id}-hop`} describedBy={`${id}-explain`} onEscape={() => onDecide('reject')} className="modal-danger modal-wide">
      <h2 id={`${id}-title`}>Host key changed</h2>
      <p id={`${id}-hop`} className="hop-label">
        {where}
      </p>
      <p id={`${id}-explain`}>
        {toPlainText(name, 200)} presented a different key from the one saved for it. Hopline has sent nothing to it yet, and will not connect unless you replace the saved key.
      </p>

      <div className="key-compare">
        <section aria-labelledby={`${id}-saved`} className="key-card" data-testid="saved-key">
          <h3 id={`${id}-saved`}>Saved key</h3>
          {hostKey.changed.saved.map((saved) => (
            <SavedKeyFacts key={`${saved.file}:${saved.line}`} saved={saved} />
          ))}
        </section>
        <section aria-labelledby={`${id}-presented`} className="key-card key-card-new" data-testid="presented-key">
          <h3 id={`${id}-presented`}>Presented now</h3>
          <dl className="facts">
            <dt>Key type</dt>
            <dd>{toPlainText(hostKey.type, 100)}</dd>
            <dt>Fingerprint</dt>
            <dd className="fingerprint" data-testid="presented-fingerprint">
              {toPlainText(hostKey.sha256, 200)}
            </dd>
          </dl>
        </section>
      </div>

      <h3 className="subhead">What this can mean</h3>
      <ul className="meanings">
        <li>The server was reinstalled or rebuilt, and made new keys.</li>
        <li>Its administrator rotated the host key.</li>
        <li>Someone is intercepting the connection and could read everything you send, passwords included.</li>
      </ul>

      <h3 className="subhead">Replace the saved key</h3>
      <p>
        Only after you have checked the presented fingerprint with the host&apos;s administrator, or on its console (<code>ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub</code>). Hopline removes the saved line{hostKey.changed.saved.length > 1 ? 's' : ''}, keeps the previous file as <code>known_hosts.old</code> beside it, saves the presented key in Hopline&apos;s known_hosts, and goes on connecting.
      </p>
      {userFiles.length > 0 && (
        <label className="check-row">
          <input type="checkbox" checked={editUserFile} onChange={(e) => setEditUserFile(e.target.checked)} />
          <span>
            Also edit <code>{toPlainText(userFiles.join(', '), 500)}</code>, my own known_hosts that ssh reads too
          </span>
        </label>
      )}
      <div className="prompt-field key-confirm">
        <label htmlFor={`${id}-confirm`}>
          Type <strong className="fingerprint">{toPlainText(name, 200)}</strong> to confirm
        </label>
        <input id={`${id}-confirm`} value={typed} onChange={(e) => setTyped(e.target.value)} autoComplete="off" spellCheck={false} aria-describedby={`${id}-confirm-state`} />
        <p id={`${id}-confirm-state`} className="hint" aria-live="polite">
          {typed === '' ? 'The replace button stays off until the name matches.' : nameMatches ? 'The name matches.' : 'The name does not match yet.'}
        </p>
      </div>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      <div className="actions">
        <button type="button" className="danger" disabled={!ready} onClick={() => onDecide(userFiles.length > 0 ? 'replace-in-user-file' : 'replace')}>
          Replace the saved key
        </button>
        <button type="button" data-autofocus onClick={() => onDecide('reject')}>
          Don&apos;t connect
        </button>
      </div>
    </Modal>
  );
}
