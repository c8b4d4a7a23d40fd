import { useId } from 'react';
import { toPlainText } from '../../../shared/model/plainText';
import { hostCertificateFacts } from '../../../shared/model/hostCertificateFacts';
import type { HostKeyDecision, PromptRequest } from '../../../shared/model/prompt';
import { Modal } from '../../components/Modal';
import { hopLabel } from '../../stores/promptsLogic';
import { HostKeyChangedDialog } from './HostKeyChangedDialog';

/**
 * An unknown host key (or, through HostKeyChangedDialog, a changed one): the user decides with the fingerprint in front of them. Focus starts on
 * "Reject" so a reflexive Enter never trusts a key.
 */
export function HostKeyDialog({ request, error, onDecide }: { request: PromptRequest; error: string | null; onDecide(decision: HostKeyDecision): void }) {
  const id = useId();
  const key = request.hostKey;
  // A key that differs from a saved one is a different question, with its own dialog.
  if (key?.changed) return <HostKeyChangedDialog request={request} hostKey={{ ...key, changed: key.changed }} error={error} onDecide={onDecide} />;
  return (
    <Modal labelledBy={`${id}-title ${id}-hop`} describedBy={`${id}-explain`} onEscape={() => onDecide('reject')}>
      <h2 id={`${id}-title`}>Unknown host key</h2>
      <p id={`${id}-hop`} className="hop-label">
        {hopLabel(request)}
      </p>
      <p id={`${id}-explain`}>Hopline has no saved key for this host. Compare the fingerprint with one you got from the host&apos;s administrator before trusting it.</p>
      {key ? (
        <dl className="facts">
          <dt>Host</dt>
          <dd>{toPlainText(`${key.host}:${key.port}`, 300)}</dd>
          <dt>Key type</dt>
          <dd>{toPlainText(key.type, 100)}</dd>
          <dt>Fingerprint</dt>
          <dd className="fingerprint" data-testid="host-key-fingerprint">
            {toPlainText(key.sha256, 200)}
          </dd>
          {key.certificate && (
            <>
              <dt>Certificate</dt>
              <dd className="warning" data-testid="host-key-certificate">
                Presented, but not accepted: {toPlainText(key.certificate.problem ?? 'no reason given', 600)}. {hostCertificateFacts(key.certificate)}. The key above is the certificate&apos;s own key, checked as if it had none.
              </dd>
            </>
          )}
          {key.otherKnownTypes.length > 0 && (
            <>
              <dt>Already known</dt>
              <dd className="warning">
                Keys of type {toPlainText(key.otherKnownTypes.join(', '), 300)} are already saved for this host. A new key type can follow a server upgrade, or be a sign that someone is in the middle.
              </dd>
            </>
          )}
        </dl>
      ) : (
        <p className="error">The engine sent no key details; reject and try again.</p>
      )}
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      <div className="actions">
        <button type="button" onClick={() => onDecide('accept-once')} disabled={!key}>
          Accept once
        </button>
        <button type="button" onClick={() => onDecide('accept-and-save')} disabled={!key}>
          Accept and save
        </button>
        <button type="button" className="secondary danger" data-autofocus onClick={() => onDecide('reject')}>
          Reject
        </button>
      </div>
    </Modal>
  );
}

