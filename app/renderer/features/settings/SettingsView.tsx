import { useId, type ReactNode } from 'react';
import type { BellStyle, CursorStyle, ThemeChoice } from '../../../shared/model/settings';
import { ErrorDetails } from '../../components/ErrorMessage';
import { useAppStore } from '../../stores/useAppStore';
import { useCredentialsStore } from '../../stores/useCredentialsStore';
import { useSettingsStore } from '../../stores/useSettingsStore';
import { Diagnostics } from './Diagnostics';
import { CheckboxSetting, NumberSetting, SelectSetting, TextSetting } from './fields';
import { ShortcutsSection } from './ShortcutsSection';
import './settings.css';

/** Bounds the settings service accepts, narrowed where the host form is narrower (a default must make a valid host). */
export const SETTING_LIMITS = {
  fontSize: { min: 6, max: 40 },
  scrollback: { min: 0, max: 100_000 },
  fontFamilyLength: 200,
  keepaliveIntervalSec: { min: 0, max: 3600 },
  keepaliveCountMax: { min: 1, max: 100 },
  connectTimeoutSec: { min: 1, max: 600 },
} as const;

const THEMES: { value: ThemeChoice; label: string }[] = [
  { value: 'system', label: 'System' },
  { value: 'light', label: 'Light' },
  { value: 'dark', label: 'Dark' },
];

const CURSORS: { value: CursorStyle; label: string }[] = [
  { value: 'block', label: 'Block' },
  { value: 'bar', label: 'Bar' },
  { value: 'underline', label: 'Underline' },
];

const BELLS: { value: BellStyle; label: string }[] = [
  { value: 'none', label: 'None' },
  { value: 'visual', label: 'Flash the terminal' },
  { value: 'sound', label: 'Play a sound' },
];

const SECTIONS = ['Appearance', 'Terminal', 'Connections', 'Keychain', 'Session logs', 'Shortcuts', 'About'] as const;
type SectionName = (typeof SECTIONS)[number];

function sectionId(base: string, name: SectionName): string {
  return `${base}-${name.toLowerCase().replace(/\s+/g, '-')}`;
}

function Section({ base, name, children, intro }: { base: string; name: SectionName; intro?: ReactNode; children: ReactNode }) {
  const id = sectionId(base, name);
  return (
    <section className="settings-section" aria-labelledby={id}>
      <h3 id={id} tabIndex={-1}>
        {name}
      </h3>
      {intro && <p className="hint settings-intro">{intro}</p>}
      {children}
    </section>
  );
}

/** `<dataDir>/session-logs`, with the data dir's own separator. */
export function sessionLogDir(dataDir: string): string {
  const sep = dataDir.includes('\\') && !dataDir.includes('/') ? '\\' : '/';
  return `${dataDir.replace(/[\\/]+$/, '')}${sep}session-logs`;
}

function KeychainStatus() {
  const status = useCredentialsStore((s) => s.status);
  const error = useCredentialsStore((s) => s.error);
  if (!status) {
    return <p className="muted">{error ? `The keychain’s status could not be read: ${error}` : 'Checking the keychain…'}</p>;
  }
  if (status.backend === 'keychain') {
    return (
      <p className="settings-state settings-state-ok">
        <span className="state-dot" aria-hidden="true" />
        Saved passwords, passphrases and one-time code secrets are kept in this computer’s keychain, never in Hopline’s files.
      </p>
    );
  }
  return (
    <div className="settings-state settings-state-warning">
      <p>
        <span className="state-dot" aria-hidden="true" />
        The system keychain is not available, so secrets you choose to remember are kept in memory only, and forgotten when Hopline quits.
      </p>
      {/* The raw cause (D-Bus's words) on demand; a reason without one (keychain turned off) is said as it is. */}
      {status.unavailableDetail ? <ErrorDetails text={`Detail: ${status.unavailableDetail}`} /> : status.unavailableReason && <p className="hint">Why: {status.unavailableReason}</p>}
    </div>
  );
}

function About() {
  const info = useAppStore((s) => s.info);
  const rows: [string, string][] = info
    ? [
        ['Name', info.name],
        ['Version', info.version],
        ['Running as', info.transport === 'electron' ? 'Desktop app (Electron)' : 'Web mode (in a browser)'],
        ['Platform', `${info.platform} (${info.arch})`],
        ['Node', info.versions.node],
        ['Electron', info.versions.electron ?? 'not used'],
        ['Chrome', info.versions.chrome ?? 'not used'],
        ['Data directory', info.dataDir],
      ]
    : [];
  return (
    <>
      {info ? (
        <dl className="about-list">
          {rows.map(([term, value]) => (
            <div key={term}>
              <dt>{term}</dt>
              <dd>{value}</dd>
            </div>
          ))}
        </dl>
      ) : (
        <p className="muted">Waiting for the app’s details…</p>
      )}
      <Diagnostics headingLevel={4} />
    </>
  );
}

