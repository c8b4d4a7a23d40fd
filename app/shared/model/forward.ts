/**
 * Port forwards through a circuit, as OpenSSH defines them (ssh(1) -L, -R, -D; ssh_config(5)
 * LocalForward, RemoteForward, DynamicForward). One model for the profile that saves them, the
 * service that runs them, the CLI that parses them and the ssh_config import/export.
 *
 * - local   (-L [bind:]port:host:hostport): listens here, connects from the target to host:hostport.
 * - remote  (-R [bind:]port:host:hostport): the target listens on bind:port, connects from here.
 * - dynamic (-D [bind:]port): a SOCKS5 (names resolved at the far end) and SOCKS4a listener here.
 *
 * Unix-socket forms (-L path:host:port and the like) are not supported; the parser refuses them
 * with a clear error rather than guessing.
 */

import { ErrorCode, HoplineError } from './errors';
import type { ServicePortLookup } from './hostAddress';

export type ForwardKind = 'local' | 'remote' | 'dynamic';

/** A forward as saved on a profile or given on a command line. */
export interface ForwardSpec {
  /** Stable id within its profile (absent on a spec parsed from text until it is saved). */
  id?: string;
  kind: ForwardKind;
  /**
   * The listening address. Absent: loopback (127.0.0.1), OpenSSH's default without GatewayPorts.
   * A non-loopback address is an explicit choice the UI warns about.
   */
  bindAddress?: string;
  /**
   * The listening port. 0 only for remote: the server picks one and reports it back (ssh -R 0).
   * OpenSSH refuses 0 for -L and -D ("Bad local forwarding specification"), and so does Hopline.
   */
  bindPort: number;
  /** Where connections go (local, remote); absent for dynamic. */
  host?: string;
  hostPort?: number;
  /** Start when the circuit opens (saved forwards only). */
  autoStart?: boolean;
}

/** A running (or stopped) forward's state, as the service reports it. */
export type ForwardState = 'stopped' | 'starting' | 'listening' | 'waiting' | 'failed';

export interface ForwardStatus {
  /** The service's id for this running forward. */
  forwardId: string;
  circuitId: string;
  spec: ForwardSpec;
  state: ForwardState;
  /** The address actually bound (a remote port of 0 becomes the server's choice), once listening. */
  boundAddress?: string;
  boundPort?: number;
  openConnections: number;
  totalConnections: number;
  /** Bytes from the listener's side to the far side, and back. */
  bytesOut: number;
  bytesIn: number;
  /** The last thing that went wrong: one plain sentence (naming the hop where one is to blame). */
  lastError?: {
    code: string;
    message: string;
    /** The hop to blame, when one is (a server's refusal, the dead hop of a failed circuit). */
    hop?: { index: number; name: string };
    /** Raw text behind the sentence (the server's own words, an OS error code), for Details. */
    detail?: string;
  };
}

// ---------------------------------------------------------------------------------------------
// Parsing and printing, as OpenSSH reads and writes them
// ---------------------------------------------------------------------------------------------
//
// Follows OpenSSH's parse_forward/parse_fwd_field (readconf.c), checked against `ssh -G` in the
// tests: fields are separated by ':'; a field in square brackets is taken literally (how an IPv6
// address is written, `[::1]:8080:...`), and outside brackets a backslash escapes the next
// character; a field holding '/' is a Unix socket path. Ports are read as a2port reads them.
// An empty or `*` bind address means every interface (ssh's wildcard), `localhost` loopback.
// A listening port of 0 is the server's choice for -R and refused for -L and -D, as parse_forward
// refuses it (`!remotefwd && listen_port == 0`).
//
// Where Hopline differs, on purpose:
//  - Unix socket paths are refused (ForwardSpecError, problem 'unix-socket') instead of used.
//  - `-R [bind:]port` alone (a SOCKS proxy on the server, OpenSSH 7.6+) is refused ('remote-dynamic').
//  - `:port` and `*:port` are both stored as bindAddress '*': they mean the same to ssh.
//  - An empty destination host is refused (ssh would pass it on to the server).


/** Why a forward's text was refused; the message says it in words. */
export type ForwardSpecProblem = 'syntax' | 'port' | 'host' | 'unix-socket' | 'remote-dynamic';

/** A forward written in a way Hopline cannot use; code INVALID_ARGUMENT, `problem` says which way. */
export class ForwardSpecError extends HoplineError {
  constructor(readonly problem: ForwardSpecProblem, message: string) {
    super(ErrorCode.INVALID_ARGUMENT, message);
    this.name = 'ForwardSpecError';
  }
}

/** ssh's option letter for each kind. */
export const FORWARD_FLAGS: Readonly<Record<ForwardKind, '-L' | '-R' | '-D'>> = { local: '-L', remote: '-R', dynamic: '-D' };

/** ssh_config's keyword for each kind. */
export const FORWARD_KEYWORDS: Readonly<Record<ForwardKind, 'LocalForward' | 'RemoteForward' | 'DynamicForward'>> = {
  local: 'LocalForward',
  remote: 'RemoteForward',
  dynamic: 'DynamicForward',
};

