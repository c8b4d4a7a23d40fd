/**
 * Types for what patches/ssh2+1.17.0.patch adds to ssh2 (applied by patch-package on every
 * `npm install` / `npm ci`, see README "Changes to ssh2"). Hopline reaches ssh2 only through
 * these documented additions, never through its private fields:
 *
 * - `ClientChannel#setWindowLimit(window, buffer?)`: window refills never grant the peer more
 *   than `window` bytes, and the readable side buffers `buffer` bytes (shellWindow.ts).
 * - `certificate` on a publickey auth method: an OpenSSH certificate blob for that key; the
 *   request carries the certificate under its `-cert-v01@openssh.com` algorithm and signs with
 *   the key's base algorithm (rsa-sha2-512 for RSA when the server offers it).
 * - Agent identities that are certificates are offered as their key carrying the certificate,
 *   and the agent is asked to sign with the certificate blob, as OpenSSH's ssh does.
 * - The `*-cert-v01@openssh.com` host-key algorithms may be listed in `algorithms.serverHostKey`
 *   (hostKeyPolicy.ts does, when an @cert-authority line covers the hop): the exchange is verified
 *   with the certified key, and hostVerifier gets the whole certificate to judge.
 * - A session whose socket is another session's channel (a jump hop) copies packets out as it
 *   parses, and the outer session reuses its assembly buffer (no API: it is on by itself, and only
 *   while the previous hop's ssh2 channel is handed to the next hop's client as it is).
 *
 * test/unit/main/services/engine/ssh2Patch.test.ts fails if the patch is not applied.
 */
import type { ClientChannel } from 'ssh2';

declare module 'ssh2' {
  interface ClientChannel {
    /** Added by patches/ssh2+1.17.0.patch. */
    setWindowLimit?(window: number, buffer?: number): this;
  }
  interface PublicKeyAuthMethod {
    /** Added by patches/ssh2+1.17.0.patch: the certificate blob (not the text line). */
    certificate?: Buffer;
  }
}

/** True when this ssh2 channel has the patched window API. */
export function hasWindowLimit(channel: ClientChannel): channel is ClientChannel & { setWindowLimit(window: number, buffer?: number): ClientChannel } {
  return typeof (channel as { setWindowLimit?: unknown }).setWindowLimit === 'function';
}
