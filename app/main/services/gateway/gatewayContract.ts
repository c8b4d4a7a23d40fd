/**
 * The gateway contract (shared/contract/gateway.ts) served from the control socket's
 * GatewayService: the external sessions riding the app's circuits, and a profile's ssh_config
 * block from the same model `hopline ssh-config` prints with (sshConfigBlock.ts).
 *
 * The socket says when a session starts or ends; its byte counters move in between without an
 * event. So while sessions are live this re-announces the list about once a second when a counter
 * changed, and the app's view stays a plain view of events.
 */
import path from 'node:path';
import type { GatewaySession, IGatewayService, SshConfigBlock } from '../../../shared/contract/gateway';
import { ErrorCode, HoplineError } from '../../../shared/model/errors';
import { Emitter, type Disposable, type Event } from '../../../shared/model/event';
import type { HoplineDocument } from '../profiles/documentStore';
import { hopSpecsForHostIds } from '../profiles/hostToHop';
import { gatewayBlock, profileAliases, sshConfigText } from './sshConfigBlock';

export interface GatewayContractOptions {
  gateway: { sessions(): GatewaySession[]; onDidChangeSessions: Event<GatewaySession[]> };
  library: () => Pick<HoplineDocument, 'hosts' | 'profiles'>;
  dataDir: string;
  /** Whose `~/` key paths are meant (as for the app's own connections). */
  homeDir: string;
  /** How ssh runs hopline on this machine (hoplineCommand.ts); asked once, when first needed. */
  command: () => string[];
  /** Between counter announcements while sessions are live. */
  tickMs?: number;
}

/** Counters of every session, as one comparable string. */
function countersOf(list: readonly GatewaySession[]): string {
  return list.map((s) => `${s.id}:${s.bytesToRemote}:${s.bytesFromRemote}`).join(',');
}

export class GatewayContractService implements IGatewayService {
  private readonly changed = new Emitter<GatewaySession[]>();
  readonly onDidChangeSessions = this.changed.event;
  private readonly sub: Disposable;
  private timer: ReturnType<typeof setInterval> | null = null;
  private lastCounters = '';
  private command: string[] | null = null;

  constructor(private readonly options: GatewayContractOptions) {
    this.sub = options.gateway.onDidChangeSessions((list) => this.announce(list));
  }

  async sessions(): Promise<GatewaySession[]> {
    return this.options.gateway.sessions();
  }

  async sshConfigFor(profileId: string): Promise<SshConfigBlock> {
    const library = this.options.library();
    const profile = library.profiles.find((p) => p.id === profileId);
    if (!profile) throw new HoplineError(ErrorCode.INVALID_ARGUMENT, 'This profile is no longer saved: save the circuit as a profile to use it from other tools.');
    const hops = hopSpecsForHostIds(library.hosts, profile.hostIds, this.options.homeDir);
    const hostAlias = profileAliases(library.profiles).get(profile.id)!;
    this.command ??= this.options.command();
    const dataDir = path.resolve(this.options.dataDir);
    const made = gatewayBlock(profile, hops, hostAlias, { command: this.command, dataDir, appKnownHosts: path.join(dataDir, 'known_hosts') });
    if ('skipped' in made) throw new HoplineError(ErrorCode.INVALID_ARGUMENT, `No ssh_config block for “${profile.name}”: ${made.skipped}.`);
    return { text: sshConfigText([made.block]), hostAlias };
  }

  dispose(): void {
    this.sub.dispose();
    this.stopTicking();
    this.changed.dispose();
  }

  private announce(list: GatewaySession[]): void {
    this.lastCounters = countersOf(list);
    this.changed.fire(list);
    if (list.length === 0) this.stopTicking();
    else if (!this.timer) {
      this.timer = setInterval(() => this.tick(), this.options.tickMs ?? 1000);
      // Counters never keep a process alive.
      this.timer.unref?.();
    }
  }

  private tick(): void {
    const list = this.options.gateway.sessions();
    if (countersOf(list) !== this.lastCounters) this.announce(list);
    else if (list.length === 0) this.stopTicking();
  }

  private stopTicking(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
