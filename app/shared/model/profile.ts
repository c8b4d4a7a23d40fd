/** A saved circuit profile: a circuit by host ids, so editing a host once updates every profile. */

export interface TerminalOptions {
  fontSize: number;
  scrollback: number;
  copyOnSelect: boolean;
  confirmMultilinePaste: boolean;
  /** Opt-in: the terminal's output (never keystrokes) written to a file in the data dir. */
  sessionLog: boolean;
}

export interface ProfileInput {
  /** Absent for a new profile. */
  id?: string;
  name: string;
  folder: string;
  tags: string[];
  /** Hop 0 first, the target last. */
  hostIds: string[];
  terminal: TerminalOptions;
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
