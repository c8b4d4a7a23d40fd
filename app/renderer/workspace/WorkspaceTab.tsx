import type { IDockviewPanelHeaderProps } from 'dockview-react';
import { ArrowLeftRight, Cable, CircleAlert, CircleSlash, FolderOpen, LoaderCircle, Route, Settings, SquareTerminal, Unplug, X } from 'lucide-react';
import { useEffect, useMemo, useState, type ReactNode } from 'react';
import { requestCloseTab } from '../stores/sessionEnding';
import { useAppStore } from '../stores/useAppStore';
import { useCircuitsStore } from '../stores/useCircuitsStore';
import { forwardsCountText } from '../stores/forwardsLogic';
import { useForwardsStore } from '../stores/useForwardsStore';
import { ridingText } from '../stores/gatewayLogic';
import { useGatewayStore } from '../stores/useGatewayStore';
import { useProfilesStore } from '../stores/useProfilesStore';
import { useTerminalsStore } from '../stores/useTerminalsStore';
import { BUILDER_PANEL, filesCircuitOf, SETTINGS_PANEL } from '../stores/useWorkspaceStore';
import { tabLabels, type TabLabel, type TabState } from '../stores/workspaceLayout';

const STATE_TEXT: Record<TabState, string> = {
  connecting: 'connecting',
  running: '',
  exited: 'ended',
  lost: 'connection lost',
  failed: 'failed',
};

function StateIcon({ state }: { state: TabState }) {
  const props = { size: 14, 'aria-hidden': true, className: `tab-icon tab-icon-${state}` } as const;
  if (state === 'connecting') return <LoaderCircle {...props} />;
  if (state === 'running') return <SquareTerminal {...props} />;
  if (state === 'exited') return <CircleSlash {...props} />;
  return <CircleAlert {...props} />;
}

/** The label of one terminal tab, recomputed only when tabs, circuits or profiles change. */
function useTabLabel(key: string): TabLabel | undefined {
  const tabs = useTerminalsStore((s) => s.tabs);
  const circuits = useCircuitsStore((s) => s.circuits);
  const profiles = useProfilesStore((s) => s.profiles);
  return useMemo(() => tabLabels(tabs, circuits, new Map(profiles.map((p) => [p.id, p]))).get(key), [tabs, circuits, profiles, key]);
}

/** How many forwards of the tab's circuit are listening (0 for other panels). */
function useListeningForwards(key: string): number {
  const circuitId = useTerminalsStore((s) => s.tabs.find((t) => t.key === key)?.circuitId);
  return useForwardsStore((s) => (circuitId ? (s.listening[circuitId] ?? 0) : 0));
}

/** How many external sessions (ssh, scp, git… through `hopline proxy`) ride the tab's circuit. */
function useRidingSessions(key: string): number {
  const circuitId = useTerminalsStore((s) => s.tabs.find((t) => t.key === key)?.circuitId);
  return useGatewayStore((s) => (circuitId ? (s.riding[circuitId] ?? 0) : 0));
}

/**
 * A workspace tab: state icon, profile colour, the label, and a close mark. The close mark is
 * for the mouse only (dockview's tab is the one focusable element; Ctrl+Shift+W or Delete closes
 * from the keyboard), so no button is nested in the tab.
 */
export function WorkspaceTab({ api }: IDockviewPanelHeaderProps) {
  const label = useTabLabel(api.id);
  const forwards = useListeningForwards(api.id);
  const riding = useRidingSessions(api.id);
  // No terminal is live while the backend is unreachable: its tab does not look it either.
  const backendDown = useAppStore((s) => s.backendDown);
  const [panelTitle, setPanelTitle] = useState(api.title);
  useEffect(() => {
    const sub = api.onDidTitleChange((event) => setPanelTitle(event.title));
    return () => sub.dispose();
  }, [api]);
  let icon: ReactNode;
  let title: string;
  let description = '';
  if (api.id === BUILDER_PANEL) {
    icon = <Route size={14} aria-hidden className="tab-icon" />;
    title = panelTitle ?? 'New circuit';
  } else if (api.id === SETTINGS_PANEL) {
    icon = <Settings size={14} aria-hidden className="tab-icon" />;
    title = 'Settings';
  } else if (filesCircuitOf(api.id) !== null) {
    icon = <FolderOpen size={14} aria-hidden className="tab-icon" />;
    title = panelTitle ?? 'Files';
  } else {
    const state = label?.state ?? 'connecting';
    icon = backendDown ? <Unplug size={14} aria-hidden className="tab-icon" /> : <StateIcon state={state} />;
    title = label?.title ?? panelTitle ?? 'Terminal';
    description = backendDown ? 'backend unreachable' : STATE_TEXT[state];
  }
  return (
    <div
      className={`hl-tab${label?.color ? ` hl-tab-color hl-color-${label.color}` : ''}`}
      title={label?.route ? `${title} — ${label.route}` : title}
      data-testid={`workspace-tab-${api.id}`}
      data-state={label?.state}
      onKeyDown={(event) => {
        if (event.key === 'Delete') {
          event.preventDefault();
          void requestCloseTab(api.id, () => api.close());
        }
      }}
      onAuxClick={(event) => {
        // Middle click closes, as in every tabbed terminal.
        if (event.button === 1) void requestCloseTab(api.id, () => api.close());
      }}
    >
      {icon}
      <span className="hl-tab-title">{title}</span>
      {description && <span className="sr-only">, {description}</span>}
      {forwards > 0 && !backendDown && (
        <span className="hl-tab-forwards" role="img" aria-label={forwardsCountText(forwards)} title={`${forwardsCountText(forwards)} listening`} data-testid="tab-forwards">
          <ArrowLeftRight size={12} aria-hidden />
          {forwards}
        </span>
      )}
      {riding > 0 && !backendDown && (
        <span className="hl-tab-riding" role="img" aria-label={ridingText(riding)} title={`${ridingText(riding)} ${riding === 1 ? 'rides' : 'ride'} this circuit through hopline proxy`} data-testid="tab-riding">
          <Cable size={12} aria-hidden />
          {riding}
        </span>
      )}
      <span
        className="hl-tab-close"
        aria-hidden
        onPointerDown={(event) => event.stopPropagation()}
        onClick={(event) => {
          event.stopPropagation();
          void requestCloseTab(api.id, () => api.close());
        }}
      >
        <X size={13} />
      </span>
    </div>
  );
}
