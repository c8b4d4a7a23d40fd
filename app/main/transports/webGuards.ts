/**
 * The checks that keep web mode to the one person who started it: every request must come to
 * 127.0.0.1 or localhost on our port (DNS rebinding), from our own origin when a browser says
 * where it comes from (cross-site WebSocket hijacking), and carry the per-run token.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';

export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/** The Host header must name the loopback listener exactly, port included. */
export function isAllowedHost(host: string | undefined, port: number): boolean {
  return host === `127.0.0.1:${port}` || host === `localhost:${port}`;
}

/** The origin a page served for this Host has. Call only after isAllowedHost passed. */
export function servedOrigin(host: string): string {
  return `http://${host}`;
}

/** The token lives in a cookie named for the port: cookies are shared across ports of a host. */
export function tokenCookieName(port: number): string {
  return `hopline_token_${port}`;
}

export function readCookie(header: string | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}

export function tokensMatch(presented: string | null, expected: string): boolean {
  if (presented === null) return false;
  const a = Buffer.from(presented);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export type GuardVerdict = { ok: true; tokenFromQuery: boolean } | { ok: false; status: 401 | 403; reason: string };

/**
 * One verdict for a page request or a WebSocket upgrade. `requireOrigin` is set for upgrades:
 * browsers always send Origin on a WebSocket handshake, so its absence means a non-browser
 * client, which must still hold the token.
 */
export function checkRequest(request: { host: string | undefined; origin: string | undefined; url: URL; cookie: string | undefined }, port: number, token: string, requireOrigin: boolean): GuardVerdict {
  if (!isAllowedHost(request.host, port)) return { ok: false, status: 403, reason: 'Host not allowed' };
  const origin = request.origin;
  if (origin !== undefined ? origin !== servedOrigin(request.host as string) : requireOrigin) return { ok: false, status: 403, reason: 'Origin not allowed' };
  const fromQuery = request.url.searchParams.get('token');
  if (fromQuery !== null) {
    return tokensMatch(fromQuery, token) ? { ok: true, tokenFromQuery: true } : { ok: false, status: 401, reason: 'Missing or wrong token' };
  }
  return tokensMatch(readCookie(request.cookie, tokenCookieName(port)), token) ? { ok: true, tokenFromQuery: false } : { ok: false, status: 401, reason: 'Missing or wrong token' };
}
