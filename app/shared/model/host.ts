/**
 * A saved host (one hop of the library) as the contract sees it. Settings only: secrets live in
 * the OS keychain under the host's stable id, and the renderer learns only whether one is there.
 */

export type HostAuthMethod =
  | { kind: 'agent' }
  /** certificateFile: an OpenSSH user certificate for the key (KEY-cert.pub beside it is found anyway). */
  | { kind: 'publickey'; keyFile: string; certificateFile?: string }
  | { kind: 'password' }
  | { kind: 'keyboard-interactive' };

/** How hop 0 is reached when not by direct TCP. Proxy passwords are not saved (ad-hoc CLI use only). */
export type HostProxy =
  | { kind: 'command'; command: string }
  | { kind: 'socks5' | 'http'; host: string; port: number; username?: string };

export interface HostSettings {
  name: string;
  /** Host name or address as configured: also the name its host key is looked up under. */
  address: string;
  port: number;
  user: string;
  /** Tried in order. */
  auth: HostAuthMethod[];
  agentForward: boolean;
  /** Seconds between keepalives; 0 turns them off. */
  keepaliveIntervalSec: number;
  keepaliveCountMax: number;
  connectTimeoutSec: number;
  /** Only used when this host is the first hop of a circuit. */
  proxy: HostProxy | null;
  /** Library folder ('' or absent: top level). */
  folder?: string;
  tags?: string[];
  /**
   * The user's known_hosts files this host's key is checked against, in place of
   * ~/.ssh/known_hosts (OpenSSH's UserKnownHostsFile, kept from an ssh_config import); `[]`
   * for none. Hopline's own known_hosts is always checked too. Absent: ~/.ssh/known_hosts.
   */
  knownHostsFiles?: string[];
}

export interface HostInput extends HostSettings {
  /** Absent for a new host. */
  id?: string;
}

export interface HostSummary extends HostSettings {
  /** Stable id: renaming a host keeps it, so its keychain entries and circuits follow. */
  id: string;
  hasPassword: boolean;
  hasPassphrase: boolean;
  hasTotp: boolean;
  /** Remembered keyboard-interactive answers (static prompts only). */
  hasAnswers: boolean;
}

export const HOST_DEFAULTS: Omit<HostSettings, 'name' | 'address' | 'user'> = {
  port: 22,
  auth: [{ kind: 'publickey', keyFile: '~/.ssh/id_ed25519' }, { kind: 'keyboard-interactive' }, { kind: 'password' }],
  agentForward: false,
  keepaliveIntervalSec: 15,
  keepaliveCountMax: 3,
  connectTimeoutSec: 15,
  proxy: null,
};
