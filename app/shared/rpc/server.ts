/**
 * serve(): dispatches validated calls to service implementations and fans their events out.
 * It knows nothing of transports; transports hand it (channel, args) and deliver what it returns.
 */
import type { ServiceDescriptor } from '../contract/service';
import { channelOf } from '../contract/service';
import { ErrorCode, HoplineError, toWireError } from '../model/errors';
import type { Disposable, Event } from '../model/event';
import type { MethodSchemas } from '../schema/schemas';
import type { ClientFrame, Result, ServerFrame } from './protocol';
import { channelTable } from '../contract/channels';

export interface Registration<T> {
  descriptor: ServiceDescriptor<T>;
  impl: T;
  schemas: MethodSchemas<T>;
}

/** Keeps the pairing of descriptor, implementation and schemas type-checked at the call site. */
export function register<T>(descriptor: ServiceDescriptor<T>, impl: T, schemas: MethodSchemas<T>): Registration<unknown> {
  return { descriptor, impl, schemas } as Registration<unknown>;
}

interface MethodEntry {
  invoke(args: unknown[]): Promise<unknown>;
}

export class RpcServer {
  // Maps, not object literals: a channel like `__proto__` can never resolve to anything.
  private readonly methods = new Map<string, MethodEntry>();
  private readonly events = new Map<string, Event<unknown>>();
  /**
   * Methods the contract declares but this build does not serve yet. Event channels are not
   * methods: calling one is METHOD_NOT_FOUND, not "not available yet".
   */
  private readonly declared = new Set(channelTable.filter((entry) => entry.kind === 'method').map((entry) => entry.channel));

  constructor(registrations: readonly Registration<unknown>[], private readonly onInternalError: (error: unknown, channel: string) => void = () => undefined) {
    for (const { descriptor, impl, schemas } of registrations) {
      const service = impl as Record<string, unknown>;
      const validators = schemas as Record<string, { safeParse(v: unknown): { success: true; data: unknown } | { success: false; error: { issues: { path: PropertyKey[]; message: string }[] } } }>;
      for (const member of Object.keys(descriptor.methods)) {
        const fn = service[member];
        const schema = validators[member];
        if (typeof fn !== 'function' || !schema) throw new Error(`${descriptor.name}.${member}: missing implementation or schema`);
        this.methods.set(channelOf(descriptor.name, member), {
          invoke: async (args) => {
            const parsed = schema.safeParse(args);
            if (!parsed.success) {
              const issue = parsed.error.issues[0];
              const where = issue && issue.path.length > 0 ? ` at ${issue.path.map(String).join('.')}` : '';
              throw new HoplineError(ErrorCode.INVALID_ARGUMENT, `Invalid arguments for ${descriptor.name}.${member}${where}: ${issue?.message ?? 'invalid'}`);
            }
            return (fn as (...a: unknown[]) => Promise<unknown>).apply(impl, parsed.data as unknown[]);
          },
        });
      }
      for (const member of Object.keys(descriptor.events)) {
        const event = service[member];
        if (typeof event !== 'function') throw new Error(`${descriptor.name}.${member}: missing event`);
        this.events.set(channelOf(descriptor.name, member), event as Event<unknown>);
      }
    }
  }

  get methodChannels(): string[] {
    return [...this.methods.keys()];
  }

  get eventChannels(): string[] {
    return [...this.events.keys()];
  }

  /** Never throws: every outcome is a Result carrying a value or a `{code, message}` error. */
  async call(channel: unknown, args: unknown): Promise<Result> {
    try {
      if (typeof channel !== 'string') throw new HoplineError(ErrorCode.METHOD_NOT_FOUND, 'Unknown method');
      const method = this.methods.get(channel);
      if (!method) {
        if (this.declared.has(channel)) throw new HoplineError(ErrorCode.NOT_AVAILABLE, `${channel} is not available in this build yet`);
        throw new HoplineError(ErrorCode.METHOD_NOT_FOUND, 'Unknown method');
      }
      if (!Array.isArray(args)) throw new HoplineError(ErrorCode.INVALID_ARGUMENT, 'Arguments must be an array');
      return { ok: true, value: await method.invoke(args) };
    } catch (error) {
      if (!(error instanceof HoplineError)) this.onInternalError(error, String(channel).slice(0, 128));
      return { ok: false, error: toWireError(error) };
    }
  }

  subscribe(channel: string, listener: (data: unknown) => void): Disposable | null {
    const event = this.events.get(channel);
    return event ? event(listener) : null;
  }
}

/**
 * One client connection over a frame transport (the WebSocket): answers calls, keeps that
 * client's subscriptions, and drops them all when the connection closes.
 */
export class RpcConnection {
  private readonly subscriptions = new Map<string, Disposable>();
  private closed = false;

  constructor(private readonly server: RpcServer, private readonly send: (frame: ServerFrame) => void) {}

  async handle(frame: ClientFrame): Promise<void> {
    switch (frame.type) {
      case 'call': {
        const result = await this.server.call(frame.channel, frame.args);
        if (!this.closed) this.send({ type: 'result', id: frame.id, ...result });
        return;
      }
      case 'subscribe': {
        if (this.subscriptions.has(frame.channel)) return;
        const sub = this.server.subscribe(frame.channel, (data) => {
          if (!this.closed) this.send({ type: 'event', channel: frame.channel, data });
        });
        if (sub) this.subscriptions.set(frame.channel, sub);
        else this.send({ type: 'error', error: { code: ErrorCode.METHOD_NOT_FOUND, message: 'Unknown event channel' } });
        return;
      }
      case 'unsubscribe':
        this.subscriptions.get(frame.channel)?.dispose();
        this.subscriptions.delete(frame.channel);
        return;
    }
  }

  close(): void {
    this.closed = true;
    for (const sub of this.subscriptions.values()) sub.dispose();
    this.subscriptions.clear();
  }
}
