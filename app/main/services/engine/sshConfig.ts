/**
 * OpenSSH client configuration (`man ssh_config`): reading it into circuits, and writing circuits
 * back out as a config file or an `ssh -J` command line.
 *
 * Reading follows OpenSSH's own rules, checked against `ssh -G` in the tests: case-insensitive
 * keywords, `Keyword value` or `Keyword=value`, quoting as in readconf.c's argv_split, `Host`
 * patterns matched case-sensitively against the alias as typed, the first obtained value of each
 * parameter wins (IdentityFile accumulates), `Include` globs read in sorted order, relative to
 * `~/.ssh`, and conditional when inside a `Host` block.
 *
 * Where Hopline departs from OpenSSH it says so instead of guessing:
 *  - `Match` blocks are not evaluated; each one, and everything inside it, is reported.
 *  - Every directive Hopline does not act on is reported (never silently dropped).
 *  - ProxyJump together with ProxyCommand is an error for the host, not a silent first-wins.
 *  - A bad value (port 70000, unterminated quote) makes the hosts it applies to errors, where
 *    OpenSSH would refuse the whole file.
 *  - UserKnownHostsFile is carried on the hop (it replaces ~/.ssh/known_hosts for that host, as in
 *    OpenSSH); StrictHostKeyChecking is reported with what Hopline does instead (it always asks
 *    about unknown keys and refuses changed ones).
 *  - The import report (`importSshConfig().report`) says each thing once per source line, with the
 *    hosts it applies to: what `Host *` and other pattern blocks reached, and missing key files.
 *  - LocalForward, RemoteForward and DynamicForward accumulate as in OpenSSH (duplicates dropped)
 *    and become the target's saved forwards, started with the circuit as ssh starts them. Unix
 *    socket forwards and RemoteForward's SOCKS form are reported and skipped; a forward without a
 *    bind address stays on loopback even under `GatewayPorts yes` (said in a note). Jump hosts'
 *    own forwards are not used, as ssh -J runs them with ClearAllForwardings.
 *
 * Node only (reads files); never imports electron.
 */
import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { MAX_CIRCUIT_DEPTH, type AuthStep, type HopSpec } from './hopSpec';
import { hopName, hopNameAtStart } from '../../../shared/model/hopName';
import { a2port, tcpServicePort } from './servicePorts';
import { ForwardSpecError, bindsLoopbackOnly, formatForwardDirective, forwardArgs, parseForwardDirective, type ForwardSpec } from '../../../shared/model/forward';

export { appliesTo } from '../../../shared/model/importReport';

// ---------------------------------------------------------------------------------------------
// Public types
// ---------------------------------------------------------------------------------------------

export interface SshConfigOptions {
  /** The local user's home: `~`, `%d`, and `~/.ssh` where relative Include paths resolve. */
  homeDir: string;
  /** The local user name: the remote user when none is configured, and `%u`. */
  localUser: string;
}

/** Resolution as `ssh -l user -p port alias` would do it: these beat the config (jump entries use them). */
export interface ResolveOptions extends SshConfigOptions {
  user?: string;
  port?: number;
}

export type NoteSeverity = 'ignored' | 'error' | 'warning' | 'info';

export interface ImportNote {
  /** `ignored`: not acted on; `error`: the host (or line) is unusable; `warning`: imported, but likely not to work as written; `info`: worth knowing. */
  severity: NoteSeverity;
  file: string;
  /** 1-based line in `file`. */
  line: number;
  /** The keyword as written, when the note is about one directive. */
  directive?: string;
  message: string;
  /** The alias the note is about, when it concerns one host rather than the file. */
  host?: string;
}

/** Text (with an optional file name for notes), or a file to read. */
export type SshConfigSource = { text: string; file?: string } | { file: string };

export interface HostPattern {
  pattern: string;
  negated: boolean;
}

/** One `Host` line: matches when some pattern matches and no negated one does. */
export interface HostCondition {
  patterns: HostPattern[];
  file: string;
  line: number;
}

export interface ConfigDirective {
  /** Lower-case, as OpenSSH compares keywords. */
  keyword: string;
  /** As written, for notes. */
  name: string;
  args: string[];
  /** The line after the keyword, unsplit: ProxyCommand takes it verbatim, as OpenSSH does. */
  rest: string;
  file: string;
  line: number;
  /**
   * Host lines that must all match for the directive to apply: the blocks holding the Include
   * lines that led to its file, then its own block. Empty: it applies to every host.
   */
  when: HostCondition[];
  /** False for directives Hopline does not act on: they are reported for every host they apply to. */
  acted: boolean;
  /** Why the value is unusable; every host it applies to is then an error. */
  error?: string;
}

export interface ConfigHostAlias {
  alias: string;
  file: string;
  line: number;
}

/** One `Host` line's block, with the Host lines of the Includes that led to it. */
export interface ConfigHostBlock {
  condition: HostCondition;
  /** Every condition that must match for the block to apply, its own last. */
  when: HostCondition[];
}

export interface ParsedSshConfig {
  /** In the order OpenSSH reads them (Includes expanded in place); Match-block content excluded. */
  directives: ConfigDirective[];
  /** Every Host block, in reading order: the import report says whom each pattern block reached. */
  blocks: ConfigHostBlock[];
  /** Concrete aliases (no wildcard, not negated) of the Host lines, first appearance first. */
  hosts: ConfigHostAlias[];
  /** Every file read, in reading order. */
  files: string[];
  /** Match blocks, ignored directives, syntax and Include problems, once each. */
  notes: ImportNote[];
}

/** One `[user@]host[:port]` entry of a ProxyJump list. */
export interface JumpEntry {
  host: string;
  user?: string;
  port?: number;
}

/** Where a setting was read. */
export interface ConfigLocation {
  file: string;
  line: number;
}

export type ResolvedProxy =
  | { kind: 'direct' }
  | { kind: 'jump'; jumps: JumpEntry[]; at: ConfigLocation }
  | { kind: 'command'; command: string; at: ConfigLocation }
  /** The proxy settings are unusable (ProxyJump with ProxyCommand, bad ProxyJump): see `notes`. */
  | { kind: 'invalid' };

export type StrictHostKeyChecking = 'yes' | 'no' | 'ask' | 'accept-new';

export interface ResolvedHost {
  alias: string;
  /** HostName with `%h` expanded, lower-cased as OpenSSH does; the alias when not set. */
  hostName: string;
  user: string;
  port: number;
  /** Expanded (`~`, `%d %u %r %h %n %p`), duplicates dropped as OpenSSH does. */
  identityFiles: string[];
  identitiesOnly: boolean;
  proxy: ResolvedProxy;
  forwardAgent?: boolean;
  serverAliveIntervalSec?: number;
  serverAliveCountMax?: number;
  connectTimeoutSec?: number;
  strictHostKeyChecking?: StrictHostKeyChecking;
  /** Expanded; `[]` for `UserKnownHostsFile none`. */
  userKnownHostsFiles?: string[];
  /**
   * LocalForward, RemoteForward and DynamicForward in reading order, duplicates dropped, each
   * with `autoStart` (ssh starts them with the connection); absent when there are none.
   */
  forwards?: ForwardSpec[];
  /** Directives applying to this host that Hopline ignores, and errors in its settings. */
  notes: ImportNote[];
  /** Where each setting came from: the first obtained directive per lower-case keyword. */
  locations?: Record<string, ConfigLocation>;
  /** Where each of `identityFiles` was configured (same order, same paths). */
  identityFileLocations?: (ConfigLocation & { path: string })[];
  /** CertificateFile, expanded as identityFiles; absent when none. */
  certificateFiles?: string[];
}

export interface CircuitResult {
  /** False when `notes` holds an error; `hops` is then empty. */
  ok: boolean;
  /** Hop 0 first, the target last. */
  hops: HopSpec[];
  notes: ImportNote[];
}

