/**
 * Headers on everything the app serves, in web mode and through Electron's app:// protocol.
 * The CSP allows scripts only from the app itself; `connect-src` adds the one WebSocket
 * endpoint web mode uses.
 *
 * Styles also allow 'unsafe-inline', deliberately: xterm.js injects <style> elements and sets
 * style attributes (24-bit colours, cursor, fonts) and supports no nonce, so without it the
 * terminal renders unreadable. The risk is CSS injection, which needs markup an attacker
 * controls; Hopline never renders server-supplied text as markup (React text nodes only), and
 * scripts stay 'self'.
 */
export function contentSecurityPolicy(extraConnectSrc: string[] = []): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src ${["'self'", ...extraConnectSrc].join(' ')}`,
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
    "object-src 'none'",
  ].join('; ');
}

export function securityHeaders(extraConnectSrc: string[] = []): Record<string, string> {
  return {
    'Content-Security-Policy': contentSecurityPolicy(extraConnectSrc),
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Cache-Control': 'no-store',
  };
}
