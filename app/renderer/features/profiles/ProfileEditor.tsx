import { useId, useMemo, useState, type FormEvent, type InputHTMLAttributes } from 'react';
import { PROFILE_COLORS, type ProfileColor, type ProfileInput, type ProfileSummary } from '../../../shared/model/profile';
import { FormFooter } from '../../components/FormFooter';
import { Modal } from '../../components/Modal';
import { describeError } from '../../stores/describeError';
import { useHostsStore } from '../../stores/useHostsStore';
import { useProfilesStore } from '../../stores/useProfilesStore';
import './profileEditor.css';
import { parseTags } from '../../stores/profilesLogic';

export interface ProfileEditorProps {
  profileId: string;
  onDone(): void;
  /** Opens the profile's route in the circuit builder (the route is not edited here). */
  onEditRoute(profileId: string): void;
}

export const PROFILE_LIMITS = {
  name: 200,
  folder: 200,
  tags: 32,
  tagLength: 64,
  fontSize: { min: 6, max: 40 },
  scrollback: { min: 0, max: 100_000 },
} as const;

const COLOR_NAMES: Record<ProfileColor, string> = {
  red: 'Red',
  orange: 'Orange',
  yellow: 'Yellow',
  green: 'Green',
  teal: 'Teal',
  blue: 'Blue',
  purple: 'Purple',
  pink: 'Pink',
  gray: 'Grey',
};

const CONTROL = /\p{Cc}/u;

export interface ProfileFormState {
  name: string;
  folder: string;
  /** As typed: comma separated. */
  tags: string;
  color: ProfileColor | '';
  fontSize: string;
  scrollback: string;
  copyOnSelect: boolean;
  confirmMultilinePaste: boolean;
  sessionLog: boolean;
}

type ProfileFormErrors = Partial<Record<'name' | 'folder' | 'tags' | 'fontSize' | 'scrollback', string>>;

export function toProfileForm(profile: ProfileSummary): ProfileFormState {
  return {
    name: profile.name,
    folder: profile.folder,
    tags: profile.tags.join(', '),
    color: profile.color ?? '',
    fontSize: String(profile.terminal.fontSize),
    scrollback: String(profile.terminal.scrollback),
    copyOnSelect: profile.terminal.copyOnSelect,
    confirmMultilinePaste: profile.terminal.confirmMultilinePaste,
    sessionLog: profile.terminal.sessionLog,
  };
}

function wholeNumber(text: string, min: number, max: number): number | null {
  if (!/^\d+$/.test(text.trim())) return null;
  const n = Number(text.trim());
  return n >= min && n <= max ? n : null;
}

/** The ProfileInput the form describes for `profile` (its route kept), or null with the errors. */
export function fromProfileForm(profile: ProfileSummary, form: ProfileFormState): { input: ProfileInput | null; errors: ProfileFormErrors } {
  const errors: ProfileFormErrors = {};
  const name = form.name.trim();
  if (!name) errors.name = 'A saved circuit needs a name.';
  else if (name.length > PROFILE_LIMITS.name) errors.name = `At most ${PROFILE_LIMITS.name} characters.`;
  else if (CONTROL.test(name)) errors.name = 'A name cannot contain control characters.';
  const folder = form.folder.trim();
  if (folder.length > PROFILE_LIMITS.folder) errors.folder = `At most ${PROFILE_LIMITS.folder} characters.`;
  else if (CONTROL.test(folder)) errors.folder = 'A folder name cannot contain control characters.';
  const tags = parseTags(form.tags);
  if (tags.length > PROFILE_LIMITS.tags) errors.tags = `At most ${PROFILE_LIMITS.tags} tags.`;
  else if (tags.some((t) => t.length > PROFILE_LIMITS.tagLength)) errors.tags = `A tag has at most ${PROFILE_LIMITS.tagLength} characters.`;
  else if (tags.some((t) => CONTROL.test(t))) errors.tags = 'A tag cannot contain control characters.';
  const fontSize = wholeNumber(form.fontSize, PROFILE_LIMITS.fontSize.min, PROFILE_LIMITS.fontSize.max);
  if (fontSize === null) errors.fontSize = `A whole number from ${PROFILE_LIMITS.fontSize.min} to ${PROFILE_LIMITS.fontSize.max}.`;
  const scrollback = wholeNumber(form.scrollback, PROFILE_LIMITS.scrollback.min, PROFILE_LIMITS.scrollback.max);
  if (scrollback === null) errors.scrollback = `A whole number of lines from 0 to ${PROFILE_LIMITS.scrollback.max}.`;
  if (Object.keys(errors).length > 0) return { input: null, errors };
  return {
    input: {
      id: profile.id,
      name,
      folder,
      tags,
      hostIds: [...profile.hostIds],
      terminal: { fontSize: fontSize!, scrollback: scrollback!, copyOnSelect: form.copyOnSelect, confirmMultilinePaste: form.confirmMultilinePaste, sessionLog: form.sessionLog },
      ...(form.color ? { color: form.color } : {}),
    },
    errors,
  };
}

