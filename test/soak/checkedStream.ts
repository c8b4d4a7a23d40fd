/**
 * A checked byte stream for a terminal: a generator the remote runs, and the verifier the
 * client feeds every byte it receives.
 *
 * The generator (Perl, which every lab host has: they share this machine's filesystem) prints
 * `HLSOAK-BEGIN <k>`, then numbered lines whose content is a known function of (k, line number)
 * for as long as it is told, then `HLSOAK-END <k> <lines> <bytes> <sha256>` with its own count
 * and hash of every body byte it wrote. It runs with the PTY's output processing off
 * (`stty -opost`), so the bytes arrive exactly as written.
 *
 * The verifier checks each line against the same function (a lost, repeated, reordered or
 * altered byte shows as the first mismatching line) and hashes what it got: every byte is
 * accounted for when its count and hash equal the generator's.
 */
import { createHash, type Hash } from 'node:crypto';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const PATTERN = ALPHABET.repeat(2);
const PAYLOAD = 40;

/** Line `i` of stream `k`, newline included. */
export function expectedLine(k: number, i: number): string {
  const at = (i * 7 + k) % ALPHABET.length;
  return `${k} ${i} ${PATTERN.slice(at, at + PAYLOAD)}\n`;
}

/** The generator: `perl gen.pl <k> <seconds>`. Writes in blocks of 256 lines; blocks while the terminal is paused. */
export const GENERATOR_PERL = `use strict;
use warnings;
use Digest::SHA;
use Time::HiRes qw(time);
my ($k, $seconds) = @ARGV;
my $pattern = '${ALPHABET}' x 2;
my $sha = Digest::SHA->new(256);
my ($i, $bytes) = (0, 0);
$| = 1;
print "HLSOAK-BEGIN $k\\n";
$| = 0;
my $end = time + $seconds;
while (time < $end) {
  my $block = '';
  for (1 .. 256) {
    $block .= sprintf("%d %d %s\\n", $k, $i, substr($pattern, ($i * 7 + $k) % ${ALPHABET.length}, ${PAYLOAD}));
    $i++;
  }
  print $block;
  $sha->add($block);
  $bytes += length $block;
}
print "HLSOAK-END $k $i $bytes ", $sha->hexdigest, "\\n";
`;

export interface StreamReport {
  k: number;
  state: 'waiting' | 'streaming' | 'done';
  lines: number;
  bytes: number;
  sha256: string | null;
  /** What the generator says it wrote (from its END line). */
  remote: { lines: number; bytes: number; sha256: string } | null;
  mismatches: number;
  firstMismatch: string | null;
  /** Every byte accounted for: the END line arrived and lines, bytes and hash equal it, no line wrong. */
  ok: boolean;
}

/** Longest incomplete line kept between chunks; a stream with none of its newlines is wrong anyway. */
const MAX_CARRY = 64 * 1024;

export class StreamVerifier {
  private state: StreamReport['state'] = 'waiting';
  private lines = 0;
  private bytes = 0;
  private mismatches = 0;
  private firstMismatch: string | null = null;
  private remote: StreamReport['remote'] = null;
  private digest: string | null = null;
  private readonly hash: Hash = createHash('sha256');
  private carry = '';
  private preamble = '';
  /** Output after the END line (the shell's prompt, later commands). */
  after = '';

  constructor(readonly k: number) {}

  get done(): boolean {
    return this.state === 'done';
  }

  get streamedBytes(): number {
    return this.bytes;
  }

  /** Every byte the terminal showed, in order. */
  feed(chunk: Uint8Array): void {
    let text = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString('latin1');
    if (this.state === 'done') {
      this.after = (this.after + text).slice(-16 * 1024);
      return;
    }
    if (this.state === 'waiting') {
      // Before the marker: the echoed command line and the prompt.
      this.preamble += text;
      const marker = `HLSOAK-BEGIN ${this.k}\n`;
      const at = this.preamble.indexOf(marker);
      if (at < 0) {
        this.preamble = this.preamble.slice(-4096);
        return;
      }
      text = this.preamble.slice(at + marker.length);
      this.preamble = '';
      this.state = 'streaming';
    }
    const data = this.carry + text;
    let start = 0;
    for (;;) {
      const newline = data.indexOf('\n', start);
      if (newline < 0) break;
      const line = data.slice(start, newline + 1);
      start = newline + 1;
      if (line.startsWith('HLSOAK-END ')) {
        this.finish(line);
        this.after = data.slice(start);
        return;
      }
      this.check(line);
    }
    this.carry = data.slice(start);
    if (this.carry.length > MAX_CARRY) {
      this.mismatch(`no newline in ${this.carry.length} bytes after line ${this.lines}`);
      this.hash.update(this.carry, 'latin1');
      this.bytes += this.carry.length;
      this.carry = '';
    }
  }

  report(): StreamReport {
    const remote = this.remote;
    const ok = this.state === 'done' && remote !== null && this.mismatches === 0 && remote.lines === this.lines && remote.bytes === this.bytes && remote.sha256 === this.digest;
    return { k: this.k, state: this.state, lines: this.lines, bytes: this.bytes, sha256: this.digest, remote, mismatches: this.mismatches, firstMismatch: this.firstMismatch, ok };
  }

  private check(line: string): void {
    const expected = expectedLine(this.k, this.lines);
    if (line !== expected) this.mismatch(`line ${this.lines}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(line.slice(0, 120))}`);
    this.hash.update(line, 'latin1');
    this.bytes += line.length;
    this.lines++;
  }

  private finish(line: string): void {
    const match = /^HLSOAK-END (\d+) (\d+) (\d+) ([0-9a-f]{64})\n$/.exec(line);
    if (!match || Number(match[1]) !== this.k) this.mismatch(`unreadable END line ${JSON.stringify(line.slice(0, 200))}`);
    else this.remote = { lines: Number(match[2]), bytes: Number(match[3]), sha256: match[4]! };
    this.digest = this.hash.digest('hex');
    this.state = 'done';
  }

  private mismatch(what: string): void {
    this.mismatches++;
    this.firstMismatch ??= what;
  }
}
