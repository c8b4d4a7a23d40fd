import type { Event } from '../model/event';

/** Event members are named `onDidX` / `onWillX`; every other member is an async method. */
export type EventKeys<T> = Extract<keyof T, `on${'Did' | 'Will'}${string}`>;
export type MethodKeys<T> = Exclude<Extract<keyof T, string>, EventKeys<T>>;

export type EventPayload<E> = E extends Event<infer P> ? P : never;

/**
 * What the contract says about one service at run time: its name and the complete list of its
 * methods and events (a Record, so leaving one out is a type error). Channels are derived from
 * it as `service:member`.
 */
export interface ServiceDescriptor<T, Name extends string = string> {
  readonly name: Name;
  readonly methods: Readonly<Record<MethodKeys<T>, true>>;
  readonly events: Readonly<Record<EventKeys<T>, true>>;
}

export function defineService<T>() {
  return <const Name extends string>(descriptor: ServiceDescriptor<T, Name>): ServiceDescriptor<T, Name> => descriptor;
}

export function channelOf(service: string, member: string): string {
  return `${service}:${member}`;
}
