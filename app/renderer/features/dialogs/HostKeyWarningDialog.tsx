import { useId } from 'react';
import { ErrorCode } from '../../../shared/model/errors';
import { toPlainText } from '../../../shared/model/plainText';
import { Modal } from '../../components/Modal';
import type { HostKeyAlert } from '../../stores/circuitsLogic';

/**
 * A changed or revoked host key. The engine has already refused the connection; this dialog
 * tells the user why and deliberately offers no way to accept the key from here.
 */
export function HostKeyWarningDialog({ alert, onClose }: { alert: HostKeyAlert; onClose(): void }) {
  const id = useId();
  const revoked = alert.error.code === ErrorCode.HOST_KEY_REVOKED;
  const hop = alert.error.hop;
  const where = hop ? `hop ${hop.index + 1}${alert.hopCount ? ` of ${alert.hopCount}` : ''} · ${toPlainText(hop.name, 200)}` : 'a hop of this circuit';
  return (
    <Modal role="alertdialog" labelledBy={`${id}-title ${id}-hop`} describedBy={`${id}-message`} onEscape={onClose} className="modal-danger">
      <h2 id={`${id}-title`}>{revoked ? 'Host key revoked: connection refused' : 'Host key changed: connection refused'}</h2>
      <p id={`${id}-hop`} className="hop-label">
        {where}
      </p>
      <p id={`${id}-message`} className="server-text">
        {toPlainText(alert.error.message)}
      </p>
      <p>
        {revoked
          ? 'This key is marked as revoked in your known_hosts. Do not connect to this host until its administrator has replaced the key.'
          : 'Someone may be intercepting the connection, or the host was reinstalled. Check the new fingerprint with the host\u2019s administrator, then update known_hosts yourself; Hopline will not replace a saved key from here.'}
      </p>
      <div className="actions">
        <button type="button" data-autofocus onClick={onClose}>
          Close
        </button>
      </div>
    </Modal>
  );
}