export interface ImportedHost extends CircuitResult {
  alias: string;
  /** Where its Host line is. */
  file: string;
  line: number;
  settings: ResolvedHost;
}

/** A note of the import report: one per source line and message, with every host it concerns. */
export interface GroupedNote {
  severity: NoteSeverity;
  file: string;
  line: number;
  directive?: string;
  /** Without a host name in front: `hosts` says whom it concerns. */
  message: string;
  /** The hosts (aliases, and jump hops by name) it applies to, first seen first; empty for a note about the file. */
  hosts: string[];
}

export interface SshConfigImport {
  hosts: ImportedHost[];
  /** The file's notes, plus every host's errors. Per-host ignored directives are on each host. */
  notes: ImportNote[];
  /**
   * What a person reads: every note once per source line, with the hosts it applies to (a
   * `Host *` directive is one line, not one per host), plus what pattern blocks reached, how
   * host-key settings are taken, and key files that do not exist.
   */
  report: GroupedNote[];
}

/** Thrown by the exporters for a circuit that cannot be written without changing its meaning. */
export class SshConfigExportError extends Error {
  override name = 'SshConfigExportError';
}

// ---------------------------------------------------------------------------------------------
// Constants
// ---------------------------------------------------------------------------------------------

/** Directives Hopline acts on, lower-case keyword to canonical spelling. */
const ACTED_KEYWORDS: Readonly<Record<string, string>> = {
  hostname: 'HostName',
  user: 'User',
  port: 'Port',
  identityfile: 'IdentityFile',
  certificatefile: 'CertificateFile',
  identitiesonly: 'IdentitiesOnly',
  proxyjump: 'ProxyJump',
  proxycommand: 'ProxyCommand',
  serveraliveinterval: 'ServerAliveInterval',
  serveralivecountmax: 'ServerAliveCountMax',
  forwardagent: 'ForwardAgent',
  stricthostkeychecking: 'StrictHostKeyChecking',
  userknownhostsfile: 'UserKnownHostsFile',
  connecttimeout: 'ConnectTimeout',
  localforward: 'LocalForward',
  remoteforward: 'RemoteForward',
  dynamicforward: 'DynamicForward',
  clearallforwardings: 'ClearAllForwardings',
};

/** The forward directives: they accumulate (every applying line counts), as IdentityFile does. */
const FORWARD_DIRECTIVES = new Set(['localforward', 'remoteforward', 'dynamicforward']);

/** OpenSSH's READCONF_MAX_DEPTH: the file given is depth 0, a file at depth 17 is refused. */
const MAX_INCLUDE_DEPTH = 16;
const DEFAULT_PORT = 22;
const DEFAULT_KEEPALIVE_COUNT = 3;

// ---------------------------------------------------------------------------------------------
// Lexing one line
// ---------------------------------------------------------------------------------------------

interface LexedLine {
  keyword: string;
  name: string;
  args: string[];
  rest: string;
}

/** Splits a line as readconf.c does; null for blank and comment lines. */
function lexLine(raw: string): LexedLine | null | { error: string } {
  const text = raw.replace(/[ \t\r\n\f]+$/, '').replace(/^[ \t]+/, '');
  if (text === '' || text.startsWith('#')) return null;
  // The keyword ends at whitespace or at one '=' (with optional whitespace around it).
  const m = /^([^ \t=]+)(?:[ \t]*=[ \t]*|[ \t]+|$)/.exec(text);
  if (!m) return { error: 'expected a keyword' };
  const name = m[1] ?? '';
  const rest = text.slice(m[0].length);
  const args = splitArgs(rest);
  if (args === null) return { error: 'unterminated quote' };
  return { keyword: name.toLowerCase(), name, args, rest };
}

/**
 * OpenSSH's argv_split: whitespace separates words, single or double quotes group (and may start
 * mid-word), backslash escapes a quote, a backslash, or (unquoted) a space, and an unquoted `#` at
 * the start of a word ends the line. Null when a quote is left open.
 */
function splitArgs(s: string): string[] | null {
  const args: string[] = [];
  let i = 0;
  while (i < s.length) {
    if (s[i] === ' ' || s[i] === '\t') { i++; continue; }
    if (s[i] === '#') break;
    let word = '';
    let quote = '';
    for (; i < s.length; i++) {
      const c = s[i] ?? '';
      const next = s[i + 1] ?? '';
      if (c === '\\' && (next === '"' || next === "'" || next === '\\' || (quote === '' && next === ' '))) {
        word += next;
        i++;
      } else if (quote === '' && (c === ' ' || c === '\t')) {
        break;
      } else if (quote === '' && (c === '"' || c === "'")) {
        quote = c;
      } else if (quote !== '' && c === quote) {
        quote = '';
      } else {
        word += c;
      }
    }
    if (quote !== '') return null;
    args.push(word);
  }
  return args;
}

// ---------------------------------------------------------------------------------------------
// Values
// ---------------------------------------------------------------------------------------------

/** As a2port: 1-65535, or a TCP service name (`Port ssh` is 22), for Port and jump entries alike. */
function parsePort(text: string | undefined): number | undefined {
  return text === undefined ? undefined : (a2port(text) ?? undefined);
}

/** OpenSSH's multistate yes/no flag. */
function parseFlag(text: string | undefined): boolean | undefined {
  switch (text?.toLowerCase()) {
    case 'yes': case 'true': return true;
    case 'no': case 'false': return false;
    default: return undefined;
  }
}

/** OpenSSH's convtime: `90`, `1m30s`, `2h`; seconds. */
function parseSeconds(text: string | undefined): number | undefined {
  if (text === undefined || !/^(\d+[smhdw]?)+$/i.test(text)) return undefined;
  const unit: Record<string, number> = { '': 1, s: 1, m: 60, h: 3600, d: 86400, w: 604800 };
  let total = 0;
  for (const m of text.matchAll(/(\d+)([smhdw]?)/gi)) {
    total += Number(m[1]) * (unit[(m[2] ?? '').toLowerCase()] ?? 1);
  }
  return total;
}

function parseStrict(text: string | undefined): StrictHostKeyChecking | undefined {
  switch (text?.toLowerCase()) {
    case 'yes': case 'true': return 'yes';
    case 'no': case 'false': case 'off': return 'no';
    case 'ask': return 'ask';
    case 'accept-new': return 'accept-new';
    default: return undefined;
  }
}

function isNone(text: string | undefined): boolean {
  return text?.toLowerCase() === 'none';
}

/** `[user@]host[:port]`, `[user@][v6addr][:port]` or `ssh://[user@]host[:port]`, as parse_jump accepts. */
function parseJumpEntry(text: string): JumpEntry | { error: string } {
  let rest = text;
  const uri = rest.toLowerCase().startsWith('ssh://');
  if (uri) rest = rest.slice('ssh://'.length).replace(/\/$/, '');
  // The user is everything before the LAST '@': user names may contain '@' themselves.
  const at = rest.lastIndexOf('@');
  const user = at >= 0 ? rest.slice(0, at) : undefined;
  rest = at >= 0 ? rest.slice(at + 1) : rest;
  let host = rest;
  let portText: string | undefined;
  const bracketed = /^\[([^\]]+)\](?::(.*))?$/.exec(rest);
  if (bracketed) {
    host = bracketed[1] ?? '';
    portText = bracketed[2];
  } else if (rest.includes(':')) {
    host = rest.slice(0, rest.indexOf(':'));
    portText = rest.slice(rest.indexOf(':') + 1);
  }
  if (host === '' || user === '' || (uri && host.includes('/'))) return { error: `"${text}" is not a [user@]host[:port] jump entry` };
  const entry: JumpEntry = { host };
  if (user !== undefined) entry.user = user;
  if (portText !== undefined) {
    const port = parsePort(portText);
    if (port === undefined) return { error: `"${text}" has a bad port` };
    entry.port = port;
  }
  return entry;
}

