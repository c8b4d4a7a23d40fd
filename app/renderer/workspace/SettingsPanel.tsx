import { SettingsView } from '../features/settings/SettingsView';

export function SettingsPanel() {
  return (
    <div className="view-panel">
      <SettingsView />
    </div>
  );
}
