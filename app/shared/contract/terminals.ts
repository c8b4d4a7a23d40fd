import type { Event } from '../model/event';
import { defineService } from './service';

/**
 * Shell channels on a circuit's target (issue: terminals). Output bytes travel as binary
 * frames with acks (see ARCHITECTURE.md, flow control), not through these JSON events.
 */
export interface ITerminalsService {
  open(request: { circuitId: string; cols: number; rows: number }): Promise<{ terminalId: string }>;
  resize(terminalId: string, cols: number, rows: number): Promise<void>;
  close(terminalId: string): Promise<void>;
  onDidExit: Event<{ terminalId: string; exitCode: number | null; signal: string | null }>;
}

export const terminalsService = defineService<ITerminalsService>()({
  name: 'terminals',
  methods: { open: true, resize: true, close: true },
  events: { onDidExit: true },
});
