import { rememberLabel } from '../../stores/credentialsLogic';
import { useCircuitsStore } from '../../stores/useCircuitsStore';
import { useCredentialsStore } from '../../stores/useCredentialsStore';
import { usePromptsStore } from '../../stores/usePromptsStore';
import { HostKeyDialog } from './HostKeyDialog';
import { HostKeyWarningDialog } from './HostKeyWarningDialog';
import { PromptDialog } from './PromptDialog';

/**
 * Shows one modal at a time: a changed/revoked key warning first (it explains a refusal that
 * already happened), then the oldest waiting question. Each dialog is keyed by its request so a
 * new question never inherits the previous one's typing.
 */
export function DialogHost() {
  const alert = useCircuitsStore((s) => s.hostKeyAlerts[0]);
  const dismissAlert = useCircuitsStore((s) => s.dismissHostKeyAlert);
  const request = usePromptsStore((s) => s.requests[0]);
  const failure = usePromptsStore((s) => s.error);
  const answer = usePromptsStore((s) => s.answer);
  const decideHostKey = usePromptsStore((s) => s.decideHostKey);
  const cancel = usePromptsStore((s) => s.cancel);
  const status = useCredentialsStore((s) => s.status);

  if (alert) return <HostKeyWarningDialog key={alert.circuitId} alert={alert} onClose={() => dismissAlert(alert.circuitId)} />;
  if (!request) return null;
  const error = failure?.promptId === request.id ? failure.message : null;
  if (request.kind === 'host-key') {
    return <HostKeyDialog key={request.id} request={request} error={error} onDecide={(decision) => void decideHostKey(request.id, decision)} />;
  }
  return (
    <PromptDialog
      key={request.id}
      request={request}
      rememberLabel={rememberLabel(status)}
      error={error}
      onAnswer={(answers, remember) => answer(request.id, answers, remember)}
      onCancel={() => void cancel(request.id)}
    />
  );
}
