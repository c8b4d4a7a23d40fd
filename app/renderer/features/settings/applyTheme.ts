/**
 * The window's theme: `<html data-theme="light|dark">`, which styles.css keys its colour
 * variables on. 'system' follows prefers-color-scheme, live. Terminal colours are xterm's own.
 */
import { useLayoutEffect } from 'react';
import type { ThemeChoice } from '../../../shared/model/settings';
import { useSettingsStore } from '../../stores/useSettingsStore';

export type ResolvedTheme = 'light' | 'dark';

const DARK_QUERY = '(prefers-color-scheme: dark)';

export function resolveTheme(choice: ThemeChoice, systemDark: boolean): ResolvedTheme {
  if (choice === 'system') return systemDark ? 'dark' : 'light';
  return choice;
}

function darkQuery(): MediaQueryList | null {
  return typeof window !== 'undefined' && typeof window.matchMedia === 'function' ? window.matchMedia(DARK_QUERY) : null;
}

/**
 * Sets data-theme on `root` for `choice`, and for 'system' keeps it in step with the system's
 * setting. Returns the function that stops following it.
 */
export function applyTheme(choice: ThemeChoice, root: HTMLElement = document.documentElement): () => void {
  const query = darkQuery();
  const set = () => {
    root.dataset.theme = resolveTheme(choice, query?.matches ?? false);
  };
  set();
  if (choice !== 'system' || !query) return () => undefined;
  query.addEventListener('change', set);
  return () => query.removeEventListener('change', set);
}

/** For App.tsx, once: the theme from settings, applied now and whenever it (or the system's) changes. */
export function useApplyTheme(): void {
  const theme = useSettingsStore((s) => s.settings.theme);
  // Before the first paint, so a dark system never sees a light flash.
  useLayoutEffect(() => applyTheme(theme), [theme]);
}