/** The bind address meaning every interface (ssh's `*`, or an empty address). */
export const ALL_INTERFACES = '*';

/** OpenSSH's NI_MAXHOST bound on a host field, less the NUL. */
const MAX_FORWARD_HOST = 1024;

interface ForwardField {
  text: string;
  isPath: boolean;
}

/** parse_fwd_field over the whole text: the fields, or null when the text is malformed. */
function forwardFields(text: string): ForwardField[] | null {
  const fields: ForwardField[] = [];
  let i = 0;
  // As in OpenSSH, a ':' ends a field and the end of the text ends the list, so a trailing ':'
  // adds no empty field while a leading one does (`:8080` is an empty bind address).
  while (i < text.length) {
    if (text[i] === '[') {
      const close = text.indexOf(']', i + 1);
      if (close < 0) return null;
      const after = text[close + 1];
      if (after !== undefined && after !== ':') return null;
      const inner = text.slice(i + 1, close);
      fields.push({ text: inner, isPath: inner.includes('/') });
      i = close + 2;
      continue;
    }
    let field = '';
    let isPath = false;
    for (; i < text.length && text[i] !== ':'; i++) {
      let c = text[i]!;
      if (c === '\\') {
        if (i + 1 >= text.length) return null;
        c = text[++i]!;
      } else if (c === '/') {
        isPath = true;
      }
      field += c;
    }
    fields.push({ text: field, isPath });
    i++;
  }
  return fields.length > 0 ? fields : null;
}

function problem(kind: ForwardSpecProblem, message: string): ForwardSpecError {
  return new ForwardSpecError(kind, message);
}

const show = (text: string): string => JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text);

/** a2port, with 0 allowed (a remote listening port the server picks); null when it is no port. */
function forwardPort(text: string, lookup: ServicePortLookup | undefined): number | null {
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    return n <= 65535 ? n : null;
  }
  if (!lookup || text === '') return null;
  const port = lookup(text);
  return port !== null && Number.isInteger(port) && port >= 1 && port <= 65535 ? port : null;
}

function checkHost(host: string, what: string, whole: string): void {
  if (host === '') throw problem('host', `No ${what} in ${show(whole)}`);
  if (host.length > MAX_FORWARD_HOST || /[\s\p{Cc}]/u.test(host) || host.startsWith('-')) throw problem('host', `Bad ${what} ${show(host)} in ${show(whole)}`);
}

/** '' and '*' mean every interface; anything else is kept as written. */
function bindOf(text: string): string {
  return text === '' ? ALL_INTERFACES : text;
}

const FORMS: Readonly<Record<ForwardKind, string>> = {
  local: '[bind_address:]port:host:hostport',
  remote: '[bind_address:]port:host:hostport',
  dynamic: '[bind_address:]port',
};

/**
 * A forward as given to ssh's -L, -R or -D: `[bind_address:]port:host:hostport` (local, remote)
 * or `[bind_address:]port` (dynamic). Ports may be TCP service names when `lookup` is given.
 * Throws ForwardSpecError saying what is wrong.
 */
export function parseForwardSpec(kind: ForwardKind, text: string, lookup?: ServicePortLookup): ForwardSpec {
  const flag = FORWARD_FLAGS[kind];
  const bad = (): ForwardSpecError => problem('syntax', `Bad ${flag} forward ${show(text)}: expected ${FORMS[kind]}`);
  const fields = forwardFields(text.replace(/^\s+/, ''));
  if (fields === null) throw bad();
  if (fields.some((f) => f.isPath)) {
    throw problem('unix-socket', `${flag} ${show(text)} names a Unix socket: Hopline forwards TCP ports only (${FORMS[kind]})`);
  }
  const port = (field: ForwardField, what: string, allowZero: boolean): number => {
    const n = forwardPort(field.text, lookup);
    if (n === null || (n === 0 && !allowZero)) {
      throw problem('port', `Bad ${what} ${show(field.text)} in ${flag} ${show(text)}: expected a number from ${allowZero ? 0 : 1} to 65535${lookup ? ' or a service name' : ''}`);
    }
    return n;
  };
  // Only -R may listen on port 0 (the server picks); ssh says "Bad local forwarding specification".
  const listenZero = kind === 'remote';
  if (kind === 'dynamic') {
    if (fields.length > 2) throw bad();
    const [first, second] = fields as [ForwardField, ForwardField | undefined];
    const spec: ForwardSpec = { kind, bindPort: port(second ?? first, 'port', listenZero) };
    if (second) spec.bindAddress = bindOf(first.text);
    return spec;
  }
  if (kind === 'remote' && fields.length <= 2) {
    // ssh reads `-R [bind:]port` as a SOCKS proxy on the server, which Hopline does not offer.
    const looksDynamic = forwardPort(fields[fields.length - 1]!.text, lookup) !== null;
    if (looksDynamic) throw problem('remote-dynamic', `-R ${show(text)} asks for a SOCKS proxy on the server (ssh's remote dynamic forward), which Hopline does not offer: give -R ${FORMS.remote}`);
  }
  if (fields.length !== 3 && fields.length !== 4) throw bad();
  const [bind, listen, host, hostPort] = fields.length === 4 ? (fields as ForwardField[]) : [undefined, ...(fields as ForwardField[])];
  const spec: ForwardSpec = { kind, bindPort: port(listen!, 'listening port', listenZero) };
  if (bind) spec.bindAddress = bindOf(bind.text);
  checkHost(host!.text, 'destination host', text);
  spec.host = host!.text;
  spec.hostPort = port(hostPort!, 'destination port', false);
  if (spec.bindAddress !== undefined && spec.bindAddress !== ALL_INTERFACES) checkHost(spec.bindAddress, 'bind address', text);
  return spec;
}