function parseJumpList(text: string): JumpEntry[] | { error: string } {
  const entries: JumpEntry[] = [];
  for (const part of text.split(',')) {
    const entry = parseJumpEntry(part);
    if ('error' in entry) return entry;
    entries.push(entry);
  }
  return entries;
}

/** Keywords whose single value is the whole story; the others say how many they take below. */
const MULTI_ARG_KEYWORDS = new Set(['proxycommand', 'userknownhostsfile', 'localforward', 'remoteforward']);

/**
 * A forward directive's value as OpenSSH reads it: a spec, `unsupported` (a Unix socket or a
 * remote SOCKS proxy: valid for ssh, skipped with a note by Hopline), or an error ssh would refuse.
 */
function forwardOf(d: Pick<ConfigDirective, 'keyword' | 'args'>): { spec: ForwardSpec } | { unsupported: string } | { error: string } {
  try {
    return { spec: parseForwardDirective(d.keyword, d.args, tcpServicePort) };
  } catch (error) {
    if (!(error instanceof ForwardSpecError)) throw error;
    if (error.problem === 'unix-socket' || error.problem === 'remote-dynamic') return { unsupported: error.message };
    return { error: error.message };
  }
}

/** Why an acted-on directive's value is unusable, or undefined when it is fine. */
function valueError(keyword: string, args: string[], rest: string): string | undefined {
  if (keyword === 'proxycommand') return rest.trim() === '' ? 'missing argument' : undefined;
  if (args.length === 0) return 'missing argument';
  if (!MULTI_ARG_KEYWORDS.has(keyword) && args.length > 1) return `extra arguments at end of line: ${args.slice(1).join(' ')}`;
  const value = args[0];
  const bad = (what: string): string => `"${value ?? ''}" is not ${what}`;
  switch (keyword) {
    case 'port': return parsePort(value) === undefined ? bad('a port number (1-65535)') : undefined;
    case 'identitiesonly': return parseFlag(value) === undefined ? bad('yes or no') : undefined;
    case 'stricthostkeychecking': return parseStrict(value) === undefined ? bad('yes, no, ask or accept-new') : undefined;
    case 'serveraliveinterval': return parseSeconds(value) === undefined ? bad('a time in seconds') : undefined;
    case 'connecttimeout': return !isNone(value) && parseSeconds(value) === undefined ? bad('a time in seconds') : undefined;
    case 'serveralivecountmax': return /^\d+$/.test(value ?? '') ? undefined : bad('a count');
    case 'clearallforwardings': return parseFlag(value) === undefined ? bad('yes or no') : undefined;
    case 'localforward':
    case 'remoteforward':
    case 'dynamicforward': {
      const forward = forwardOf({ keyword, args });
      return 'error' in forward ? forward.error : undefined;
    }
    case 'proxyjump': {
      if (isNone(value)) return undefined;
      const jumps = parseJumpList(value ?? '');
      return 'error' in jumps ? jumps.error : undefined;
    }
    default: return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Parsing files: Host blocks, Match blocks, Include
// ---------------------------------------------------------------------------------------------

interface ParseState {
  homeDir: string;
  directives: ConfigDirective[];
  blocks: ConfigHostBlock[];
  hosts: ConfigHostAlias[];
  files: string[];
  notes: ImportNote[];
  /** Real paths of the files being read, outermost first: including one of them is a cycle. */
  reading: string[];
}

/** Where in a file we are: before any Host line, in a Host block, or in an (unevaluated) Match block. */
type Block =
  | { kind: 'top' }
  | { kind: 'host'; condition: HostCondition }
  | { kind: 'match'; line: number };

export function parseSshConfig(source: SshConfigSource, opts: Pick<SshConfigOptions, 'homeDir'>): ParsedSshConfig {
  const state: ParseState = { homeDir: opts.homeDir, directives: [], blocks: [], hosts: [], files: [], notes: [], reading: [] };
  if ('text' in source) {
    parseText(state, source.text, source.file ?? '<text>', [], 0);
  } else {
    readConfigFile(state, source.file, [], 0, undefined);
  }
  return { directives: state.directives, blocks: state.blocks, hosts: state.hosts, files: state.files, notes: state.notes };
}

/** Reads one file (the top one, or an included one: `from` is then the Include line). */
function readConfigFile(state: ParseState, file: string, outer: HostCondition[], depth: number, from: { file: string; line: number } | undefined): void {
  const at = from ?? { file, line: 0 };
  let real: string;
  let text: string;
  try {
    real = realpathSync(file);
    text = readFileSync(file, 'utf8');
  } catch (err) {
    state.notes.push({ severity: 'error', ...at, ...(from ? { directive: 'Include' } : {}), message: `cannot read ${file}: ${(err as Error).message}` });
    return;
  }
  if (state.reading.includes(real)) {
    state.notes.push({ severity: 'error', ...at, directive: 'Include', message: `Include cycle: ${file} is already being read (${[...state.reading, real].join(' -> ')})` });
    return;
  }
  state.reading.push(real);
  parseText(state, text, file, outer, depth);
  state.reading.pop();
}

function parseText(state: ParseState, text: string, file: string, outer: HostCondition[], depth: number): void {
  state.files.push(file);
  let block: Block = { kind: 'top' };
  // A byte-order mark (editors on Windows) is not part of the first keyword.
  text.replace(/^\uFEFF/, '').split('\n').forEach((raw, index) => {
    const line = index + 1;
    const lexed = lexLine(raw);
    if (lexed === null) return;
    if ('error' in lexed) {
      state.notes.push({ severity: 'error', file, line, message: `cannot parse line: ${lexed.error}` });
      return;
    }
    switch (lexed.keyword) {
      case 'host':
        block = startHostBlock(state, lexed, file, line, outer);
        return;
      case 'match':
        state.notes.push({ severity: 'ignored', file, line, directive: lexed.name, message: `Match blocks are not evaluated: "${lexed.rest}" and everything up to the next Host or Match line is not applied` });
        block = { kind: 'match', line };
        return;
      case 'include':
        includeFiles(state, lexed, file, line, block, outer, depth);
        return;
      default:
        // Not a keyword at all (a file that is not ssh_config): say so without quoting the
        // line, since the notes reach the UI and the line could be anything (a password hash).
        if (!/^[a-z][a-z0-9]{1,40}$/.test(lexed.keyword)) {
          state.notes.push({ severity: 'error', file, line, message: 'not ssh_config syntax (line not shown)' });
          return;
        }
        addDirective(state, lexed, file, line, block, outer);
    }
  });
}

function startHostBlock(state: ParseState, lexed: LexedLine, file: string, line: number, outer: HostCondition[]): Block {
  const patterns = lexed.args.map((arg): HostPattern => (arg.startsWith('!') ? { pattern: arg.slice(1), negated: true } : { pattern: arg, negated: false }));
  // Even an empty Host line starts a block (one that matches nothing), so the lines under it
  // don't fall into the previous block.
  if (patterns.length === 0) state.notes.push({ severity: 'error', file, line, directive: lexed.name, message: 'Host line without patterns: the block under it is never applied' });
  for (const p of patterns) {
    const concrete = !p.negated && !/[*?]/.test(p.pattern);
    if (concrete && !state.hosts.some((h) => h.alias === p.pattern)) state.hosts.push({ alias: p.pattern, file, line });
  }
  const condition: HostCondition = { patterns, file, line };
  state.blocks.push({ condition, when: [...outer, condition] });
  return { kind: 'host', condition };
}

function conditionsFor(outer: HostCondition[], block: Block): HostCondition[] {
  return block.kind === 'host' ? [...outer, block.condition] : outer;
}

function addDirective(state: ParseState, lexed: LexedLine, file: string, line: number, block: Block, outer: HostCondition[]): void {
  if (block.kind === 'match') {
    state.notes.push({ severity: 'ignored', file, line, directive: lexed.name, message: `not applied: inside the Match block at line ${block.line}` });
    return;
  }
  const acted = Object.hasOwn(ACTED_KEYWORDS, lexed.keyword);
  const directive: ConfigDirective = { keyword: lexed.keyword, name: lexed.name, args: lexed.args, rest: lexed.rest, file, line, when: conditionsFor(outer, block), acted };
  if (acted) {
    const error = valueError(lexed.keyword, lexed.args, lexed.rest);
    if (error !== undefined) {
      directive.error = `${lexed.name}: ${error}`;
      state.notes.push({ severity: 'error', file, line, directive: lexed.name, message: directive.error });
    }
  } else {
    state.notes.push({ severity: 'ignored', file, line, directive: lexed.name, message: `Hopline does not act on ${lexed.name}` });
  }
  state.directives.push(directive);
}

/** Include: each argument a glob; matches read in sorted order, under the enclosing Host block's condition. */
function includeFiles(state: ParseState, lexed: LexedLine, file: string, line: number, block: Block, outer: HostCondition[], depth: number): void {
  const at = { file, line, directive: lexed.name };
  if (block.kind === 'match') {
    state.notes.push({ severity: 'ignored', ...at, message: `not read: inside the Match block at line ${block.line}` });
    return;
  }
  if (lexed.args.length === 0) {
    state.notes.push({ severity: 'error', ...at, message: 'Include without a file' });
    return;
  }
  for (const arg of lexed.args) {
    const pattern = includePath(arg, state.homeDir);
    if (pattern === null) {
      state.notes.push({ severity: 'error', ...at, message: `${arg}: ~user paths are not supported` });
      continue;
    }
    const matches = globFiles(pattern);
    if (matches.length === 0) state.notes.push({ severity: 'info', ...at, message: `${pattern} matched no file (OpenSSH skips it silently)` });
    for (const match of matches) {
      if (depth + 1 > MAX_INCLUDE_DEPTH) {
        state.notes.push({ severity: 'error', ...at, message: `Include nested deeper than ${MAX_INCLUDE_DEPTH} files: ${match} not read` });
        continue;
      }
      if (!isFile(match)) {
        state.notes.push({ severity: 'info', ...at, message: `${match} is not a file, skipped` });
        continue;
      }
      readConfigFile(state, match, conditionsFor(outer, block), depth + 1, { file, line });
    }
  }
}

/** Relative Include paths are under ~/.ssh in a user config (Hopline never reads /etc/ssh ones). */
function includePath(arg: string, homeDir: string): string | null {
  const expanded = expandTilde(arg, homeDir);
  if (expanded === null) return null;
  return path.isAbsolute(expanded) ? expanded : path.join(homeDir, '.ssh', expanded);
}

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

/**
 * glob(3) for `*` and `?` in any path component: as glob does, a wildcard never matches a leading
 * dot, a path without wildcards matches only if it exists, and results are byte-sorted.
 */
function globFiles(pattern: string): string[] {
  const root = path.parse(pattern).root;
  // Backslash separates only on Windows; elsewhere it is an ordinary file-name character.
  const parts = pattern.slice(root.length).split(path.sep === '\\' ? /[\\/]+/ : /\/+/).filter((p) => p !== '');
  let candidates = [root];
  for (const part of parts) {
    if (!/[*?]/.test(part)) {
      candidates = candidates.map((dir) => path.join(dir, part));
      continue;
    }
    const re = globRegExp(part);
    candidates = candidates.flatMap((dir) =>
      listDir(dir)
        .filter((name) => re.test(name) && (!name.startsWith('.') || part.startsWith('.')))
        .map((name) => path.join(dir, name)),
    );
  }
  return candidates.filter(exists).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

function listDir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function exists(p: string): boolean {
  try {
    statSync(p);
    return true;
  } catch {
    return false;
  }
}

/** `*` any run, `?` one character, everything else literal; whole-string. */
function globRegExp(pattern: string): RegExp {
  const body = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`, 's');
}

// ---------------------------------------------------------------------------------------------
// Resolving one alias
// ---------------------------------------------------------------------------------------------

/** OpenSSH's Host rule: some pattern matches and no negated pattern does (case-sensitive). */
function conditionMatches(condition: HostCondition, alias: string): boolean {
  let matched = false;
  for (const p of condition.patterns) {
    if (!globRegExp(p.pattern).test(alias)) continue;
    if (p.negated) return false;
    matched = true;
  }
  return matched;
}

interface Obtained {
  /** The first applying directive of each keyword. */
  first: Map<string, ConfigDirective>;
  /** IdentityFile accumulates instead; duplicates dropped as OpenSSH does. */
  identityFiles: ConfigDirective[];
  /** CertificateFile accumulates the same way. */
  certificateFiles: ConfigDirective[];
  /** So do the forward directives (every one that applies, in reading order). */
  forwards: ConfigDirective[];
  ignored: ConfigDirective[];
  /** Reading order of the applying directives. */
  order: Map<ConfigDirective, number>;
}

function obtain(config: ParsedSshConfig, alias: string): Obtained {
  const got: Obtained = { first: new Map(), identityFiles: [], certificateFiles: [], forwards: [], ignored: [], order: new Map() };
  for (const d of config.directives) {
    if (!d.when.every((c) => conditionMatches(c, alias))) continue;
    got.order.set(d, got.order.size);
    if (!d.acted) got.ignored.push(d);
    else if (FORWARD_DIRECTIVES.has(d.keyword)) got.forwards.push(d);
    else if (d.keyword === 'identityfile') {
      if (!got.identityFiles.some((f) => f.args[0] === d.args[0])) got.identityFiles.push(d);
    } else if (d.keyword === 'certificatefile') {
      if (!got.certificateFiles.some((f) => f.args[0] === d.args[0])) got.certificateFiles.push(d);
    } else if (!got.first.has(d.keyword)) got.first.set(d.keyword, d);
  }
  return got;
}

function hostNote(severity: NoteSeverity, d: ConfigDirective, alias: string, message: string): ImportNote {
  return { severity, file: d.file, line: d.line, directive: d.name, host: alias, message: `${alias}: ${message}` };
}

/** The value of the first applying directive; a bad value counts as obtained (it blocks later ones) but gives nothing. */
function firstArg(got: Obtained, keyword: string): string | undefined {
  const d = got.first.get(keyword);
  return d && d.error === undefined ? d.args[0] : undefined;
}

/** The effective settings `ssh alias` would use (Match blocks aside), with what it ignores or rejects. */
export function resolveHost(config: ParsedSshConfig, alias: string, opts: ResolveOptions): ResolvedHost {
  const got = obtain(config, alias);
  const notes: ImportNote[] = got.ignored.map((d) => hostNote('ignored', d, alias, `Hopline does not act on ${d.name}`));
  for (const d of [...got.first.values(), ...got.identityFiles, ...got.certificateFiles, ...got.forwards]) {
    if (d.error !== undefined) notes.push(hostNote('error', d, alias, d.error));
  }
  const hostName = resolveHostName(got, alias, notes);
  const user = opts.user ?? firstArg(got, 'user') ?? opts.localUser;
  const port = opts.port ?? parsePort(firstArg(got, 'port')) ?? DEFAULT_PORT;
  const tokens = { d: opts.homeDir, u: opts.localUser, r: user, h: hostName, n: alias, p: String(port) };
  const expandPath = (d: ConfigDirective, file: string): string[] => {
    const result = expandFilePath(file, opts.homeDir, tokens);
    if (typeof result === 'string') return [result];
    notes.push(hostNote('error', d, alias, `${d.name} ${file}: ${result.error}`));
    return [];
  };
  const identityFileLocations = got.identityFiles.flatMap((d) => expandPath(d, d.args[0] ?? '').map((p) => ({ file: d.file, line: d.line, path: p })));
  const resolved: ResolvedHost = {
    alias,
    hostName,
    user,
    port,
    identityFiles: identityFileLocations.map((k) => k.path),
    identitiesOnly: parseFlag(firstArg(got, 'identitiesonly')) ?? false,
    proxy: decideProxy(got, alias, notes),
    notes,
    locations: Object.fromEntries([...got.first].map(([keyword, d]) => [keyword, { file: d.file, line: d.line }])),
    identityFileLocations,
  };
  const certificateFiles = got.certificateFiles.flatMap((d) => expandPath(d, d.args[0] ?? ''));
  if (certificateFiles.length > 0) resolved.certificateFiles = certificateFiles;
  addConnectionSettings(resolved, got, notes);
  addForwards(resolved, got, notes);
  const knownHosts = got.first.get('userknownhostsfile');
  if (knownHosts && knownHosts.error === undefined) {
    resolved.userKnownHostsFiles = isNone(knownHosts.args[0]) ? [] : knownHosts.args.flatMap((f) => expandPath(knownHosts, f));
  }
  return resolved;
}

/** The optional settings: agent forwarding, keepalive, timeout, host key checking. */
function addConnectionSettings(resolved: ResolvedHost, got: Obtained, notes: ImportNote[]): void {
  const forward = got.first.get('forwardagent');
  const forwardArg = firstArg(got, 'forwardagent');
  if (forward && forwardArg !== undefined) {
    const flag = parseFlag(forwardArg);
    // ForwardAgent may name a socket instead of yes/no; Hopline only forwards its own agent.
    if (flag === undefined) notes.push(hostNote('ignored', forward, resolved.alias, `ForwardAgent ${forwardArg}: forwarding a chosen socket is not supported, agent forwarding stays off`));
    else resolved.forwardAgent = flag;
  }
  const interval = parseSeconds(firstArg(got, 'serveraliveinterval'));
  if (interval !== undefined) resolved.serverAliveIntervalSec = interval;
  const count = firstArg(got, 'serveralivecountmax');
  if (count !== undefined) resolved.serverAliveCountMax = Number(count);
  const timeoutArg = firstArg(got, 'connecttimeout');
  const timeout = isNone(timeoutArg) ? undefined : parseSeconds(timeoutArg);
  if (timeout !== undefined) resolved.connectTimeoutSec = timeout;
  const strict = parseStrict(firstArg(got, 'stricthostkeychecking'));
  if (strict !== undefined) resolved.strictHostKeyChecking = strict;
}

/**
 * The host's forwards, as ssh would set them up: every applying directive, duplicates dropped
 * (OpenSSH's forward_equals), none at all under `ClearAllForwardings yes`. A forward without a
 * bind address stays on loopback here; under `GatewayPorts yes` ssh would listen on every
 * interface for -L and -D, so that is said rather than copied.
 */
function addForwards(resolved: ResolvedHost, got: Obtained, notes: ImportNote[]): void {
  if (got.forwards.length === 0) return;
  const clear = got.first.get('clearallforwardings');
  if (clear && parseFlag(firstArg(got, 'clearallforwardings')) === true) {
    notes.push(hostNote('info', clear, resolved.alias, `ClearAllForwardings yes: the ${got.forwards.length} forward line(s) for this host are not imported, as ssh would not set them up`));
    return;
  }
  const gatewayPorts = parseFlag(got.ignored.find((d) => d.keyword === 'gatewayports')?.args[0]) === true;
  const forwards: ForwardSpec[] = [];
  const seen = new Set<string>();
  for (const d of got.forwards) {
    if (d.error !== undefined) continue;
    const result = forwardOf(d);
    if ('unsupported' in result) {
      notes.push(hostNote('ignored', d, resolved.alias, `${d.name} not imported: ${result.unsupported.replace(/^-[LR] /, '')}`));
      continue;
    }
    if (!('spec' in result)) continue;
    const key = JSON.stringify([result.spec.kind, result.spec.bindAddress ?? null, result.spec.bindPort, result.spec.host ?? null, result.spec.hostPort ?? null]);
    if (seen.has(key)) continue;
    seen.add(key);
    const spec: ForwardSpec = { ...result.spec, autoStart: true };
    if (gatewayPorts && spec.kind !== 'remote' && spec.bindAddress === undefined) {
      notes.push(hostNote('warning', d, resolved.alias, `${formatForwardDirective(spec)}: GatewayPorts yes would make ssh listen on every interface; Hopline keeps it on 127.0.0.1 (write *:${spec.bindPort} to share it)`));
    }
    if (!bindsLoopbackOnly(spec) && spec.kind !== 'remote') {
      notes.push(hostNote('warning', d, resolved.alias, `${formatForwardDirective(spec)}: listens on ${spec.bindAddress === '*' ? 'every interface' : spec.bindAddress}, not only this machine: others on the network can use it`));
    }
    forwards.push(spec);
  }
  if (forwards.length > 0) resolved.forwards = forwards;
}

/** HostName with `%h` (the alias) expanded; lower-cased, as ssh does before using it. */
function resolveHostName(got: Obtained, alias: string, notes: ImportNote[]): string {
  const d = got.first.get('hostname');
  const value = firstArg(got, 'hostname');
  if (!d || value === undefined) return alias.toLowerCase();
  const expanded = expandTokens(value, { h: alias });
  if (typeof expanded === 'string') return expanded.toLowerCase();
  notes.push(hostNote('error', d, alias, `HostName ${value}: ${expanded.error}`));
  return alias.toLowerCase();
}

/**
 * ProxyJump and ProxyCommand: each first-wins on its own, `none` disables it. Both set is an
 * error (OpenSSH would silently use whichever came first). One more OpenSSH rule, checked with
 * `ssh -G`: a `ProxyCommand none` obtained before any ProxyJump disables the ProxyJump too,
 * which is how older configs exempt their bastion from a `Host *` jump.
 */
function decideProxy(got: Obtained, alias: string, notes: ImportNote[]): ResolvedProxy {
  const jump = got.first.get('proxyjump');
  const command = got.first.get('proxycommand');
  if (jump?.error !== undefined || command?.error !== undefined) return { kind: 'invalid' };
  const jumpValue = jump?.args[0];
  const commandValue = command?.rest.replace(/^[ \t=]+/, '');
  const jumpSet = jump !== undefined && !isNone(jumpValue);
  const commandSet = command !== undefined && !isNone(commandValue);

  if (jump && command && jumpSet && commandSet) {
    notes.push(hostNote('error', jump, alias, `both ProxyJump (${jump.file}:${jump.line}) and ProxyCommand (${command.file}:${command.line}) apply; OpenSSH would silently use the first, Hopline refuses to guess: remove one`));
    return { kind: 'invalid' };
  }
  if (jump && jumpSet) {
    // Any ProxyCommand left here is `none` (a real one was the conflict above).
    if (command && (got.order.get(command) ?? 0) < (got.order.get(jump) ?? 0)) {
      notes.push(hostNote('info', jump, alias, `ProxyJump not used: "ProxyCommand none" at ${command.file}:${command.line} comes first, as in OpenSSH`));
      return { kind: 'direct' };
    }
    const jumps = parseJumpList(jumpValue ?? '');
    return 'error' in jumps ? { kind: 'invalid' } : { kind: 'jump', jumps, at: { file: jump.file, line: jump.line } };
  }
  if (command && commandSet && commandValue !== undefined) {
    if (/[|&;<>`$]/.test(commandValue)) {
      notes.push(hostNote('info', command, alias, 'Hopline runs ProxyCommand without a shell: pipes, redirections, ; && and $ expansions in it do not work as under OpenSSH'));
    }
    return { kind: 'command', command: commandValue, at: { file: command.file, line: command.line } };
  }
  return { kind: 'direct' };
}

