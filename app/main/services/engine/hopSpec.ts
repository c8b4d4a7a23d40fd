/**
 * What the engine needs to open one hop. A circuit is an ordered list of these ending at the
 * target; hop 0 is reached from this computer (directly or through `proxy`), every later hop
 * through a direct-tcpip channel of the hop before it.
 */

export type AuthStep =
  /** The agent at `socket`, or SSH_AUTH_SOCK (Pageant on Windows). */
  | { kind: 'agent'; socket?: string }
  /** A private key file (OpenSSH, PEM; ed25519/ecdsa/rsa); its passphrase is asked for if needed. */
  | {
      kind: 'publickey';
      keyFile: string;
      /** An OpenSSH user certificate for this key (KEY-cert.pub beside the key is found anyway). */
      certificateFile?: string;
    }
  | { kind: 'password' }
  | { kind: 'keyboard-interactive' };

export type ProxySpec =
  /** Run without a shell; `%h %p %r %n %%` substituted. */
  | { kind: 'command'; command: string }
  | { kind: 'socks5'; host: string; port: number; username?: string; password?: string }
  | { kind: 'http'; host: string; port: number; username?: string; password?: string };

export interface HopSpec {
  /** What the user calls this hop (a saved host's name, or the alias from ssh_config). */
  name: string;
  /** The address as configured: also the name its host key is looked up under. */
  host: string;
  port: number;
  user: string;
  /** Tried in order; the server's partial-success answers decide what follows. */
  auth: AuthStep[];
  agentForward?: boolean;
  /** ssh_config CertificateFile: certificates matched to whichever key they certify. */
  certificateFiles?: string[];
  /** 0 or absent: no keepalive. */
  keepaliveIntervalMs?: number;
  keepaliveCountMax?: number;
  /** Covers TCP connect and SSH handshake, never time spent waiting for a person. */
  connectTimeoutMs?: number;
  /** Only meaningful on hop 0. */
  proxy?: ProxySpec;
  /** Stable id of the saved host, when there is one (keys keychain entries). */
  hostId?: string;
  /**
   * The user's known_hosts files for this hop (OpenSSH's UserKnownHostsFile), in place of
   * ~/.ssh/known_hosts; `[]` for `none`. Hopline's own known_hosts is consulted as well.
   */
  knownHostsFiles?: string[];
}

export const MAX_CIRCUIT_DEPTH = 16;
export const DEFAULT_CONNECT_TIMEOUT_MS = 15_000;
