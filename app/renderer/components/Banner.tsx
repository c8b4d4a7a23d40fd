import type { ReactNode } from 'react';

/** A one-time notice across the top of the window, dismissed by the user. */
export function Banner({ tone = 'warning', children, onDismiss }: { tone?: 'warning' | 'error'; children: ReactNode; onDismiss: () => void }) {
  return (
    <div className={`banner banner-${tone}`} role={tone === 'error' ? 'alert' : 'status'}>
      {/* A div: the text may hold a Details disclosure (flow content). */}
      <div className="banner-text">{children}</div>
      <button type="button" className="secondary" onClick={onDismiss}>
        Dismiss
      </button>
    </div>
  );
}