function TextField({ id, label, value, error, hint, onChange, ...rest }: { id: string; label: string; value: string; error?: string; hint?: string; onChange(value: string): void } & Omit<InputHTMLAttributes<HTMLInputElement>, 'onChange' | 'value' | 'id'>) {
  const describedBy = [error ? `${id}-error` : null, hint ? `${id}-hint` : null].filter(Boolean).join(' ') || undefined;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input id={id} value={value} aria-invalid={error ? true : undefined} aria-describedby={describedBy} onChange={(e) => onChange(e.target.value)} {...rest} />
      {hint && (
        <span id={`${id}-hint`} className="hint">
          {hint}
        </span>
      )}
      {error && (
        <span id={`${id}-error`} className="error">
          {error}
        </span>
      )}
    </div>
  );
}

function ColorChoice({ name, value, onChange }: { name: string; value: ProfileColor | ''; onChange(color: ProfileColor | ''): void }) {
  const options: { value: ProfileColor | ''; label: string }[] = [{ value: '', label: 'None' }, ...PROFILE_COLORS.map((c) => ({ value: c, label: COLOR_NAMES[c] }))];
  return (
    <fieldset className="color-choice">
      <legend>Colour</legend>
      <div className="swatches">
        {options.map((o) => (
          <label key={o.value || 'none'} className="swatch-option" title={o.label}>
            <input type="radio" className="swatch-input" name={name} value={o.value} checked={value === o.value} onChange={() => onChange(o.value)} />
            <span className={`swatch ${o.value ? '' : 'swatch-none'}`} style={o.value ? { background: `var(--color-${o.value})` } : undefined} aria-hidden="true" />
            <span className="sr-only">{o.label}</span>
          </label>
        ))}
      </div>
    </fieldset>
  );
}

/** Edits a saved circuit's name, folder, tags, colour, terminal options and session log. */
export function ProfileEditor({ profileId, onDone, onEditRoute }: ProfileEditorProps) {
  const profile = useProfilesStore((s) => s.profiles.find((p) => p.id === profileId));
  if (!profile) {
    return (
      <div className="profile-editor">
        <p className="error" role="alert">
          This saved circuit is no longer in the library.
        </p>
        <div className="actions">
          <button type="button" onClick={onDone}>
            Close
          </button>
        </div>
      </div>
    );
  }
  return <ProfileEditorForm key={profile.id} profile={profile} onDone={onDone} onEditRoute={onEditRoute} />;
}