function expandTilde(p: string, homeDir: string): string | null {
  if (p === '~') return homeDir;
  if (p.startsWith('~/')) return path.join(homeDir, p.slice(2));
  return p.startsWith('~') ? null : p;
}

function expandFilePath(file: string, homeDir: string, tokens: Record<string, string>): string | { error: string } {
  const tilde = expandTilde(file, homeDir);
  if (tilde === null) return { error: '~user paths are not supported' };
  return expandTokens(tilde, tokens);
}

/** `%x` tokens from `tokens`, `%%` for a percent sign; any other token is an error, as in OpenSSH. */
function expandTokens(text: string, tokens: Record<string, string>): string | { error: string } {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c !== '%') { out += c; continue; }
    const key = text[i + 1];
    i++;
    if (key === '%') out += '%';
    else if (key !== undefined && Object.hasOwn(tokens, key)) out += tokens[key];
    else return { error: key === undefined ? 'ends with a lone %' : `unsupported token %${key}` };
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Circuits
// ---------------------------------------------------------------------------------------------

/**
 * The circuit `ssh alias` would make. For `ProxyJump a,b` ssh runs `ssh -J a -W host:port b`:
 * so b is reached through a with b's own ProxyJump/ProxyCommand overridden, while a is resolved
 * fully, its own ProxyJump or ProxyCommand included (recursively). Every entry gets its other
 * settings (HostName, User, Port, keys) from its own Host blocks; `user@`/`:port` in the entry win.
 */
