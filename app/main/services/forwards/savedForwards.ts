/**
 * A profile's saved forwards marked "start with the circuit" start when that profile's circuit
 * first opens, as ssh starts a Host's LocalForward/RemoteForward/DynamicForward with the
 * connection. Once per circuit: after a repair the running forwards carry on by themselves
 * (forwardsService.ts), and one the user removed is not brought back.
 *
 * A forward that cannot start (a port in use, a server refusing) stays in the list, failed, with
 * its error, so the user sees it in the Forwards panel instead of it silently not existing.
 */
import type { Disposable } from '../../../shared/model/event';
import type { ForwardSpec } from '../../../shared/model/forward';
import type { ForwardsEngine, ForwardsService } from './forwardsService';

export function startSavedForwards(
  engine: Pick<ForwardsEngine, 'onDidChange'>,
  forwards: Pick<ForwardsService, 'add' | 'start'>,
  savedFor: (profileId: string) => readonly ForwardSpec[],
  onError: (error: unknown) => void,
): Disposable {
  const started = new Set<string>();
  return engine.onDidChange((circuit) => {
    if (circuit.state === 'closed') started.delete(circuit.id);
    if (circuit.state !== 'open' || !circuit.profileId || started.has(circuit.id)) return;
    started.add(circuit.id);
    for (const spec of savedFor(circuit.profileId)) {
      if (!spec.autoStart) continue;
      void forwards
        .add(circuit.id, spec, { start: false })
        .then((status) => forwards.start(status.forwardId))
        // The failure is on the forward's own status (lastError); this is for the log.
        .catch(onError);
    }
  });
}
