import { useMemo, useState } from 'react';
import { TERMINAL_DEFAULTS, type ProfileSummary } from '../../../shared/model/profile';
import { describeError } from '../../stores/describeError';
import { hostEndpoint } from '../../stores/hostsLogic';
import { useBuilderStore } from '../../stores/useBuilderStore';
import { useCircuitsStore } from '../../stores/useCircuitsStore';
import { useHostsStore } from '../../stores/useHostsStore';
import { useProfilesStore } from '../../stores/useProfilesStore';
import { builderProblems } from './builderProblems';
import { ChainEditor, type ChainHopView } from './ChainEditor';
import { ExportPreview } from './ExportPreview';
import { SaveProfileForm, type ProfileFields } from './SaveProfileForm';

/** The builder pane: the chain, its problems, and what can be done with it (connect, export, save). */
export function CircuitBuilder() {
  const hostIds = useBuilderStore((s) => s.hostIds);
  const profile = useBuilderStore((s) => s.profile);
  const announcement = useBuilderStore((s) => s.announcement);
  const setChain = useBuilderStore((s) => s.setChain);
  const addHost = useBuilderStore((s) => s.addHost);
  const attachProfile = useBuilderStore((s) => s.attachProfile);
  const clear = useBuilderStore((s) => s.clear);
  const hosts = useHostsStore((s) => s.hosts);
  const hostsLoaded = useHostsStore((s) => s.loaded);
  const openCircuit = useCircuitsStore((s) => s.open);
  const opening = useCircuitsStore((s) => s.pending !== null);
  const preview = useCircuitsStore((s) => s.preview);
  const saveProfile = useProfilesStore((s) => s.save);
  const [saving, setSaving] = useState(false);
  const [pick, setPick] = useState('');
  const [saveError, setSaveError] = useState<string | null>(null);

  const byId = useMemo(() => new Map(hosts.map((h) => [h.id, h])), [hosts]);
  const problems = useMemo(() => (hostsLoaded ? builderProblems(hostIds, byId) : []), [hostIds, byId, hostsLoaded]);
  const hops: ChainHopView[] = hostIds.map((id, index) => {
    const host = byId.get(id);
    return {
      hostId: id,
      name: host?.name ?? (hostsLoaded ? 'Deleted host' : 'Loading…'),
      detail: host ? hostEndpoint(host) : id,
      problems: problems.filter((p) => p.index === index).map((p) => p.message),
    };
  });
  // An empty chain is where everyone starts: Connect waits for a host without calling that a problem.
  const chainProblems = hostIds.length === 0 ? [] : problems.filter((p) => p.index === null || p.index >= hostIds.length);
  const blocked = !hostsLoaded || hostIds.length === 0 || problems.length > 0;

  async function save(fields: ProfileFields, id?: string) {
    const saved = await saveProfile({ ...(id ? { id } : {}), ...fields, hostIds, terminal: profile?.terminal ?? TERMINAL_DEFAULTS });
    attachProfile(saved);
    setSaving(false);
    setSaveError(null);
  }

  async function saveChanges(current: ProfileSummary) {
    try {
      await save({ name: current.name, folder: current.folder, tags: current.tags }, current.id);
    } catch (error) {
      setSaveError(describeError(error));
    }
  }

  return (
    <section className="panel builder" aria-labelledby="builder-title">
      <div className="panel-head">
        <h2 id="builder-title">Circuit</h2>
        {profile && <span className="muted">Editing profile {profile.name}</span>}
      </div>
      <ChainEditor
        hops={hops}
        announcement={announcement}
        onChange={setChain}
        onInsertHost={(hostId, index) => addHost(hostId, byId.get(hostId)?.name ?? 'Host', index)}
      />
      <form
        className="add-hop"
        onSubmit={(event) => {
          event.preventDefault();
          const host = byId.get(pick);
          if (host) addHost(host.id, host.name);
        }}
      >
        <label htmlFor="builder-add-hop">Add a saved host as the next hop</label>
        <div className="input-row">
          <select id="builder-add-hop" value={pick} onChange={(e) => setPick(e.target.value)}>
            <option value="">Choose a host…</option>
            {hosts.map((h) => (
              <option key={h.id} value={h.id}>
                {h.name} ({hostEndpoint(h)})
              </option>
            ))}
          </select>
          <button type="submit" className="secondary" disabled={!byId.has(pick)}>
            Add hop
          </button>
        </div>
        <p className="hint">Or drag hosts from the library into the chain; Alt+↑/↓ reorders, Delete removes.</p>
      </form>
      {chainProblems.length > 0 && (
        <ul className="problems" aria-label="Circuit problems">
          {chainProblems.map((p, i) => (
            <li key={i}>{p.message}</li>
          ))}
        </ul>
      )}
      <div className="actions">
        <button type="button" disabled={blocked || opening} aria-describedby={blocked ? 'builder-blocked' : undefined} onClick={() => void openCircuit(hostIds, profile?.id)}>
          {opening ? 'Connecting…' : 'Connect'}
        </button>
        <button type="button" className="secondary" disabled={hostIds.length === 0} onClick={() => setSaving(true)}>
          Save as profile
        </button>
        {profile && (
          <button type="button" className="secondary" disabled={hostIds.length === 0} onClick={() => void saveChanges(profile)}>
            Save changes to profile
          </button>
        )}
        <button type="button" className="secondary" disabled={hostIds.length === 0 && !profile} onClick={clear}>
          Clear circuit
        </button>
      </div>
      {blocked && hostIds.length > 0 && (
        <p id="builder-blocked" className="hint">
          {hostsLoaded ? `Fix the ${problems.length === 1 ? 'problem' : `${problems.length} problems`} shown above to connect.` : 'Loading the hosts library…'}
        </p>
      )}
      {saveError && (
        <p role="alert" className="error">
          {saveError}
        </p>
      )}
      {saving && <SaveProfileForm initial={{ name: '', folder: profile?.folder ?? '', tags: profile?.tags ?? [] }} onSave={(fields) => save(fields)} onCancel={() => setSaving(false)} />}
      {/* A saved profile's preview carries its forwards too, as `hopline export` writes them. */}
      <ExportPreview key={`${profile?.id ?? ''}:${hostIds.join(',')}`} disabled={hostIds.length === 0} onPreview={() => preview(hostIds, profile?.id)} />
    </section>
  );
}