/**
 * An ssh_config forward directive's arguments, as readconf.c joins them: `LocalForward
 * [bind:]port host:hostport`, `RemoteForward [bind:]port host:hostport` (one argument is a
 * remote SOCKS proxy, refused), `DynamicForward [bind:]port`. `keyword` is case-insensitive.
 */
export function parseForwardDirective(keyword: string, args: readonly string[], lookup?: ServicePortLookup): ForwardSpec {
  const kind = (Object.keys(FORWARD_KEYWORDS) as ForwardKind[]).find((k) => FORWARD_KEYWORDS[k].toLowerCase() === keyword.toLowerCase());
  if (!kind) throw problem('syntax', `${show(keyword)} is not a forward directive`);
  const name = FORWARD_KEYWORDS[kind];
  const [listen, target, ...extra] = args;
  if (listen === undefined || listen === '') throw problem('syntax', `${name} needs a port: ${name} ${kind === 'dynamic' ? '[bind_address:]port' : '[bind_address:]port host:hostport'}`);
  if (extra.length > 0 || (kind === 'dynamic' && target !== undefined)) throw problem('syntax', `${name}: extra arguments at end of line: ${extra.length > 0 ? extra.join(' ') : target}`);
  if (kind === 'dynamic') return parseForwardSpec('dynamic', listen, lookup);
  if (target === undefined || target === '') {
    if (kind === 'remote') throw problem('remote-dynamic', `RemoteForward ${show(listen)} without a destination asks for a SOCKS proxy on the server, which Hopline does not offer`);
    throw problem('syntax', `LocalForward ${show(listen)} needs a destination: LocalForward [bind_address:]port host:hostport`);
  }
  return parseForwardSpec(kind, `${listen}:${target}`, lookup);
}

/** A host or bind address as one field: bracketed when it holds ':' (IPv6), as ssh -G writes it. */
function fieldOf(text: string): string {
  return text.includes(':') ? `[${text}]` : text;
}

function listenPart(spec: ForwardSpec): string {
  return spec.bindAddress === undefined ? String(spec.bindPort) : `${fieldOf(spec.bindAddress)}:${spec.bindPort}`;
}

function destinationPart(spec: ForwardSpec): string {
  if (spec.host === undefined || spec.hostPort === undefined) throw problem('host', `A ${spec.kind} forward needs a destination host and port`);
  return `${fieldOf(spec.host)}:${spec.hostPort}`;
}

/** The argument of ssh's -L, -R or -D for this forward (parseForwardSpec reads it back the same). */
export function formatForwardSpec(spec: ForwardSpec): string {
  return spec.kind === 'dynamic' ? listenPart(spec) : `${listenPart(spec)}:${destinationPart(spec)}`;
}

/** `-L 8080:db:5432` as two argv words. */
export function forwardArgs(spec: ForwardSpec): [string, string] {
  return [FORWARD_FLAGS[spec.kind], formatForwardSpec(spec)];
}

/** The ssh_config line for this forward, without indentation: `LocalForward 8080 db:5432`. */
export function formatForwardDirective(spec: ForwardSpec): string {
  const keyword = FORWARD_KEYWORDS[spec.kind];
  return spec.kind === 'dynamic' ? `${keyword} ${listenPart(spec)}` : `${keyword} ${listenPart(spec)} ${destinationPart(spec)}`;
}

/** True when the forward listens on every interface (`*`, empty, 0.0.0.0, ::): the UI warns. */
export function bindsAllInterfaces(spec: Pick<ForwardSpec, 'bindAddress'>): boolean {
  const a = spec.bindAddress;
  return a === ALL_INTERFACES || a === '' || a === '0.0.0.0' || a === '::';
}

/** True when the forward listens on loopback only: no bind address, `localhost`, 127.x or ::1. */
export function bindsLoopbackOnly(spec: Pick<ForwardSpec, 'bindAddress'>): boolean {
  const a = spec.bindAddress;
  return a === undefined || a.toLowerCase() === 'localhost' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(a) || a === '::1';
}
