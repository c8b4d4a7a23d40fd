/**
 * "Use from other tools" (issue 15): the ssh_config Host block that sends the circuit's profile
 * through `hopline proxy` (the same text `hopline ssh-config` prints), to read, select or copy;
 * and the external sessions (ssh, scp, rsync, git, VS Code) riding this circuit now, live.
 * Shown in the terminal panel's circuit details, under the port forwards.
 */
import { useEffect, useId, useRef, useState } from 'react';
import type { GatewaySession } from '../../../shared/contract/gateway';
import { toPlainText } from '../../../shared/model/plainText';

import { blockRidesCircuit, destinationText, explanationText, peerPid, peerText, sessionsOn, startedText } from '../../stores/gatewayLogic';
import { useGatewayStore } from '../../stores/useGatewayStore';
import { useHostsStore } from '../../stores/useHostsStore';
import { useProfilesStore } from '../../stores/useProfilesStore';
import { copyText } from './copyText';
import './gateway.css';
import { formatBytes } from '../../../shared/model/byteSize';

interface GatewayPanelProps {
  circuitId: string;
  /** The saved profile the circuit was opened from, or null (a circuit built by hand). */
  profileId: string | null;
}

export function GatewayPanel({ circuitId, profileId }: GatewayPanelProps) {
  const headingRef = useRef<HTMLHeadingElement>(null);
  const headingId = useId();
  const sessionsId = useId();
  const allSessions = useGatewayStore((s) => s.sessions);
  const reveal = useGatewayStore((s) => (s.reveal?.circuitId === circuitId ? s.reveal : null));
  const [notice, setNotice] = useState<string | null>(null);
  const sessions = sessionsOn(allSessions, circuitId);

  // The palette asked for this panel: bring it into view with the focus, and say what it did.
  useEffect(() => {
    if (!reveal) return;
    headingRef.current?.scrollIntoView({ block: 'start' });
    headingRef.current?.focus();
    if (reveal.notice) setNotice(reveal.notice);
    useGatewayStore.getState().clearReveal(reveal.n);
  }, [reveal]);

  return (
    <section className="gateway" aria-labelledby={headingId} data-testid="gateway-panel">
      <h3 id={headingId} ref={headingRef} tabIndex={-1}>
        Use from other tools
      </h3>
      {profileId ? (
        <SshConfigBlockView profileId={profileId} notice={notice} onNotice={setNotice} />
      ) : (
        <p className="hint">
          Save this circuit as a profile to use it from other tools: Hopline then writes an ssh_config Host block that sends ssh, scp, rsync, git and VS Code
          Remote-SSH through this circuit’s hops.
        </p>
      )}
      <h4 id={sessionsId}>
        External sessions on this circuit <span className="gateway-count">({sessions.length})</span>
      </h4>
      {sessions.length === 0 ? (
        <p className="muted" data-testid="gateway-empty">
          None now. A session started through <code>hopline proxy</code> shows here while it rides this circuit.
        </p>
      ) : (
        <ul className="gateway-sessions" aria-labelledby={sessionsId} data-testid="gateway-sessions">
          {sessions.map((s) => (
            <SessionRow key={s.id} session={s} />
          ))}
        </ul>
      )}
    </section>
  );
}

function SshConfigBlockView({ profileId, notice, onNotice }: { profileId: string; notice: string | null; onNotice(text: string | null): void }) {
  const state = useGatewayStore((s) => s.blocks[profileId]);
  const profile = useProfilesStore((s) => s.profiles.find((p) => p.id === profileId));
  const hosts = useHostsStore((s) => s.hosts);
  const textId = useId();
  const explainId = useId();

  // Asked again when the profile or any host changes: the block names the target's address, user and keys.
  useEffect(() => {
    useGatewayStore
      .getState()
      .loadBlock(profileId)
      .catch(() => undefined);
  }, [profileId, profile, hosts]);

  if (!state || state.status === 'loading') return <p className="muted">Writing the ssh_config block…</p>;
  if (state.status === 'failed')
    return (
      <p className="error" role="alert">
        {state.message}
      </p>
    );
  const { text, hostAlias } = state.block;
  const rides = blockRidesCircuit(text);
  const alias = toPlainText(hostAlias, 200);
  const lines = text.split('\n').length;

  async function copy() {
    onNotice((await copyText(text)) ? `Copied the Host block for ${alias}: paste it into ~/.ssh/config.` : 'The clipboard is not available here: select the block and copy it.');
  }

  return (
    <>
      <p id={explainId} className="gateway-explain" data-testid="gateway-explain">
        {rides ? explanationText(alias) : `This profile has one hop: ssh ${alias} connects to it directly, not through this circuit.`}
      </p>
      <label htmlFor={textId} className="gateway-label">
        ssh_config block (add it to ~/.ssh/config; <code>hopline ssh-config</code> prints the same)
      </label>
      <textarea
        id={textId}
        className="gateway-block"
        data-testid="gateway-block"
        readOnly
        wrap="off"
        spellCheck={false}
        rows={Math.min(lines, 14)}
        value={toPlainText(text, 20_000)}
        aria-describedby={explainId}
      />
      <div className="actions">
        <button type="button" className="secondary small" onClick={() => void copy()}>
          Copy ssh_config block
        </button>
      </div>
      {notice && (
        <p className="hint" role="status" data-testid="gateway-notice">
          {notice}
        </p>
      )}
    </>
  );
}

function SessionRow({ session }: { session: GatewaySession }) {
  const pid = peerPid(session);
  return (
    <li className="gateway-session" data-testid="gateway-session" data-session-id={session.id}>
      <div className="gateway-session-head">
        <span className="gateway-peer" data-testid="gateway-peer">
          {peerText(session)}
        </span>
        {pid && <span className="gateway-pid muted">{pid}</span>}
      </div>
      <p className="gateway-session-detail">
        <span>{destinationText(session)}</span> · <span>{startedText(session.startedAt)}</span> · <span>{formatBytes(session.bytesToRemote)} out</span> ·{' '}
        <span>{formatBytes(session.bytesFromRemote)} in</span>
      </p>
    </li>
  );
}
