/**
 * createClient(): a typed proxy for one service over any transport. The renderer's rpc/ folder
 * picks the transport; features and stores only ever see the typed client.
 */
import type { ServiceDescriptor } from '../contract/service';
import { channelOf } from '../contract/service';
import { ErrorCode, HoplineError } from '../model/errors';
import type { Disposable } from '../model/event';
import type { ClientFrame, Result, ServerFrame } from './protocol';
import { parseServerFrame } from './protocol';

/** What a client needs from a transport. `call` rejects with a HoplineError. */
export interface RpcTransport {
  call(channel: string, args: unknown[]): Promise<unknown>;
  listen(channel: string, listener: (data: unknown) => void): Disposable;
}

export function createClient<T>(descriptor: ServiceDescriptor<T>, transport: RpcTransport): T {
  const client: Record<string, unknown> = {};
  for (const member of Object.keys(descriptor.methods)) {
    const channel = channelOf(descriptor.name, member);
    client[member] = (...args: unknown[]) => transport.call(channel, args);
  }
  for (const member of Object.keys(descriptor.events)) {
    const channel = channelOf(descriptor.name, member);
    client[member] = (listener: (data: unknown) => void) => transport.listen(channel, listener);
  }
  return Object.freeze(client) as T;
}

export function unwrapResult(result: Result): unknown {
  if (result.ok) return result.value;
  throw HoplineError.fromWire(result.error);
}

/**
 * An RpcTransport over a frame pipe (the web-mode WebSocket, or an in-memory pair in tests):
 * numbers calls, matches results, and subscribes to an event channel once however many
 * listeners it has.
 */
export class FrameTransport implements RpcTransport {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve(v: unknown): void; reject(e: unknown): void }>();
  private readonly listeners = new Map<string, Set<(data: unknown) => void>>();
  /** Frames the server could not attribute to a call (malformed input): surfaced for diagnostics. */
  onStrayError: (error: HoplineError) => void = () => undefined;

  constructor(private readonly send: (frame: ClientFrame) => void) {}

  call(channel: string, args: unknown[]): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      try {
        this.send({ type: 'call', id, channel, args });
      } catch (error) {
        this.pending.delete(id);
        reject(new HoplineError(ErrorCode.DISCONNECTED, `Could not send ${channel}: ${error instanceof Error ? error.message : String(error)}`));
      }
    });
  }

  listen(channel: string, listener: (data: unknown) => void): Disposable {
    let set = this.listeners.get(channel);
    if (!set) {
      set = new Set();
      this.listeners.set(channel, set);
      this.send({ type: 'subscribe', channel });
    }
    const entry = (data: unknown): void => listener(data);
    set.add(entry);
    return {
      dispose: () => {
        const current = this.listeners.get(channel);
        if (!current?.delete(entry) || current.size > 0) return;
        this.listeners.delete(channel);
        this.send({ type: 'unsubscribe', channel });
      },
    };
  }

  /** Subscriptions to renew after a reconnect. */
  get subscribedChannels(): string[] {
    return [...this.listeners.keys()];
  }

  /** Feed every decoded frame from the server here. */
  receive(value: unknown): void {
    const frame: ServerFrame | null = parseServerFrame(value);
    if (!frame) return;
    if (frame.type === 'result') {
      const waiter = this.pending.get(frame.id);
      if (!waiter) return;
      this.pending.delete(frame.id);
      if (frame.ok) waiter.resolve(frame.value);
      else waiter.reject(HoplineError.fromWire(frame.error));
    } else if (frame.type === 'event') {
      for (const listener of [...(this.listeners.get(frame.channel) ?? [])]) listener(frame.data);
    } else {
      this.onStrayError(HoplineError.fromWire(frame.error));
    }
  }

  /** The pipe is gone: every call still waiting fails with DISCONNECTED. */
  disconnected(reason: string): void {
    for (const waiter of this.pending.values()) waiter.reject(new HoplineError(ErrorCode.DISCONNECTED, reason));
    this.pending.clear();
  }
}
