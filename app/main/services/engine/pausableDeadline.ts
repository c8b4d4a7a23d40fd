/**
 * A deadline that stops counting while a person is being asked something. A hop's connect limit
 * covers the network and the server; a person reading their authenticator must not be cut short.
 */
export class PausableDeadline {
  private timer: NodeJS.Timeout | null = null;
  private remaining: number;
  private startedAt = 0;
  /** Questions open at once (a host-key question inside another wait): it runs again when all are answered. */
  private pauses = 0;

  constructor(ms: number, private readonly onExpire: () => void) {
    this.remaining = ms;
    this.run();
  }

  private run(): void {
    this.startedAt = Date.now();
    this.timer = setTimeout(this.onExpire, Math.max(this.remaining, 0));
  }

  pause(): void {
    if (this.pauses++ > 0 || !this.timer) return;
    clearTimeout(this.timer);
    this.timer = null;
    this.remaining -= Date.now() - this.startedAt;
  }

  resume(): void {
    if (--this.pauses > 0 || this.timer) return;
    this.run();
  }

  /** For good: a later resume() does not start it again. */
  clear(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.pauses = Number.POSITIVE_INFINITY;
  }
}
