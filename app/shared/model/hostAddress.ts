/**
 * The one `[user@]host[:port]` parser (IPv6 as `[addr]:port`, or bare without a port), used by
 * the CLI's HOP arguments and the palette's quick connect, and a reader for a quick-connect line
 * written as for OpenSSH's `ssh`: `ssh -J ops@bastion:22,jump admin@db -p 2222`.
 */
import { ErrorCode, HoplineError } from './errors';

/**
 * A TCP service name's port (`ssh` -> 22) as getservbyname(name, "tcp") gives it, or null. Shared
 * code cannot read /etc/services, so main-side callers pass one in (engine/servicePorts.ts);
 * without one, only digits are ports.
 */
export type ServicePortLookup = (name: string) => number | null;

/**
 * A port as OpenSSH's a2port reads it (ssh_config `Port`, `-p`, `host:port` in -J/ProxyJump):
 * digits for 1-65535, else a TCP service name through `lookup`. Null when it is neither.
 */
export function portFromText(text: string, lookup?: ServicePortLookup): number | null {
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    return n >= 1 && n <= 65535 ? n : null;
  }
  if (!lookup || text === '') return null;
  const port = lookup(text);
  return port !== null && Number.isInteger(port) && port >= 1 && port <= 65535 ? port : null;
}

/** `[user@]host[:port]` as on ssh's command line and in ProxyJump lists. Null: not given. */
export interface HopAddress {
  user: string | null;
  host: string;
  port: number | null;
}

function invalid(message: string): HoplineError {
  return new HoplineError(ErrorCode.INVALID_ARGUMENT, message);
}

/**
 * Parses `[user@]host[:port]`; throws INVALID_ARGUMENT with a message naming the text. The port
 * may be a service name when `lookup` is given (as ssh's a2port allows).
 */
export function parseHopAddress(text: string, lookup?: ServicePortLookup): HopAddress {
  const at = text.lastIndexOf('@');
  const user = at >= 0 ? text.slice(0, at) : null;
  const rest = at >= 0 ? text.slice(at + 1) : text;
  let host: string;
  let port: string | null = null;
  const bracketed = /^\[([^\]]+)\](?::([^:]*))?$/.exec(rest);
  if (bracketed) {
    host = bracketed[1]!;
    port = bracketed[2] ?? null;
  } else if ((rest.match(/:/g) ?? []).length === 1) {
    [host, port] = rest.split(':') as [string, string];
  } else {
    // No colon, or several: a bare IPv6 address, which cannot carry a port without brackets.
    host = rest;
  }
  if (!host || /[\s,@[\]/]/.test(host) || (user !== null && (!user || /[\s:@]/.test(user)))) {
    throw invalid(`Not a hop address: ${JSON.stringify(text)} (expected [user@]host[:port])`);
  }
  if (port === null) return { user, host, port: null };
  if (/^\d+$/.test(port)) {
    const n = portFromText(port);
    if (n === null) throw invalid(`Port out of range in ${JSON.stringify(text)}`);
    return { user, host, port: n };
  }
  const named = portFromText(port, lookup);
  if (named === null) throw invalid(`Bad port in ${JSON.stringify(text)}`);
  return { user, host, port: named };
}

/** `user@host:port` for display, with IPv6 in brackets when a port follows. Port 22 is left out. */
export function formatHopAddress(address: HopAddress): string {
  const host = address.port !== null && address.port !== 22 && address.host.includes(':') ? `[${address.host}]` : address.host;
  return `${address.user ? `${address.user}@` : ''}${host}${address.port !== null && address.port !== 22 ? `:${address.port}` : ''}`;
}

/** What a quick-connect line asks for: the jump hosts in order, then the destination (always last). */
export interface QuickConnectLine {
  hops: HopAddress[];
}

