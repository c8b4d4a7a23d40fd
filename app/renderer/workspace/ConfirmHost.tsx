import { ConfirmDialog } from '../components/ConfirmDialog';
import { useConfirmStore } from '../stores/useConfirmStore';

/** Shows the question useConfirmStore holds (closing a live tab, a Disconnect), if any. */
export function ConfirmHost() {
  const request = useConfirmStore((s) => s.request);
  const answer = useConfirmStore((s) => s.answer);
  if (!request) return null;
  return (
    <ConfirmDialog
      key={request.seq}
      title={request.title}
      body={request.body}
      confirmLabel={request.confirmLabel}
      onConfirm={() => answer(true)}
      onCancel={() => answer(false)}
      testId={`confirm-${request.kind}`}
      {...(request.typeToConfirm !== undefined ? { typeToConfirm: request.typeToConfirm } : {})}
    />
  );
}
