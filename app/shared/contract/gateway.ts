import type { Event } from '../model/event';
import { defineService } from './service';

/**
 * The program on the other end of the control socket, as `hopline proxy` reports it: the process
 * that ran it as its ProxyCommand (ssh, or scp/rsync/git/VS Code's ssh). Said by the proxy about
 * itself (same uid, holding the token), so it is shown, never trusted: a display string.
 */
export interface GatewayPeer {
  pid: number;
  /** Its command line, as `ps -o args` shows it (cut short). */
  command: string;
}

/** One external session (ssh, scp, rsync, git, VS Code) riding a circuit's hops. */
export interface GatewaySession {
  id: string;
  /** The app's circuit whose hops carry it. */
  circuitId: string;
  profileId: string | null;
  /** Names of the hops it goes through, hop 1 first. */
  via: string[];
  destination: { host: string; port: number };
  startedAt: number;
  bytesToRemote: number;
  bytesFromRemote: number;
  /** Who runs it, when the proxy could tell (Linux: from /proc); absent otherwise. */
  peer?: GatewayPeer;
}

/** A profile's ssh_config Host block, exactly as `hopline ssh-config NAME` prints it. */
export interface SshConfigBlock {
  text: string;
  /** The `Host` name to type: `ssh ALIAS`, `scp file ALIAS:`, `rsync -e ssh … ALIAS:`. */
  hostAlias: string;
}

/**
 * The gateway for OpenSSH tools (issue 15), as the app shows it: which external sessions ride
 * which circuit through `hopline proxy` and the control socket, and the ssh_config block that
 * sends a saved profile's target through it.
 *
 * onDidChangeSessions fires with the whole list when a session starts or ends, and about once a
 * second while sessions move bytes (the counters). sshConfigFor rejects with INVALID_ARGUMENT
 * for an unknown profile or one whose names cannot be written into an ssh config (the message
 * says which).
 */
export interface IGatewayService {
  sessions(): Promise<GatewaySession[]>;
  sshConfigFor(profileId: string): Promise<SshConfigBlock>;
  onDidChangeSessions: Event<GatewaySession[]>;
}

export const gatewayService = defineService<IGatewayService>()({
  name: 'gateway',
  methods: { sessions: true, sshConfigFor: true },
  events: { onDidChangeSessions: true },
});
