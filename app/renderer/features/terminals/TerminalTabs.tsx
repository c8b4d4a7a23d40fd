import type { KeyboardEvent } from 'react';
import { tabStatusText, type TerminalTab } from '../../stores/terminalsLogic';

export function tabDomId(key: string): string {
  return `terminal-tab-${key}`;
}

export function panelDomId(key: string): string {
  return `terminal-panel-${key}`;
}

interface TerminalTabsProps {
  tabs: TerminalTab[];
  activeKey: string | null;
  /** `pointer`: chosen with the mouse, so the terminal takes the focus; by keyboard it stays on the tab. */
  onActivate(key: string, pointer: boolean): void;
  onClose(key: string): void;
  onNew(): void;
  /** Opens the find box of the selected terminal. */
  onFind(): void;
  /** Why a new terminal cannot be opened now (the circuit is not open), or null. */
  newDisabledReason: string | null;
}

/**
 * The tab strip: "Terminal N" tabs (arrow keys, Home/End move between them, Delete closes the
 * focused one), a close button per tab ("Close terminal N"), and "New terminal". A tab's name
 * stays "Terminal N"; its state ("exited 3") is its description.
 */
export function TerminalTabs({ tabs, activeKey, onActivate, onClose, onNew, onFind, newDisabledReason }: TerminalTabsProps) {
  function focusTab(key: string) {
    document.getElementById(tabDomId(key))?.focus();
  }

  function onKeyDown(event: KeyboardEvent<HTMLDivElement>) {
    const index = tabs.findIndex((t) => t.key === activeKey);
    if (index < 0) return;
    let next: TerminalTab | undefined;
    if (event.key === 'ArrowRight') next = tabs[(index + 1) % tabs.length];
    else if (event.key === 'ArrowLeft') next = tabs[(index - 1 + tabs.length) % tabs.length];
    else if (event.key === 'Home') next = tabs[0];
    else if (event.key === 'End') next = tabs[tabs.length - 1];
    else if (event.key === 'Delete' && (event.target as HTMLElement).getAttribute('role') === 'tab') {
      event.preventDefault();
      const neighbour = tabs[index + 1] ?? tabs[index - 1];
      onClose(tabs[index]!.key);
      if (neighbour) focusTab(neighbour.key);
      return;
    }
    if (!next) return;
    event.preventDefault();
    onActivate(next.key, false);
    focusTab(next.key);
  }

  return (
    <div className="terminal-tabs">
      <div role="tablist" aria-label="Terminals" onKeyDown={onKeyDown}>
        {tabs.map((tab) => {
          const selected = tab.key === activeKey;
          const status = tabStatusText(tab.status);
          const statusId = `${tabDomId(tab.key)}-status`;
          return (
            <span key={tab.key} className={`terminal-tab${selected ? ' selected' : ''} terminal-tab-${tab.status.kind}`}>
              <button
                type="button"
                role="tab"
                id={tabDomId(tab.key)}
                aria-selected={selected}
                aria-controls={panelDomId(tab.key)}
                aria-label={`Terminal ${tab.number}`}
                aria-describedby={status ? statusId : undefined}
                tabIndex={selected ? 0 : -1}
                onClick={() => onActivate(tab.key, true)}
              >
                Terminal {tab.number}
                {status && (
                  <span id={statusId} className="terminal-tab-status" data-testid={`terminal-tab-status-${tab.number}`}>
                    {status}
                  </span>
                )}
              </button>
              <button type="button" className="terminal-tab-close" aria-label={`Close terminal ${tab.number}`} title={`Close terminal ${tab.number}`} tabIndex={selected ? 0 : -1} onClick={() => onClose(tab.key)}>
                ×
              </button>
            </span>
          );
        })}
      </div>
      <button type="button" className="secondary small" onClick={onNew} disabled={newDisabledReason !== null} title={newDisabledReason ?? undefined}>
        New terminal
      </button>
      <button type="button" className="secondary small terminal-find" onClick={onFind} disabled={activeKey === null} aria-keyshortcuts="Control+Shift+F" title="Find in terminal (Ctrl+Shift+F)">
        Find
      </button>
    </div>
  );
}