function ProfileEditorForm({ profile, onDone, onEditRoute }: { profile: ProfileSummary; onDone(): void; onEditRoute(profileId: string): void }) {
  const id = useId();
  const hosts = useHostsStore((s) => s.hosts);
  const profiles = useProfilesStore((s) => s.profiles);
  const save = useProfilesStore((s) => s.save);
  const [form, setForm] = useState(() => toProfileForm(profile));
  const [errors, setErrors] = useState<ProfileFormErrors>({});
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const patch = (change: Partial<ProfileFormState>) => setForm((f) => ({ ...f, ...change }));

  const folders = useMemo(() => {
    const all = new Set<string>();
    for (const p of profiles) if (p.folder) all.add(p.folder);
    for (const h of hosts) if (h.folder) all.add(h.folder);
    return [...all].sort((a, b) => a.localeCompare(b));
  }, [profiles, hosts]);
  const route = useMemo(() => {
    const byId = new Map(hosts.map((h) => [h.id, h]));
    return profile.hostIds.map((hostId) => byId.get(hostId)?.name ?? null);
  }, [hosts, profile.hostIds]);
  const tagPreview = parseTags(form.tags);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const { input, errors: found } = fromProfileForm(profile, form);
    setErrors(found);
    if (!input) return;
    setBusy(true);
    try {
      await save(input);
      setFailure(null);
      onDone();
    } catch (error) {
      setFailure(describeError(error));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="profile-editor" aria-label={`Edit ${profile.name}`} onSubmit={(e) => void submit(e)} noValidate>
      <TextField id={`${id}-name`} label="Name" value={form.name} error={errors.name} data-autofocus autoComplete="off" onChange={(name) => patch({ name })} />
      <div className="field-row">
        <TextField id={`${id}-folder`} label="Folder" value={form.folder} error={errors.folder} list={`${id}-folders`} placeholder="none: top level" autoComplete="off" onChange={(folder) => patch({ folder })} />
        <TextField id={`${id}-tags`} label="Tags" value={form.tags} error={errors.tags} hint="Separate tags with commas." placeholder="e.g. prod, db" autoComplete="off" onChange={(tags) => patch({ tags })} />
      </div>
      <datalist id={`${id}-folders`}>
        {folders.map((folder) => (
          <option key={folder} value={folder} />
        ))}
      </datalist>
      {tagPreview.length > 0 && (
        <ul className="tag-chips" aria-label="Tags to save">
          {tagPreview.map((tag) => (
            <li key={tag} className="tag-chip">
              {tag}
            </li>
          ))}
        </ul>
      )}
      <ColorChoice name={`${id}-color`} value={form.color} onChange={(color) => patch({ color })} />

      <fieldset>
        <legend>Terminal</legend>
        <div className="field-row">
          <TextField id={`${id}-font-size`} label="Font size (px)" value={form.fontSize} inputMode="numeric" error={errors.fontSize} onChange={(fontSize) => patch({ fontSize })} />
          <TextField id={`${id}-scrollback`} label="Scrollback (lines)" value={form.scrollback} inputMode="numeric" error={errors.scrollback} onChange={(scrollback) => patch({ scrollback })} />
        </div>
        <label className="checkbox">
          <input type="checkbox" checked={form.copyOnSelect} onChange={(e) => patch({ copyOnSelect: e.target.checked })} />
          Copy on select
        </label>
        <label className="checkbox">
          <input type="checkbox" checked={form.confirmMultilinePaste} onChange={(e) => patch({ confirmMultilinePaste: e.target.checked })} />
          Confirm before pasting several lines
        </label>
      </fieldset>

      <fieldset>
        <legend>Session log</legend>
        <label className="checkbox">
          <input type="checkbox" checked={form.sessionLog} aria-describedby={`${id}-log-hint`} onChange={(e) => patch({ sessionLog: e.target.checked })} />
          Log this circuit’s sessions
        </label>
        <p id={`${id}-log-hint`} className="hint">
          What the terminal shows (never your keystrokes) is written to a file in Hopline’s data directory.
        </p>
      </fieldset>

      <section className="profile-route" aria-labelledby={`${id}-route`}>
        <h3 id={`${id}-route`}>Route</h3>
        <ol className="route-list">
          <li className="route-local">This computer</li>
          {route.map((name, i) => (
            <li key={`${profile.hostIds[i]}-${i}`} className={name ? undefined : 'route-missing'}>
              {name ?? 'missing host'}
            </li>
          ))}
        </ol>
        <button type="button" className="secondary small" onClick={() => onEditRoute(profile.id)}>
          Edit route in builder
        </button>
      </section>

      <FormFooter error={failure} busy={busy} submitLabel="Save" onCancel={onDone} />
    </form>
  );
}

/** The profile editor in a modal titled "Edit profile". */
export function ProfileEditorDialog(props: ProfileEditorProps) {
  const titleId = useId();
  return (
    <Modal labelledBy={titleId} onEscape={props.onDone} className="profile-editor-dialog">
      <h2 id={titleId}>Edit profile</h2>
      <ProfileEditor {...props} />
    </Modal>
  );
}
