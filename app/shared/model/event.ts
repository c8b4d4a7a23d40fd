/** A subscription that can be ended. */
export interface Disposable {
  dispose(): void;
}

/** Subscribable event, VS Code style: call it with a listener, dispose the result to stop. */
export type Event<T> = (listener: (value: T) => void) => Disposable;

/** Owns an Event and fires it. Listener errors are isolated so one bad listener cannot starve the rest. */
export class Emitter<T> {
  /** Where listener errors go; the main side points this at its log. */
  static onListenerError: (error: unknown) => void = () => undefined;

  private readonly listeners = new Set<(value: T) => void>();

  readonly event: Event<T> = (listener) => {
    // Wrap so the same function subscribed twice gets two independent subscriptions.
    const entry = (value: T): void => listener(value);
    this.listeners.add(entry);
    return { dispose: () => this.listeners.delete(entry) };
  };

  fire(value: T): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(value);
      } catch (error) {
        // A broken listener is a bug on the listening side; it must not stop delivery to
        // others, nor take down the main process. The host decides where to report it.
        Emitter.onListenerError(error);
      }
    }
  }

  get listenerCount(): number {
    return this.listeners.size;
  }

  dispose(): void {
    this.listeners.clear();
  }
}