export function circuitForAlias(config: ParsedSshConfig, alias: string, opts: SshConfigOptions): CircuitResult {
  const notes: ImportNote[] = [];
  const hops = buildCircuit(config, { host: alias }, opts, { target: alias, chain: [], via: undefined }, notes);
  if (hops.length > MAX_CIRCUIT_DEPTH) {
    const proxy = resolveHost(config, alias, opts).proxy;
    const at = proxy.kind === 'jump' ? proxy.at : { file: '', line: 0 };
    notes.push({ severity: 'error', ...at, directive: 'ProxyJump', host: alias, message: `${alias}: the circuit has ${hops.length} hops, more than ${MAX_CIRCUIT_DEPTH}` });
  }
  const unique = dedupeNotes(notes);
  const ok = !unique.some((n) => n.severity === 'error');
  return { ok, hops: ok ? hops : [], notes: unique };
}

interface CircuitTrail {
  /** The alias the circuit is for: loop and depth errors are that host's errors. */
  target: string;
  /** The aliases whose own proxy settings led here, to catch ProxyJump loops. */
  chain: string[];
  /** The ProxyJump line that named this entry. */
  via: ConfigLocation | undefined;
}

function buildCircuit(config: ParsedSshConfig, entry: JumpEntry, opts: SshConfigOptions, trail: CircuitTrail, notes: ImportNote[]): HopSpec[] {
  const route = [...trail.chain, entry.host].join(' -> ');
  const trailError = (message: string): HopSpec[] => {
    notes.push({ severity: 'error', file: trail.via?.file ?? '', line: trail.via?.line ?? 0, directive: 'ProxyJump', host: trail.target, message: `${trail.target}: ${message}` });
    return [];
  };
  if (trail.chain.includes(entry.host)) return trailError(`ProxyJump loop ${route}`);
  if (trail.chain.length >= MAX_CIRCUIT_DEPTH) return trailError(`ProxyJump nested deeper than ${MAX_CIRCUIT_DEPTH} (${route})`);

  const resolved = resolveEntry(config, entry, opts, notes);
  const proxy = resolved.proxy;
  if (proxy.kind === 'command') return [hopFrom(resolved, proxy.command)];
  if (proxy.kind !== 'jump') return [hopFrom(resolved)];
  const [first, ...others] = proxy.jumps;
  if (!first) return [hopFrom(resolved)];
  const before = buildCircuit(config, first, opts, { target: trail.target, chain: [...trail.chain, entry.host], via: proxy.at }, notes);
  // Later entries: their own proxy settings are overridden (by `-J` in OpenSSH), not followed.
  const middle = others.map((e) => hopFrom(resolveEntry(config, e, opts, notes)));
  return [...before, ...middle, hopFrom(resolved)];
}