/** The settings view: shown as a workspace panel, every change saved as it is made. */
export function SettingsView() {
  const base = useId();
  const settings = useSettingsStore((s) => s.settings);
  const loaded = useSettingsStore((s) => s.loaded);
  const error = useSettingsStore((s) => s.error);
  const update = useSettingsStore((s) => s.update);
  const dismissError = useSettingsStore((s) => s.dismissError);
  const dataDir = useAppStore((s) => s.info?.dataDir ?? null);
  const { terminal, connection } = settings;
  const off = !loaded;
  const saveTerminal = (patch: Partial<typeof terminal>) => void update({ terminal: patch });
  const saveConnection = (patch: Partial<typeof connection>) => void update({ connection: patch });

  return (
    <div className="settings-view">
      <div className="settings-content">
        <header className="settings-header">
          <h2 className="settings-title">Settings</h2>
          <nav aria-label="Settings sections" className="settings-nav">
            {SECTIONS.map((name) => (
              <button
                key={name}
                type="button"
                className="settings-nav-link"
                onClick={() => {
                  const heading = document.getElementById(sectionId(base, name));
                  heading?.scrollIntoView?.({ block: 'start' });
                  heading?.focus({ preventScroll: true });
                }}
              >
                {name}
              </button>
            ))}
          </nav>
          <p className="hint">Changes are saved as you make them.</p>
          {!loaded && !error && (
            <p className="hint" role="status">
              Loading settings…
            </p>
          )}
          {error && (
            <div className="settings-error" role="alert">
              <span>{error}</span>
              <button type="button" className="secondary small" onClick={dismissError}>
                Dismiss
              </button>
            </div>
          )}
        </header>

        <Section base={base} name="Appearance">
          <fieldset className="theme-choice" disabled={off}>
            <legend>Theme</legend>
            {THEMES.map((t) => (
              <label key={t.value} className="radio">
                <input type="radio" name={`${base}-theme`} value={t.value} checked={settings.theme === t.value} onChange={() => void update({ theme: t.value })} />
                {t.label}
                {t.value === 'system' && <span className="hint"> (follows your computer’s light or dark setting)</span>}
              </label>
            ))}
          </fieldset>
        </Section>

        <Section base={base} name="Terminal" intro="How every terminal looks. A saved circuit’s own font size, scrollback and copy-on-select win over these.">
          <TextSetting
            label="Font family"
            value={terminal.fontFamily}
            maxLength={SETTING_LIMITS.fontFamilyLength}
            placeholder="Default monospace"
            hint="A CSS font list, e.g. “JetBrains Mono, monospace”. Empty uses the default."
            disabled={off}
            onSave={(fontFamily) => saveTerminal({ fontFamily })}
          />
          <div className="settings-row">
            <NumberSetting label="Font size (px)" value={terminal.fontSize} {...SETTING_LIMITS.fontSize} unit="px" disabled={off} onSave={(fontSize) => saveTerminal({ fontSize })} />
            <NumberSetting label="Scrollback (lines)" value={terminal.scrollback} {...SETTING_LIMITS.scrollback} unit="lines" disabled={off} onSave={(scrollback) => saveTerminal({ scrollback })} />
          </div>
          <div className="settings-row">
            <SelectSetting label="Cursor style" value={terminal.cursorStyle} options={CURSORS} disabled={off} onSave={(cursorStyle) => saveTerminal({ cursorStyle })} />
            <SelectSetting label="Bell" value={terminal.bell} options={BELLS} disabled={off} onSave={(bell) => saveTerminal({ bell })} />
          </div>
          <CheckboxSetting label="Blinking cursor" checked={terminal.cursorBlink} disabled={off} onSave={(cursorBlink) => saveTerminal({ cursorBlink })} />
          <CheckboxSetting
            label="Copy on select"
            checked={terminal.copyOnSelect}
            hint="Selected text goes to the clipboard at once."
            disabled={off}
            onSave={(copyOnSelect) => saveTerminal({ copyOnSelect })}
          />
        </Section>

        <Section base={base} name="Connections" intro="What a new host starts with. Hosts you have already saved keep their own values.">
          <div className="settings-row">
            <NumberSetting
              label="Keepalive interval (s)"
              value={connection.keepaliveIntervalSec}
              {...SETTING_LIMITS.keepaliveIntervalSec}
              unit="seconds"
              hint="0 turns keepalives off."
              disabled={off}
              onSave={(keepaliveIntervalSec) => saveConnection({ keepaliveIntervalSec })}
            />
            <NumberSetting
              label="Keepalive count"
              value={connection.keepaliveCountMax}
              {...SETTING_LIMITS.keepaliveCountMax}
              hint="Unanswered keepalives before the hop is closed."
              disabled={off}
              onSave={(keepaliveCountMax) => saveConnection({ keepaliveCountMax })}
            />
            <NumberSetting
              label="Connect timeout (s)"
              value={connection.connectTimeoutSec}
              {...SETTING_LIMITS.connectTimeoutSec}
              unit="seconds"
              disabled={off}
              onSave={(connectTimeoutSec) => saveConnection({ connectTimeoutSec })}
            />
          </div>
        </Section>

        <Section base={base} name="Keychain">
          <KeychainStatus />
        </Section>

        <Section base={base} name="Session logs" intro="A session log keeps what a terminal showed (its output, never your keystrokes) in a file. Each saved circuit turns it on or off.">
          <CheckboxSetting
            label="Log sessions of new saved circuits"
            checked={settings.sessionLogsByDefault}
            disabled={off}
            onSave={(sessionLogsByDefault) => void update({ sessionLogsByDefault })}
          />
          <p className="hint">
            Logs are written to{' '}
            {dataDir ? <code className="settings-path">{sessionLogDir(dataDir)}</code> : 'the session-logs folder of Hopline’s data directory'}. Output can include anything a program printed, passwords
            echoed by mistake included: keep that folder private.
          </p>
        </Section>

        <Section base={base} name="Shortcuts" intro="Chords a shell needs (Ctrl with a letter, Alt with a letter) cannot be taken.">
          <ShortcutsSection overrides={settings.shortcuts} disabled={off} onSave={(shortcuts) => void update({ shortcuts })} />
        </Section>

        <Section base={base} name="About">
          <About />
        </Section>
      </div>
    </div>
  );
}
