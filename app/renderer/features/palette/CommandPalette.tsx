import { Command } from 'cmdk';
import { Command as CommandIcon, Plug, Route, Server } from 'lucide-react';
import { useId, useLayoutEffect, useMemo, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';
import { flushSync } from 'react-dom';
import { HoplineError } from '../../../shared/model/errors';
import type { HostInput, HostSummary } from '../../../shared/model/host';
import { formatHopAddress } from '../../../shared/model/hostAddress';
import { toPlainText } from '../../../shared/model/plainText';
import type { ProfileSummary } from '../../../shared/model/profile';
import type { ConnectionDefaults } from '../../../shared/model/settings';
import { connectPlan, describeRoute, planQuickConnect, QUICK_CONNECT_FOLDER, type QuickConnectTarget } from '../../stores/quickConnect';
import { usePaletteStore, type PaletteCommand } from '../../stores/usePaletteStore';
import { entry, rank, type Ranked, type SearchEntry } from './paletteSearch';
import './palette.css';

export interface CommandPaletteProps {
  hosts: HostSummary[];
  profiles: ProfileSummary[];
  onConnectProfile(profile: ProfileSummary): void;
  onConnectHosts(hostIds: string[]): void;
  saveHost(input: HostInput): Promise<HostSummary>;
  connectionDefaults: ConnectionDefaults;
}

export const PALETTE_PLACEHOLDER = 'Connect to user@host, -J a,b user@host, a saved name, or run a command…';

/** Rows per group: a big library still renders a few dozen rows, never thousands. */
const LIMITS = { idle: { profiles: 8, hosts: 8, commands: 50 }, search: { profiles: 15, hosts: 25, commands: 15 } };

/** Whether a line is meant as an address (so a reason it can't be used is worth showing). */
function looksLikeConnectLine(text: string): boolean {
  return /@|^ssh(\s|:\/\/)|^-|\s-[Jpl]/.test(text.trim());
}

function plainMessage(error: unknown): string {
  return error instanceof HoplineError ? toPlainText(error.message, 500) : 'Something went wrong. Try again.';
}

function hostAddressText(host: HostSummary): string {
  return formatHopAddress({ user: host.user, host: host.address, port: host.port });
}

type Group = { key: 'profiles'; heading: string; rows: Ranked<ProfileSummary>[] } | { key: 'hosts'; heading: string; rows: Ranked<HostSummary>[] } | { key: 'commands'; heading: string; rows: Ranked<PaletteCommand>[] };

/**
 * The command palette (Ctrl+K / ⌘K): quick connect by `user@host` or an ssh-style `-J` line,
 * saved profiles and hosts by fuzzy search, and the commands features registered. Its own modal
 * overlay around cmdk: a dialog labelled "Command palette", a combobox input and a listbox.
 * Escape closes it and returns the focus where it was; failures show inside it.
 */
export function CommandPalette({ hosts, profiles, onConnectProfile, onConnectHosts, saveHost, connectionDefaults }: CommandPaletteProps) {
  const open = usePaletteStore((s) => s.open);
  const commands = usePaletteStore((s) => s.commands);
  const [query, setQuery] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const inputRef = useRef<HTMLInputElement>(null);
  const hintId = useId();
  const errorId = useId();

  useLayoutEffect(() => {
    if (!open) return;
    const previous = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    inputRef.current?.focus();
    return () => {
      // However it was closed, it opens next time empty.
      setQuery('');
      setError(null);
      setBusy(false);
      if (previous?.isConnected) previous.focus();
    };
  }, [open]);

  const hostsById = useMemo(() => new Map(hosts.map((h) => [h.id, h])), [hosts]);
  const profileEntries = useMemo<SearchEntry<ProfileSummary>[]>(
    () =>
      profiles.map((p) => {
        const hops = p.hostIds.map((id) => hostsById.get(id));
        return entry(p, [p.name, p.folder, ...p.tags, ...hops.flatMap((h) => (h ? [h.name, h.address, h.user, `${h.user}@${h.address}`] : []))]);
      }),
    [profiles, hostsById],
  );
  const hostEntries = useMemo<SearchEntry<HostSummary>[]>(() => hosts.map((h) => entry(h, [h.name, h.folder, ...(h.tags ?? []), h.user, h.address, `${h.user}@${h.address}`])), [hosts]);

  const target = useMemo<{ ok: QuickConnectTarget | null; problem: string | null }>(() => {
    if (!query.trim()) return { ok: null, problem: null };
    try {
      return { ok: planQuickConnect(query, hosts, profiles, connectionDefaults), problem: null };
    } catch (e) {
      return { ok: null, problem: looksLikeConnectLine(query) ? plainMessage(e) : null };
    }
  }, [query, hosts, profiles, connectionDefaults]);

  const groups = useMemo<Group[]>(() => {
    if (!open) return [];
    const limits = query.trim() ? LIMITS.search : LIMITS.idle;
    const enabled = commands.filter((c) => {
      try {
        return c.enabled ? c.enabled() : true;
      } catch {
        return false;
      }
    });
    const commandEntries = enabled.map((c) => entry(c, [c.title, c.group, ...(c.keywords ?? [])]));
    const list: Group[] = [
      { key: 'profiles', heading: 'Profiles', rows: rank(query, profileEntries, limits.profiles) },
      { key: 'hosts', heading: 'Hosts', rows: rank(query, hostEntries, limits.hosts) },
      { key: 'commands', heading: 'Commands', rows: rank(query, commandEntries, limits.commands) },
    ];
    const top = (g: Group) => g.rows[0]?.score ?? 0;
    // Stable: with an empty query every score is 0 and the order above stays.
    return list.filter((g) => g.rows.length > 0).sort((a, b) => top(b) - top(a));
  }, [open, query, commands, profileEntries, hostEntries]);

  if (!open) return null;

  function close() {
    flushSync(() => usePaletteStore.getState().hide());
  }

  /** Closes first (the focus goes back), then acts, so an action may move the focus itself. */
  async function closeThen(action: () => void | Promise<unknown>) {
    close();
    try {
      await action();
    } catch (e) {
      usePaletteStore.getState().show();
      setError(plainMessage(e));
    }
  }

  function act(action: () => void | Promise<unknown>) {
    if (!busy) void closeThen(action);
  }

  async function connect(found: QuickConnectTarget) {
    if (busy) return;
    if (found.kind === 'profile') {
      act(() => onConnectProfile(found.profile));
      return;
    }
    if (found.plan.hops.every((h) => h.kind === 'saved')) {
      act(() => onConnectHosts(found.plan.hops.map((h) => (h.kind === 'saved' ? h.host.id : ''))));
      return;
    }
    // New hosts are saved with the palette still open, so a refusal shows here.
    setBusy(true);
    setError(null);
    try {
      let ids: string[] = [];
      await connectPlan(found.plan, {
        saveHost,
        open: (hostIds) => {
          ids = hostIds;
        },
      });
      void closeThen(() => onConnectHosts(ids));
    } catch (e) {
      setBusy(false);
      setError(plainMessage(e));
    }
  }

  function onKeyDown(event: KeyboardEvent<HTMLDivElement>) {
    if (event.key === 'Escape') {
      event.preventDefault();
      event.stopPropagation();
      close();
    } else if (event.key === 'Tab') {
      // The input is the palette's one stop: arrows move through the list.
      event.preventDefault();
    }
  }

  const describedBy = [error ? errorId : null, target.problem ? hintId : null].filter(Boolean).join(' ') || undefined;

  return (
    <div
      className="palette-backdrop"
      onMouseDown={(event) => {
        if (event.target === event.currentTarget) close();
      }}
    >
      <div role="dialog" aria-modal="true" aria-label="Command palette" className="palette" onKeyDown={onKeyDown}>
        <Command label="Command palette" shouldFilter={false} loop className="palette-command">
          <div className="palette-input-row">
            <Plug size={18} aria-hidden className="palette-input-icon" />
            <Command.Input
              ref={inputRef}
              value={query}
              onValueChange={(value) => {
                setQuery(value);
                if (!busy) setError(null);
              }}
              placeholder={PALETTE_PLACEHOLDER}
              aria-describedby={describedBy}
              spellCheck={false}
              autoComplete="off"
              autoCapitalize="off"
              className="palette-input"
            />
          </div>
          {error && (
            <p id={errorId} role="alert" className="palette-error">
              {error}
            </p>
          )}
          {busy && (
            <p role="status" className="palette-status">
              Saving the new hosts…
            </p>
          )}
          {!error && target.problem && (
            <p id={hintId} className="palette-hint">
              {target.problem}
            </p>
          )}
          <Command.List label="Results" className="palette-list">
            <Command.Empty className="palette-empty">{query.trim() ? target.problem ? 'No saved host, profile or command matches.' : 'Nothing matches. Type user@host to connect to a new host.' : 'Nothing saved yet. Type user@host to connect.'}</Command.Empty>
            {target.ok && (
              <Command.Group heading="Connect">
                <ConnectItem target={target.ok} onSelect={() => void connect(target.ok!)} />
              </Command.Group>
            )}
            {groups.map((group) => (
              <Command.Group key={group.key} heading={group.heading}>
                {group.key === 'profiles' &&
                  group.rows.map(({ item: p }) => (
                    <Command.Item key={p.id} value={`profile:${p.id}`} onSelect={() => act(() => onConnectProfile(p))} className="palette-item">
                      <Route size={16} aria-hidden className="palette-icon" />
                      <span className="palette-text">
                        <span className="palette-title">{p.name}</span>
                        <span className="palette-detail">{p.hostIds.map((id) => hostsById.get(id)?.name ?? 'missing host').join(' → ')}</span>
                      </span>
                      {p.folder && <span className="palette-meta">{p.folder}</span>}
                    </Command.Item>
                  ))}
                {group.key === 'hosts' &&
                  group.rows.map(({ item: h }) => (
                    <Command.Item key={h.id} value={`host:${h.id}`} onSelect={() => act(() => onConnectHosts([h.id]))} className="palette-item">
                      <Server size={16} aria-hidden className="palette-icon" />
                      <span className="palette-text">
                        <span className="palette-title">{h.name}</span>
                        <span className="palette-detail">{hostAddressText(h)}</span>
                      </span>
                      {h.folder && <span className="palette-meta">{h.folder}</span>}
                    </Command.Item>
                  ))}
                {group.key === 'commands' &&
                  group.rows.map(({ item: c }) => (
                    <Command.Item key={c.id} value={`command:${c.id}`} onSelect={() => act(c.run)} className="palette-item">
                      <CommandIcon size={16} aria-hidden className="palette-icon" />
                      <span className="palette-text">
                        <span className="palette-title">{c.title}</span>
                      </span>
                      {c.shortcut && <kbd className="palette-kbd">{c.shortcut}</kbd>}
                    </Command.Item>
                  ))}
              </Command.Group>
            ))}
          </Command.List>
          <p className="palette-footer" aria-hidden>
            <kbd>↑</kbd>
            <kbd>↓</kbd> to move, <kbd>Enter</kbd> to run, <kbd>Esc</kbd> to close
          </p>
        </Command>
      </div>
    </div>
  );
}

function ConnectItem({ target, onSelect }: { target: QuickConnectTarget; onSelect: () => void }) {
  let body: ReactNode;
  if (target.kind === 'profile') {
    body = (
      <>
        <span className="palette-title">Connect to {target.profile.name}</span>
        <span className="palette-detail">Saved profile</span>
      </>
    );
  } else {
    const fresh = target.plan.hops.filter((h, i, all) => h.kind === 'new' && all.indexOf(h) === i);
    body = (
      <>
        <span className="palette-title">
          Connect to{' '}
          <span className="palette-route">
            {target.plan.hops.map((hop, i) => (
              <span key={i}>
                {i > 0 && <span className="palette-arrow"> → </span>}
                <span className={hop.kind === 'new' ? 'palette-hop palette-hop-new' : 'palette-hop'}>{hop.label}</span>
              </span>
            ))}
          </span>
        </span>
        <span className="palette-detail">
          {fresh.length === 0
            ? target.plan.hops.length === 1
              ? 'Saved host'
              : 'All hops are saved hosts'
            : `New: ${fresh.map((h) => h.label).join(', ')} will be saved in “${QUICK_CONNECT_FOLDER}”`}
        </span>
      </>
    );
  }
  return (
    <Command.Item value={`connect:${target.kind === 'profile' ? target.profile.id : describeRoute(target.plan)}`} onSelect={onSelect} className="palette-item palette-connect">
      <Plug size={16} aria-hidden className="palette-icon" />
      <span className="palette-text">{body}</span>
    </Command.Item>
  );
}
