/**
 * Hosts, hops and circuits as the contract sees them. The engine issue fills in the behaviour;
 * these shapes are what crosses the contract. No type here ever holds a secret value: the
 * renderer learns only whether one is stored (`hasPassword`, ...).
 */

import type { WireError } from './errors';
import type { HostCertificateNote } from './prompt';

export type AuthMethodKind = 'agent' | 'publickey' | 'password' | 'keyboard-interactive' | 'none';

export type HopStateName =
  | 'connecting'
  | 'handshake'
  | 'verifying-host-key'
  | 'authenticating'
  | 'ready'
  | 'closed'
  | 'failed';

export interface HopTimings {
  tcpMs?: number;
  /** From the handshake's start to authentication's, less the time a person spent on the host-key question. */
  handshakeMs?: number;
  /** From the first auth request to success, less the time a person spent answering prompts. */
  authMs?: number;
  /** Wall-clock time from the start to ready, waiting included. */
  totalMs?: number;
  /**
   * Time spent waiting for the person (host-key questions, passwords, codes), kept out of
   * handshakeMs and authMs so those say how fast the network and the server were.
   */
  userWaitMs?: number;
}

export interface HopStateEvent {
  circuitId: string;
  hop: { index: number; name: string };
  state: HopStateName;
  timings: HopTimings;
  authMethod?: AuthMethodKind;
  hostKeyFingerprint?: string;
  /** The host certificate a trusted CA signed, when the hop's key was vouched for that way. */
  hostCertificate?: HostCertificateNote;
  shared?: boolean;
}

export interface CircuitSummary {
  id: string;
  hostIds: string[];
  /** The profile it was opened from, if any. */
  profileId: string | null;
  hopNames: string[];
  state: 'opening' | 'open' | 'closed' | 'failed';
  error: WireError | null;
  /** What `hostname` says on the target once open (best effort; null if it could not be asked). */
  remoteHostname?: string | null;
}
