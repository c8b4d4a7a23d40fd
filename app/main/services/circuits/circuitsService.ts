/**
 * The circuits contract over the engine: circuits of saved hosts (by id, so a host edited once
 * changes every circuit using it), their live hop states, failures, event logs, and the
 * `ssh -J` / ssh_config preview the builder shows.
 */
import { randomUUID } from 'node:crypto';
import type { CircuitPreview, ICircuitsService } from '../../../shared/contract/circuits';
import { ErrorCode, HoplineError, type WireError } from '../../../shared/model/errors';
import type { CircuitSummary } from '../../../shared/model/hop';
import { validateCircuit, type CircuitEngine } from '../engine/circuitEngine';
import type { HopSpec } from '../engine/hopSpec';
import type { ForwardSpec } from '../../../shared/model/forward';
import { configAlias, exportSshConfig, exportSshJ, forwardExportProblem, shellLine, SshConfigExportError } from '../engine/sshConfig';

export interface CircuitsServiceOptions {
  engine: CircuitEngine;
  /** The saved hosts' hop specs in order; throws INVALID_ARGUMENT naming an unknown id. */
  hopSpecs(hostIds: string[]): HopSpec[];
  /** A saved profile's forwards, or null when no profile has that id (for the preview). */
  savedForwards?(profileId: string): readonly ForwardSpec[] | null;
}

function asWire(error: unknown): WireError {
  if (error instanceof HoplineError) return error.toWire();
  if (error instanceof SshConfigExportError) return { code: ErrorCode.INVALID_ARGUMENT, message: error.message };
  return { code: ErrorCode.INTERNAL, message: 'Unexpected error' };
}

const HOSTNAME_TIMEOUT_MS = 5000;

export class CircuitsService implements ICircuitsService {
  private readonly hostnames = new Map<string, string | null>();
  readonly onDidChangeHopState;
  readonly onDidChange;
  readonly onDidFail;

  constructor(private readonly options: CircuitsServiceOptions) {
    this.onDidChangeHopState = options.engine.onDidChangeHopState;
    this.onDidChange = options.engine.onDidChange;
    this.onDidFail = options.engine.onDidFail;
    options.engine.onDidChange((c) => {
      if (c.state === 'closed' || c.state === 'failed') this.hostnames.delete(c.id);
    });
  }

  /** Resolves once every hop is ready; progress and prompts arrive as events meanwhile. */
  async open(request: { hostIds: string[]; profileId?: string; circuitId?: string }): Promise<CircuitSummary> {
    const specs = this.options.hopSpecs(request.hostIds);
    const circuitId = request.circuitId ?? randomUUID();
    if (this.options.engine.knows(circuitId)) {
      throw new HoplineError(ErrorCode.INVALID_ARGUMENT, 'That circuit id is already in use');
    }
    const summary = await this.options.engine.open(specs, circuitId, request.profileId ? { profileId: request.profileId } : {});
    const remoteHostname = await this.askHostname(summary.id);
    this.hostnames.set(summary.id, remoteHostname);
    return { ...summary, remoteHostname };
  }

  /**
   * Reconnect / Retry (engine.repair): the saved hosts are read again, so a host fixed since the
   * failure is rebuilt with its new settings, while hops that are unchanged and still up are reused.
   */
  async repair(circuitId: string): Promise<CircuitSummary> {
    if (!this.options.engine.knows(circuitId)) throw new HoplineError(ErrorCode.INVALID_ARGUMENT, 'This circuit is no longer known, so it cannot be reconnected. Connect it again.');
    // Hops given by saved hosts are read afresh; a circuit of unsaved hops keeps its own.
    const hostIds = this.options.engine.savedHostIds(circuitId);
    const specs = hostIds ? this.options.hopSpecs(hostIds) : undefined;
    const summary = await this.options.engine.repair(circuitId, specs);
    const remoteHostname = await this.askHostname(summary.id);
    this.hostnames.set(summary.id, remoteHostname);
    return { ...summary, remoteHostname };
  }

  /**
   * The target's own name, so the user sees where they landed. Best effort: a target with a
   * forced command or no exec gets null, never a failed circuit.
   */
  private askHostname(circuitId: string): Promise<string | null> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(null), HOSTNAME_TIMEOUT_MS);
      try {
        this.options.engine.target(circuitId).exec('hostname', (err, stream) => {
          if (err) return (clearTimeout(timer), resolve(null));
          let out = '';
          stream.on('data', (d: Buffer) => (out = (out + d.toString('utf8')).slice(0, 256)));
          stream.stderr.resume();
          stream.on('close', () => {
            clearTimeout(timer);
            const name = out.trim();
            resolve(/^[\w.-]{1,253}$/.test(name) ? name : null);
          });
        });
      } catch {
        clearTimeout(timer);
        resolve(null);
      }
    });
  }

  close(circuitId: string): Promise<void> {
    this.hostnames.delete(circuitId);
    return this.options.engine.close(circuitId);
  }

  async list(): Promise<CircuitSummary[]> {
    return this.options.engine.list().map((c) => ({ ...c, remoteHostname: this.hostnames.get(c.id) ?? null }));
  }

  async eventLog(circuitId: string): Promise<string[]> {
    return this.options.engine.eventLog(circuitId);
  }

  async preview(request: { hostIds: string[]; alias?: string; profileId?: string }): Promise<CircuitPreview> {
    const problems: WireError[] = [];
    let specs: HopSpec[];
    try {
      specs = this.options.hopSpecs(request.hostIds);
      validateCircuit(specs);
    } catch (error) {
      return { sshCommand: null, sshConfig: null, problems: [asWire(error)] };
    }
    const attempt = (make: () => string): string | null => {
      try {
        return make();
      } catch (error) {
        problems.push(asWire(error));
        return null;
      }
    };
    const alias = request.alias ?? configAlias(specs[specs.length - 1]!.name, 'target');
    const forwards = this.forwardsFor(request.profileId, problems);
    return {
      sshCommand: attempt(() => shellLine(exportSshJ(specs, forwards))),
      sshConfig: attempt(() => exportSshConfig(specs, alias, forwards)),
      problems,
    };
  }

  /**
   * The profile's saved forwards that ssh can read, as `hopline export` takes them: one ssh would
   * refuse is left out with a problem saying so, rather than costing the whole preview.
   */
  private forwardsFor(profileId: string | undefined, problems: WireError[]): ForwardSpec[] {
    if (profileId === undefined || !this.options.savedForwards) return [];
    const saved = this.options.savedForwards(profileId);
    if (saved === null) {
      problems.push({ code: ErrorCode.INVALID_ARGUMENT, message: 'The profile is no longer saved, so its forwards are not in this export' });
      return [];
    }
    return saved.filter((spec, i) => {
      const problem = forwardExportProblem(spec, i);
      if (problem !== null) problems.push({ code: ErrorCode.INVALID_ARGUMENT, message: `Not exported: ${problem}` });
      return problem === null;
    });
  }

  dispose(): Promise<void> {
    return this.options.engine.dispose();
  }
}
