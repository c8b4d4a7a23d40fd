import type { ReactNode } from 'react';

/** A one-time notice across the top of the window, dismissed by the user. */
export function Banner({ tone = 'warning', children, onDismiss }: { tone?: 'warning' | 'error'; children: ReactNode; onDismiss: () => void }) {
  return (
    <div className={`banner banner-${tone}`} role={tone === 'error' ? 'alert' : 'status'}>
      <span className="banner-text">{children}</span>
      <button type="button" className="secondary" onClick={onDismiss}>
        Dismiss
      </button>
    </div>
  );
}