function resolveEntry(config: ParsedSshConfig, entry: JumpEntry, opts: SshConfigOptions, notes: ImportNote[]): ResolvedHost {
  const resolveOpts: ResolveOptions = { ...opts };
  if (entry.user !== undefined) resolveOpts.user = entry.user;
  if (entry.port !== undefined) resolveOpts.port = entry.port;
  const resolved = resolveHost(config, entry.host, resolveOpts);
  notes.push(...resolved.notes);
  return resolved;
}

/** Keys first when configured; otherwise the agent (unless IdentitiesOnly); then the interactive methods. */
function authSteps(r: ResolvedHost): AuthStep[] {
  const steps: AuthStep[] = r.identityFiles.length > 0
    ? r.identityFiles.map((keyFile): AuthStep => ({ kind: 'publickey', keyFile }))
    : r.identitiesOnly ? [] : [{ kind: 'agent' }];
  return [...steps, { kind: 'keyboard-interactive' }, { kind: 'password' }];
}

function hopFrom(r: ResolvedHost, proxyCommand?: string): HopSpec {
  const hop: HopSpec = { name: r.alias, host: r.hostName, port: r.port, user: r.user, auth: authSteps(r) };
  if (r.forwardAgent !== undefined) hop.agentForward = r.forwardAgent;
  if (r.serverAliveIntervalSec !== undefined && r.serverAliveIntervalSec > 0) {
    hop.keepaliveIntervalMs = r.serverAliveIntervalSec * 1000;
    hop.keepaliveCountMax = r.serverAliveCountMax ?? DEFAULT_KEEPALIVE_COUNT;
  }
  if (r.connectTimeoutSec !== undefined && r.connectTimeoutSec > 0) hop.connectTimeoutMs = r.connectTimeoutSec * 1000;
  if (proxyCommand !== undefined) hop.proxy = { kind: 'command', command: proxyCommand };
  if (r.userKnownHostsFiles !== undefined) hop.knownHostsFiles = [...r.userKnownHostsFiles];
  if (r.certificateFiles !== undefined) hop.certificateFiles = [...r.certificateFiles];
  return hop;
}

