import { useId } from 'react';
import { ErrorCode } from '../../../shared/model/errors';
import { hopName } from '../../../shared/model/hopName';
import { toPlainText } from '../../../shared/model/plainText';
import { Modal } from '../../components/Modal';
import type { HostKeyAlert } from '../../stores/circuitsLogic';

/**
 * A host key the engine refused outright: revoked (as ssh, Hopline never connects to a key
 * marked @revoked, and offers no way around it), or changed where no replacement was offered.
 * A changed key the person may replace is asked in HostKeyChangedDialog instead.
 */
export function HostKeyWarningDialog({ alert, onClose }: { alert: HostKeyAlert; onClose(): void }) {
  const id = useId();
  const revoked = alert.error.code === ErrorCode.HOST_KEY_REVOKED;
  const hop = alert.error.hop;
  // `hop N (name)`: the one form every message uses for a hop.
  const where = hop ? hopName({ index: hop.index, name: toPlainText(hop.name, 200) }) : 'a hop of this circuit';
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
          ? 'A revoked key can never be trusted again, so there is no way to accept it, here or anywhere else in Hopline. Ask the host\u2019s administrator to install a new host key.'
          : 'Someone may be intercepting the connection, or the host was reinstalled. Check the new fingerprint with the host\u2019s administrator; connecting again from the app shows the saved and presented keys side by side and lets you replace the saved one.'}
      </p>
      <div className="actions">
        <button type="button" data-autofocus onClick={onClose}>
          Close
        </button>
      </div>
    </Modal>
  );
}
