/** A saved circuit profile: a circuit by host ids, so editing a host once updates every profile. */
import type { ForwardSpec } from './forward';

export interface TerminalOptions {
  fontSize: number;
  scrollback: number;
  copyOnSelect: boolean;
  confirmMultilinePaste: boolean;
  /** Opt-in: the terminal's output (never keystrokes) written to a file in the data dir. */
  sessionLog: boolean;
}

/** A profile's optional colour: a named token the theme maps to a colour that reads in light and dark. */
export const PROFILE_COLORS = ['red', 'orange', 'yellow', 'green', 'teal', 'blue', 'purple', 'pink', 'gray'] as const;
export type ProfileColor = (typeof PROFILE_COLORS)[number];

export interface ProfileInput {
  /** Absent for a new profile. */
  id?: string;
  name: string;
  folder: string;
  tags: string[];
  /** Hop 0 first, the target last. */
  hostIds: string[];
  terminal: TerminalOptions;
  /** Tab and sidebar accent; absent: none. */
  color?: ProfileColor;
  /**
   * Port forwards saved with the circuit, in the order they start; each has an `id` once saved
   * and `autoStart` for "start with the circuit". Absent (older documents): none; absent when
   * saving an existing profile: its saved forwards are kept (`[]` removes them).
   */
  forwards?: ForwardSpec[];
}

export interface ProfileSummary extends ProfileInput {
  id: string;
}

export const TERMINAL_DEFAULTS: TerminalOptions = {
  fontSize: 13,
  scrollback: 5000,
  copyOnSelect: false,
  confirmMultilinePaste: true,
  sessionLog: false,
};
