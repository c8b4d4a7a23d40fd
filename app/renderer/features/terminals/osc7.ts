/**
 * OSC 7 (`ESC ] 7 ; file://host/path ST`): the shell telling the terminal its working directory,
 * as VTE's `__vte_osc7`, fish, zsh and bash prompts configured for it do. Parsed as VS Code and
 * WezTerm parse it: a `file:` URL whose path is percent-decoded (UTF-8), the query and fragment
 * left out. Anything else is refused (null): another scheme, no absolute path, a path that does not
 * decode, a NUL, or more than a path could be.
 *
 * The result is only ever a folder to list over SFTP; nothing here runs or renders it (the files
 * view shows paths through displayName, escaped).
 *
 * The host part is not checked against the target: the shell runs on the circuit's target, so
 * whatever name it gives (`$HOSTNAME`, empty, `localhost`, a container's name) the path is a path
 * on the target.
 */
import type { IDisposable } from '@xterm/xterm';

/** OSC 7 payloads longer than this are refused: PATH_MAX (4096) percent-encoded, plus a host name. */
export const MAX_OSC7_LENGTH = 4096 * 3 + 300;
/** A decoded path longer than Linux's PATH_MAX is not a working directory. */
export const MAX_CWD_LENGTH = 4096;

export interface ShellCwd {
  /** The host the shell named (lower-cased, percent-decoded); '' when it gave none. */
  host: string;
  /** The absolute path, decoded. */
  path: string;
}

const HEX = /^[0-9a-fA-F]{2}$/;

/**
 * Percent-decodes as a URL parser does: `%XX` becomes that byte, a `%` not followed by two hex
 * digits stays as it is (a bash prompt's raw `$PWD` may hold one), and the bytes must be UTF-8.
 */
function percentDecode(text: string): string | null {
  if (!text.includes('%')) return text;
  const encoder = new TextEncoder();
  const bytes: number[] = [];
  for (let i = 0; i < text.length; ) {
    const pair = text.slice(i + 1, i + 3);
    if (text[i] === '%' && HEX.test(pair)) {
      bytes.push(parseInt(pair, 16));
      i += 3;
      continue;
    }
    const cp = text.codePointAt(i)!;
    const char = String.fromCodePoint(cp);
    for (const b of encoder.encode(char)) bytes.push(b);
    i += char.length;
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(new Uint8Array(bytes));
  } catch {
    return null;
  }
}

/** The working directory an OSC 7 payload reports, or null when it is not a usable `file:` URL. */
export function parseOsc7(data: string): ShellCwd | null {
  if (data.length > MAX_OSC7_LENGTH) return null;
  // Only file URLs, with an authority (`file://`); the scheme is case-insensitive as in any URL.
  if (!/^file:\/\//i.test(data)) return null;
  const rest = data.slice('file://'.length);
  const slash = rest.indexOf('/');
  // `file://host` with no path says nothing about a folder.
  if (slash < 0) return null;
  const rawHost = rest.slice(0, slash);
  // The query and fragment are not part of the path (URL syntax), as VS Code and WezTerm read it.
  const rawPath = rest.slice(slash).split(/[?#]/, 1)[0]!;
  const host = percentDecode(rawHost);
  const path = percentDecode(rawPath);
  if (host === null || path === null) return null;
  if (path.length === 0 || path.length > MAX_CWD_LENGTH || path.includes('\0') || host.includes('\0')) return null;
  // A host with `@`, `:` beyond a port, or whitespace is not a host name; the path is still good,
  // but the name is not kept.
  const cleanHost = /^[A-Za-z0-9._~:\-[\]]{0,255}$/.test(host) ? host.toLowerCase() : '';
  return { host: cleanHost, path };
}

/** The part of xterm's parser API this needs (the real `term.parser`, or a fake in tests). */
export interface OscHooks {
  registerOscHandler(ident: number, callback: (data: string) => boolean | Promise<boolean>): IDisposable;
}

/**
 * Listens for OSC 7 on a terminal: each usable report goes to `onCwd`. Every OSC 7 is taken as
 * handled (true), usable or not: xterm has nothing else to do with it, and it never reaches the screen.
 */
export function watchShellCwd(parser: OscHooks, onCwd: (cwd: ShellCwd) => void): IDisposable {
  return parser.registerOscHandler(7, (data) => {
    const cwd = parseOsc7(data);
    if (cwd) onCwd(cwd);
    return true;
  });
}