function dedupeNotes(notes: ImportNote[]): ImportNote[] {
  const seen = new Set<string>();
  return notes.filter((n) => {
    const key = JSON.stringify([n.severity, n.file, n.line, n.host, n.message]);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

// ---------------------------------------------------------------------------------------------
// Import
// ---------------------------------------------------------------------------------------------

/** Every concrete Host alias with its settings and circuit, and what was not or could not be imported. */
export function importSshConfig(source: SshConfigSource, opts: SshConfigOptions): SshConfigImport {
  const config = parseSshConfig(source, opts);
  const notes = [...config.notes];
  const hosts = config.hosts.map((h): ImportedHost => {
    const circuit = circuitForAlias(config, h.alias, opts);
    notes.push(...circuit.notes.filter((n) => n.severity === 'error'));
    return { ...h, settings: resolveHost(config, h.alias, opts), ...circuit };
  });
  const unique = dedupeNotes(notes);
  const report = groupNotes(
    [...unique, ...hosts.flatMap((h) => h.notes), ...patternBlockNotes(config), ...hopSettingNotes(config, hosts, opts)],
    config.files,
  );
  return { hosts, notes: unique, report };
}

/** The message as the host's note says it, without the `alias: ` in front. */
function hostFreeMessage(note: ImportNote): string {
  const prefix = note.host !== undefined ? `${note.host}: ` : '';
  return prefix && note.message.startsWith(prefix) ? note.message.slice(prefix.length) : note.message;
}

/**
 * One note per severity, source line and message, with the hosts it concerns: the file's own
 * note about an ignored directive and each host's copy of it become one line. Sorted by file
 * (reading order) and line, so the report reads like the file.
 */
export function groupNotes(notes: readonly ImportNote[], files: readonly string[]): GroupedNote[] {
  const groups = new Map<string, GroupedNote>();
  for (const n of notes) {
    const message = hostFreeMessage(n);
    const key = JSON.stringify([n.severity, n.file, n.line, n.directive ?? '', message]);
    let group = groups.get(key);
    if (!group) {
      group = { severity: n.severity, file: n.file, line: n.line, ...(n.directive !== undefined ? { directive: n.directive } : {}), message, hosts: [] };
      groups.set(key, group);
    }
    if (n.host !== undefined && !group.hosts.includes(n.host)) group.hosts.push(n.host);
  }
  const fileOrder = (file: string): number => {
    const i = files.indexOf(file);
    return i < 0 ? files.length : i;
  };
  return [...groups.values()].sort((a, b) => fileOrder(a.file) - fileOrder(b.file) || a.line - b.line);
}

const hasWildcard = (block: ConfigHostBlock): boolean => block.condition.patterns.some((p) => !p.negated && /[*?]/.test(p.pattern));

/**
 * A Host block with a pattern (`Host *`, `Host k8s-*.corp.example`) is never a host of its own:
 * say which imported hosts it reached, or that none did and its settings went nowhere.
 */
function patternBlockNotes(config: ParsedSshConfig): ImportNote[] {
  const notes: ImportNote[] = [];
  for (const block of config.blocks) {
    if (!hasWildcard(block)) continue;
    const { file, line } = block.condition;
    const written = `Host ${block.condition.patterns.map((p) => (p.negated ? '!' : '') + p.pattern).join(' ')}`;
    const reached = config.hosts.filter((h) => block.when.every((c) => conditionMatches(c, h.alias))).map((h) => h.alias);
    if (reached.length > 0) {
      for (const alias of reached) notes.push({ severity: 'info', file, line, directive: 'Host', host: alias, message: `${written}: a pattern, not a host; its settings were applied to the imported hosts it matches` });
      continue;
    }
    const inside = [...new Set(config.directives.filter((d) => d.when[d.when.length - 1] === block.condition).map((d) => d.name))];
    const what = inside.length > 0 ? `its ${inside.join(', ')} ${inside.length === 1 ? 'was' : 'were'} not imported` : 'it holds no settings';
    notes.push({ severity: 'ignored', file, line, directive: 'Host', message: `${written}: a pattern, and no concrete host in the file matches it: ${what}. Hopline imports named hosts only; add a Host line naming each host you use` });
  }
  return notes;
}

/** What Hopline does instead of each StrictHostKeyChecking value; `ask` is what it does anyway. */
const STRICT_INSTEAD: Partial<Record<StrictHostKeyChecking, string>> = {
  yes: 'not honoured: Hopline asks about an unknown host key instead of refusing it; a changed key is refused, as with yes',
  'accept-new': 'not honoured: Hopline asks before trusting a new host key instead of saving it silently; a changed key is refused, as with accept-new',
  no: 'not honoured: Hopline still checks host keys: it asks about an unknown key and refuses a changed one',
};

/**
 * Per hop of every imported circuit (jump hosts included): how its host-key settings are taken,
 * and key files that are not there. Each hop is resolved as its circuit resolved it (its user and
 * port given), so `%r`/`%p` in paths expand the same way.
 */
function hopSettingNotes(config: ParsedSshConfig, hosts: readonly ImportedHost[], opts: SshConfigOptions): ImportNote[] {
  const notes: ImportNote[] = [];
  const seen = new Set<string>();
  for (const hop of hosts.flatMap((h) => (h.ok ? h.hops : []))) {
    const key = JSON.stringify([hop.name, hop.user, hop.port]);
    if (seen.has(key)) continue;
    seen.add(key);
    const r = resolveHost(config, hop.name, { ...opts, user: hop.user, port: hop.port });
    const at = (keyword: string): ConfigLocation => r.locations?.[keyword] ?? { file: '', line: 0 };
    if (r.strictHostKeyChecking !== undefined) {
      const instead = STRICT_INSTEAD[r.strictHostKeyChecking];
      if (instead) notes.push({ severity: 'ignored', ...at('stricthostkeychecking'), directive: 'StrictHostKeyChecking', host: hop.name, message: `StrictHostKeyChecking ${r.strictHostKeyChecking}: ${instead}` });
    }
    if (r.userKnownHostsFiles !== undefined) {
      const files = r.userKnownHostsFiles.length > 0 ? r.userKnownHostsFiles.join(', ') : 'none of the user\'s files';
      notes.push({ severity: 'info', ...at('userknownhostsfile'), directive: 'UserKnownHostsFile', host: hop.name, message: `UserKnownHostsFile honoured: host keys are checked against ${files} (and Hopline's own known_hosts), not ~/.ssh/known_hosts` });
    }
    for (const k of r.identityFileLocations ?? []) {
      if (existsSync(k.path)) continue;
      // OpenSSH skips a missing IdentityFile without a word; an import is the moment to say it.
      notes.push({ severity: 'warning', file: k.file, line: k.line, directive: 'IdentityFile', host: hop.name, message: `IdentityFile ${k.path} does not exist: kept in the host's keys, and skipped when connecting until it is there` });
    }
  }
  return notes;
}

// ---------------------------------------------------------------------------------------------
// Export
// ---------------------------------------------------------------------------------------------

/**
 * Host and user names go into config lines and `-J` specs unquoted: refuse anything that would
 * split, quote, comment, escape, list (`,`), look like an option (`-`) or mix user and host (`@`).
 */
function assertPlain(value: string, what: string, extra: RegExp): void {
  if (value === '' || /[\s"'\\,\p{Cc}]/u.test(value) || value.startsWith('-') || value.startsWith('#') || extra.test(value)) {
    throw new SshConfigExportError(`${what} ${JSON.stringify(value)} cannot be written into an ssh config or command line`);
  }
}

function assertHop(hop: HopSpec, index: number): void {
  const label = hopName({ index, name: hop.name });
  assertPlain(hop.host, `${label}: host`, /[@[\]]/);
  // '%' would be a token if a newer OpenSSH expands User; '@' stays fine (ssh splits at the last one).
  assertPlain(hop.user, `${label}: user`, /%/);
  if (!Number.isInteger(hop.port) || hop.port < 1 || hop.port > 65535) throw new SshConfigExportError(`${label}: port ${hop.port} is not a port number`);
}

/** A name as an ssh_config alias: letters, digits, `.`, `_`, `-` (not first); `fallback` if nothing is left. */
export function configAlias(name: string, fallback: string): string {
  return name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[-.]+|-+$/g, '') || fallback;
}

/** Hop names may be anything; aliases are unique and never the target's. */
function hopAliases(hops: HopSpec[], targetAlias: string): string[] {
  const used = new Set([targetAlias]);
  return hops.map((hop, i) => {
    if (i === hops.length - 1) return targetAlias;
    const base = configAlias(hop.name, `hop${i + 1}`);
    let alias = base;
    for (let n = 2; used.has(alias); n++) alias = `${base}-${n}`;
    used.add(alias);
    return alias;
  });
}

/** A path as one quoted word: backslash and quote escaped for argv_split, `%` doubled for expansion. */
function quotedPath(p: string, what: string): string {
  if (p === '' || /\p{Cc}/u.test(p)) throw new SshConfigExportError(`${what} ${JSON.stringify(p)} cannot be written into an ssh config`);
  return `"${p.replace(/[\\"]/g, '\\$&').replace(/%/g, '%%')}"`;
}

function proxyCommandOf(hops: HopSpec[]): string | undefined {
  const proxy = hops[0]?.proxy;
  if (!proxy) return undefined;
  if (proxy.kind !== 'command') {
    throw new SshConfigExportError(`${hopNameAtStart({ index: 0, name: hops[0]!.name })} goes through a ${proxy.kind} proxy, which OpenSSH cannot express without a helper command`);
  }
  if (/\p{Cc}/u.test(proxy.command) || proxy.command.trim() === '' || isNone(proxy.command.trim())) {
    throw new SshConfigExportError(`${hopName({ index: 0, name: hops[0]!.name })}: ProxyCommand ${JSON.stringify(proxy.command)} cannot be written into an ssh config`);
  }
  return proxy.command.trim();
}

/**
 * A forward's addresses go into a config line and an argv unquoted: refuse what would split,
 * quote, comment or escape there, or read as an option. Ports are checked too (a hand-made spec).
 */
function assertForward(spec: ForwardSpec, index: number): void {
  const label = `forward ${index + 1} (${spec.kind})`;
  for (const [what, value] of [['bind address', spec.bindAddress], ['destination host', spec.host]] as const) {
    if (value === undefined) continue;
    if (value === '' || /[\s"'\\#[\]\p{Cc}]/u.test(value) || value.startsWith('-')) {
      throw new SshConfigExportError(`${label}: ${what} ${JSON.stringify(value)} cannot be written into an ssh config or command line`);
    }
  }
  const badPort = (n: number | undefined, min: number): boolean => n === undefined || !Number.isInteger(n) || n < min || n > 65535;
  if (badPort(spec.bindPort, 0)) throw new SshConfigExportError(`${label}: port ${spec.bindPort} is not a port number`);
  if (spec.kind !== 'dynamic' && (spec.host === undefined || badPort(spec.hostPort, 1))) throw new SshConfigExportError(`${label}: needs a destination host and port`);
  // ssh refuses -L 0 and -D 0 (and so do Hopline's parser and schema); a spec that got here
  // unchecked still must not be written where ssh would refuse the whole file.
  if (spec.kind !== 'remote' && spec.bindPort === 0) throw new SshConfigExportError(`${label}: listens on any free port (0), which OpenSSH does not accept for ${spec.kind === 'local' ? 'LocalForward' : 'DynamicForward'}; give it a port first`);
}

/** Why a forward cannot be exported (as assertForward would throw), or null when it can. */
export function forwardExportProblem(spec: ForwardSpec, index: number): string | null {
  try {
    assertForward(spec, index);
    return null;
  } catch (error) {
    if (error instanceof SshConfigExportError) return error.message;
    throw error;
  }
}

function hostBlock(hop: HopSpec, alias: string, before: string[], proxyCommand: string | undefined, forwards: readonly ForwardSpec[] = []): string[] {
  const lines = [`Host ${alias}`, `    HostName ${hop.host.replace(/%/g, '%%')}`, `    User ${hop.user}`, `    Port ${hop.port}`];
  for (const file of hop.certificateFiles ?? []) lines.push(`    CertificateFile ${quotedPath(file, `Host ${alias}: certificate file`)}`);
  for (const step of hop.auth) {
    if (step.kind === 'publickey') lines.push(`    IdentityFile ${quotedPath(step.keyFile, `Host ${alias}: key file`)}`);
    if (step.kind === 'publickey' && step.certificateFile) lines.push(`    CertificateFile ${quotedPath(step.certificateFile, `Host ${alias}: certificate file`)}`);
    if (step.kind === 'agent' && step.socket !== undefined) lines.push(`    IdentityAgent ${quotedPath(step.socket, `Host ${alias}: agent socket`)}`);
  }
  // Without an agent step the hop offers only its own keys: say so, or ssh would add the agent's.
  if (!hop.auth.some((s) => s.kind === 'agent')) lines.push('    IdentitiesOnly yes');
  if (hop.agentForward !== undefined) lines.push(`    ForwardAgent ${hop.agentForward ? 'yes' : 'no'}`);
  if (hop.keepaliveIntervalMs !== undefined && hop.keepaliveIntervalMs > 0) {
    lines.push(`    ServerAliveInterval ${Math.max(1, Math.ceil(hop.keepaliveIntervalMs / 1000))}`);
    if (hop.keepaliveCountMax !== undefined) lines.push(`    ServerAliveCountMax ${hop.keepaliveCountMax}`);
  }
  if (hop.connectTimeoutMs !== undefined && hop.connectTimeoutMs > 0) lines.push(`    ConnectTimeout ${Math.max(1, Math.ceil(hop.connectTimeoutMs / 1000))}`);
  if (proxyCommand !== undefined) lines.push(`    ProxyCommand ${proxyCommand}`);
  // Each hop names all hops before it, so every block also works on its own (`ssh alias2`).
  if (before.length > 0) lines.push(`    ProxyJump ${before.join(',')}`);
  for (const forward of forwards) lines.push(`    ${formatForwardDirective(forward)}`);
  return lines;
}

/**
 * One Host block per hop, the target's named `targetAlias` with `ProxyJump alias1,alias2,...`
 * and the profile's `forwards` as LocalForward/RemoteForward/DynamicForward lines (ssh starts
 * every one with the connection, whatever their autoStart). Throws SshConfigExportError for
 * names that would break the syntax and for SOCKS/HTTP proxies.
 */
export function exportSshConfig(hops: HopSpec[], targetAlias: string, forwards: readonly ForwardSpec[] = []): string {
  if (hops.length === 0) throw new SshConfigExportError('an empty circuit cannot be exported');
  if (!/^[A-Za-z0-9_.][A-Za-z0-9._-]*$/.test(targetAlias)) {
    throw new SshConfigExportError(`alias ${JSON.stringify(targetAlias)}: use letters, digits, '.', '_' and '-' (not first)`);
  }
  hops.forEach(assertHop);
  forwards.forEach(assertForward);
  const aliases = hopAliases(hops, targetAlias);
  const proxyCommand = proxyCommandOf(hops);
  const last = hops.length - 1;
  const blocks = hops.map((hop, i) => hostBlock(hop, aliases[i] ?? targetAlias, aliases.slice(0, i), i === 0 ? proxyCommand : undefined, i === last ? forwards : []).join('\n'));
  return [`# Written by Hopline: ${aliases.join(' -> ')}`, ...blocks].join('\n\n') + '\n';
}

/** `user@host:port` for `-J`, IPv6 addresses bracketed. */
function jumpSpec(hop: HopSpec): string {
  const host = hop.host.includes(':') ? `[${hop.host}]` : hop.host;
  return `${hop.user}@${host}:${hop.port}`;
}

/**
 * `ssh [-J user@h1:p1,...] [-L/-R/-D forward]... -p port user@target` as an argv. It carries addresses only: keys and
 * keepalives need the config export. A ProxyCommand on the first hop can only be given when it is
 * the only hop (with -J, `-o ProxyCommand` would apply to the target); other proxies throw.
 */
export function exportSshJ(hops: HopSpec[], forwards: readonly ForwardSpec[] = []): string[] {
  const target = hops[hops.length - 1];
  if (!target) throw new SshConfigExportError('an empty circuit cannot be exported');
  hops.forEach(assertHop);
  forwards.forEach(assertForward);
  const argv = ['ssh'];
  const command = proxyCommandOf(hops);
  if (command !== undefined && hops.length > 1) throw new SshConfigExportError('hop 1 has a ProxyCommand, which `ssh -J` cannot give a jump host');
  if (command !== undefined) argv.push('-o', `ProxyCommand=${command}`);
  if (hops.length > 1) argv.push('-J', hops.slice(0, -1).map(jumpSpec).join(','));
  for (const forward of forwards) argv.push(...forwardArgs(forward));
  // The destination is never bracketed: ssh takes everything after the last '@' as the host.
  argv.push('-p', String(target.port), `${target.user}@${target.host}`);
  return argv;
}

/** An argv as one POSIX shell line, each word quoted only when it needs it. */
export function shellLine(argv: string[]): string {
  return argv.map((word) => (/^[\w@%+=:,./[\]-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`)).join(' ');
}
