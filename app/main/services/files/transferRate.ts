/**
 * A transfer's rate over a sliding window and the time left at that rate: what a person reads as
 * "12.3 MiB/s, 40 s left". A window (not the average since the start) so a stall or a faster hop
 * shows within seconds; nothing is said until the window holds enough to measure.
 */
export class TransferRate {
  private readonly samples: { at: number; bytes: number }[] = [];

  constructor(private readonly windowMs = 5000, private readonly minSpanMs = 500) {}

  /** Records the running byte count at time `at` (ms). */
  sample(at: number, bytes: number): void {
    const last = this.samples[this.samples.length - 1];
    if (last && at - last.at < 50) {
      last.bytes = Math.max(last.bytes, bytes);
      return;
    }
    this.samples.push({ at, bytes });
    while (this.samples.length > 2 && at - this.samples[1]!.at >= this.windowMs) this.samples.shift();
  }

  /** Forgets what was measured (a retry starts a new measurement). */
  reset(): void {
    this.samples.length = 0;
  }

  /** Bytes per second over the window, or undefined until enough time has passed. */
  rate(): number | undefined {
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    if (!first || !last || last.at - first.at < this.minSpanMs) return undefined;
    return ((last.bytes - first.bytes) * 1000) / (last.at - first.at);
  }

  /** Seconds left for `remaining` bytes at the measured rate; undefined when unknown or stalled. */
  eta(remaining: number): number | undefined {
    const rate = this.rate();
    if (rate === undefined || rate <= 0) return undefined;
    return Math.max(0, Math.ceil(remaining / rate));
  }
}

/** "report (1).pdf": the n-th free name beside one that exists, as browsers and file managers number them. */
export function numberedName(name: string, n: number): string {
  const dot = name.lastIndexOf('.');
  // A leading dot is a hidden file's name, not an extension (".bashrc (1)").
  if (dot <= 0) return `${name} (${n})`;
  return `${name.slice(0, dot)} (${n})${name.slice(dot)}`;
}
