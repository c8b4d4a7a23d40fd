import type { Event } from '../model/event';
import type { CircuitSummary, HopStateEvent } from '../model/hop';
import type { WireError } from '../model/errors';
import { defineService } from './service';

/** Opening and closing circuits of hops (issue: hop engine). */
export interface ICircuitsService {
  open(request: { hostIds: string[] }): Promise<CircuitSummary>;
  close(circuitId: string): Promise<void>;
  list(): Promise<CircuitSummary[]>;
  onDidChangeHopState: Event<HopStateEvent>;
  onDidFail: Event<{ circuitId: string; error: WireError }>;
}

export const circuitsService = defineService<ICircuitsService>()({
  name: 'circuits',
  methods: { open: true, close: true, list: true },
  events: { onDidChangeHopState: true, onDidFail: true },
});
