import { Unplug } from 'lucide-react';
import { useEffect, useState } from 'react';
import { retryLinkNow } from '../rpc';
import { useAppStore } from '../stores/useAppStore';
import { linkDownText } from './backendLink';

/** True while the backend cannot be reached: views grey out and take no input. */
export function useBackendDown(): boolean {
  return useAppStore((s) => s.backendDown);
}

/**
 * Over a terminal or circuit view while Hopline's backend is unreachable: says so, with the
 * reconnection's progress, over the greyed-out (inert) view. Gone when the link is back.
 * Not a live region: the status bar's status announces the loss once, and a countdown read out
 * every second in every pane would drown everything else.
 */
export function BackendLostOverlay() {
  const link = useAppStore((s) => s.link);
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 500);
    return () => clearInterval(timer);
  }, []);
  return (
    <div className="backend-lost" data-testid="backend-lost">
      <div className="backend-lost-card">
        <Unplug size={18} aria-hidden />
        <p>{linkDownText(link, now)}</p>
        {!link.authRejected && (
          <button type="button" className="secondary small" onClick={retryLinkNow}>
            Try now
          </button>
        )}
      </div>
    </div>
  );
}