/** A destination or -J entry: `[user@]host[:port]` or `ssh://[user@]host[:port]` (as ssh accepts). */
function parseDestination(text: string, lookup?: ServicePortLookup): HopAddress {
  const uri = /^ssh:\/\/(.*?)\/?$/i.exec(text);
  if (!uri) return parseHopAddress(text, lookup);
  const body = uri[1]!;
  if (body.includes('/') || body.includes(';')) throw invalid(`Not an ssh:// address Hopline can use: ${JSON.stringify(text)} (expected ssh://[user@]host[:port])`);
  const address = parseHopAddress(body, lookup);
  if (address.user !== null && address.user.includes('%')) {
    try {
      address.user = decodeURIComponent(address.user);
    } catch {
      throw invalid(`Bad escape in the user of ${JSON.stringify(text)}`);
    }
  }
  return address;
}

/** `-p PORT`: a2port, as ssh reads it. */
export function parsePortOption(text: string, lookup?: ServicePortLookup): number {
  const port = portFromText(text, lookup);
  if (port === null) throw invalid(`Bad port ${JSON.stringify(text)} (expected a number from 1 to 65535${lookup ? ' or a service name' : ''})`);
  return port;
}

function parseJumpList(text: string, lookup?: ServicePortLookup): HopAddress[] {
  if (text === 'none') return [];
  const entries = text.split(',');
  if (entries.some((e) => e === '')) throw invalid(`Empty jump host in -J ${JSON.stringify(text)} (expected -J host1,host2)`);
  return entries.map((entry) => parseDestination(entry, lookup));
}

/**
 * Reads a line as OpenSSH's `ssh` would: an optional leading `ssh`, `-J a,b` (jump hosts, each
 * with its own user and port), `-p PORT` and `-l USER`, and one destination `[user@]host[:port]`
 * or `ssh://[user@]host[:port]`, with options before or after it. `-p` and `-l` apply to the
 * destination only; a user written in the destination wins over `-l`, while `-p` wins over a port
 * written in it (as ssh does for `ssh://host:port`). Anything else (another option, a second destination or a command, nothing at all)
 * throws INVALID_ARGUMENT saying what was wrong. Ports are digits, or service names when `lookup`
 * is given (the renderer has no services database, so it gives none).
 */
export function parseQuickConnect(text: string, lookup?: ServicePortLookup): QuickConnectLine {
  const words = text.trim().split(/\s+/).filter(Boolean);
  if (words[0] === 'ssh') words.shift();
  if (words.length === 0) throw invalid('Type a destination: user@host, or -J jump1,jump2 user@host');
  let jumps: HopAddress[] | null = null;
  let port: number | null = null;
  let user: string | null = null;
  let destination: string | null = null;
  let optionsEnded = false;
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    if (!optionsEnded && word === '--') {
      optionsEnded = true;
      continue;
    }
    if (!optionsEnded && word.startsWith('-') && word.length > 1) {
      const flag = word.slice(0, 2);
      if (flag !== '-J' && flag !== '-p' && flag !== '-l') {
        throw invalid(`Quick connect does not take the option ${word.length > 40 ? `${word.slice(0, 40)}…` : word}: use -J jump1,jump2, -p port or -l user`);
      }
      let value = word.slice(2);
      if (!value) {
        const next = words[++i];
        if (next === undefined) throw invalid(`${flag} needs a value`);
        value = next;
      }
      if (flag === '-J') {
        if (jumps !== null) throw invalid('Give -J once, with the jump hosts separated by commas: -J jump1,jump2');
        jumps = parseJumpList(value, lookup);
      } else if (flag === '-p') {
        port = parsePortOption(value, lookup);
      } else {
        if (/[\s@:]/.test(value)) throw invalid(`Bad user name ${JSON.stringify(value)} for -l`);
        user = value;
      }
      continue;
    }
    if (destination !== null) {
      throw invalid(`Give one destination: found ${JSON.stringify(destination)} and ${JSON.stringify(word)} (jump hosts go in -J, and quick connect opens a shell, so no command)`);
    }
    destination = word;
  }
  if (destination === null) throw invalid('Type a destination: user@host, or -J jump1,jump2 user@host');
  const target = parseDestination(destination, lookup);
  return {
    hops: [...(jumps ?? []), { host: target.host, user: target.user ?? user, port: port ?? target.port }],
  };
}
