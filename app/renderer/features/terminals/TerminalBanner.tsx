import { ErrorCode } from '../../../shared/model/errors';
import { toPlainText } from '../../../shared/model/plainText';
import type { TabStatus } from '../../stores/terminalsLogic';
import { ErrorMessage } from '../../components/ErrorMessage';

/**
 * What became of the tab's shell, inline above the terminal: a lost connection names the hop
 * that failed and offers Reconnect; a remote exit shows its status.
 */
export function TerminalBanner({ status, targetName, onReconnect }: { status: TabStatus; targetName: string; onReconnect(): void }) {
  if (status.kind === 'starting' || status.kind === 'opening') {
    return (
      <p className="terminal-note" role="status">
        Starting a shell on {toPlainText(targetName, 200)}…
      </p>
    );
  }
  if (status.kind === 'exited') {
    const how = status.signal ? `was killed by signal ${toPlainText(status.signal, 20)}` : status.exitCode === null ? 'exited' : `exited with status ${status.exitCode}`;
    return (
      <div className="terminal-banner terminal-exited" role="status">
        <p>The shell {how}.</p>
        <button type="button" className="secondary small" onClick={onReconnect}>
          Start a new shell
        </button>
      </div>
    );
  }
  if (status.kind !== 'ended') return null;
  if (status.cause === 'user') {
    // The user's own Disconnect: nothing went wrong, so no error colour and no code.
    return (
      <div className="terminal-banner terminal-exited" role="status" data-testid="terminal-ended-by-user">
        <p>You disconnected this terminal; its shell has ended.</p>
        <button type="button" className="secondary small" onClick={onReconnect}>
          Reconnect
        </button>
      </div>
    );
  }
  if (status.cause === 'backend-restarted') {
    return (
      <div className="terminal-banner terminal-restarted" role="alert" data-testid="terminal-backend-restarted">
        <p>
          <strong>Hopline’s backend restarted, so this shell ended.</strong> Its circuit closed with it; Reconnect opens it again.
        </p>
        <button type="button" onClick={onReconnect}>
          Reconnect
        </button>
      </div>
    );
  }
  const { reason } = status;
  // A shell that never started did not lose anything: the circuit could not be opened.
  const never = status.terminalId === null && reason.code !== ErrorCode.DISCONNECTED;
  const hop = reason.hop ? `hop ${reason.hop.index + 1} (${toPlainText(reason.hop.name, 200)})` : null;
  const title = never ? (hop ? `Could not connect: ${hop} failed` : 'Could not connect') : hop ? `Connection lost at ${hop}` : 'The terminal ended';
  return (
    <div className="terminal-banner terminal-ended" role="alert">
      <p>
        <strong>{title}</strong>
      </p>
      {/* One plain sentence; the code and the raw text wait under "Details". */}
      <div data-testid="terminal-end-message" data-code={reason.code}>
        <ErrorMessage error={reason} />
      </div>
      <button type="button" onClick={onReconnect}>
        {never ? 'Retry' : 'Reconnect'}
      </button>
    </div>
  );
}
