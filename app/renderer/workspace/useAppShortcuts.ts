import { useEffect } from 'react';
import { isMac, shortcutFor } from '../stores/shortcuts';
import { usePaletteStore } from '../stores/usePaletteStore';
import { useSettingsStore } from '../stores/useSettingsStore';
import { useWorkspaceStore } from '../stores/useWorkspaceStore';

/**
 * The app's shortcuts, on the window in the capture phase so they work wherever the focus is.
 * A focused terminal lets through only chords that are not the shell's (TerminalView hands them
 * on); while a dialog or the palette is open, only the palette's own keys apply.
 */
export function useAppShortcuts(): void {
  useEffect(() => {
    const mac = isMac();
    const onKeyDown = (event: KeyboardEvent): void => {
      if (event.defaultPrevented || event.isComposing) return;
      const target = event.target instanceof Element ? event.target : null;
      if (target?.closest('[role="dialog"], [role="alertdialog"]') || usePaletteStore.getState().open) return;
      const inTerminal = Boolean(target?.closest('.xterm'));
      const id = shortcutFor(event, useSettingsStore.getState().chords(), { mac, inTerminal });
      if (!id) return;
      event.preventDefault();
      event.stopPropagation();
      useWorkspaceStore.getState().run(id);
    };
    window.addEventListener('keydown', onKeyDown, true);
    return () => window.removeEventListener('keydown', onKeyDown, true);
  }, []);
}
