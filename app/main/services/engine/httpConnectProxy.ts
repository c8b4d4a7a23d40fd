/**
 * HTTP CONNECT client for the first hop: asks an HTTP proxy for a raw TCP tunnel to the hop,
 * with optional Basic proxy authentication.
 */
import type net from 'node:net';
import { ErrorCode, HoplineError } from '../../../shared/model/errors';
import { hopName } from '../../../shared/model/hopName';
import { connectThrough, formatAddress, sanitizeForMessage, type ProxyConnectOptions, type ProxyEndpoint, type TcpTarget } from './tcpConnect';

/** Large enough for any real proxy's answer, small enough that a stray stream can't grow us. */
const MAX_HEAD_BYTES = 16 * 1024;
const MAX_STATUS_SHOWN = 200;

/** Characters that have no business in the authority of a CONNECT request (or in a header). */
const BAD_HOST_CHARS = /[\p{C}\p{Z}\s/?#@[\]]/u;

type Fail = (detail: string) => HoplineError;

/**
 * Opens a TCP tunnel to `target` through an HTTP proxy. Resolves once the proxy answered 2xx;
 * whatever it sent after its response head (the SSH server's banner, typically) is left on the
 * socket. The password never appears in an error.
 */
export async function connectHttpProxy(proxy: ProxyEndpoint, target: TcpTarget, opts: ProxyConnectOptions): Promise<net.Socket> {
  const fail: Fail = (detail) => new HoplineError(ErrorCode.PROXY_FAILED, `HTTP proxy ${formatAddress(proxy)} for ${hopName(opts.hop)}: ${detail}`, opts.hop);
  // Built before connecting, so nothing malformed is ever sent.
  const credentials = basicCredentials(proxy, fail);
  const request = connectRequest(target, credentials, fail);
  // A proxy could echo credentials back in its status line; they must not reach a message.
  const secrets = [proxy.password, credentials].filter((secret): secret is string => !!secret);
  const waitingFor = `HTTP proxy ${formatAddress(proxy)} to open a tunnel to ${formatAddress(target)}`;
  return connectThrough(proxy, { ...opts, what: 'HTTP proxy', waitingFor }, async (reader, socket) => {
    socket.write(request);
    const head = await reader.readUntil('\r\n\r\n', MAX_HEAD_BYTES, () => fail('the response head is larger than 16 KiB'));
    checkStatus(head, { target, withCredentials: credentials !== undefined, secrets }, fail);
  });
}

function connectRequest(target: TcpTarget, credentials: string | undefined, fail: Fail): string {
  if (target.host === '' || BAD_HOST_CHARS.test(target.host)) throw fail(`the target host ${JSON.stringify(sanitizeForMessage(target.host))} cannot be sent in a CONNECT request`);
  if (!Number.isInteger(target.port) || target.port < 1 || target.port > 65535) throw fail(`port ${String(target.port)} is not a valid TCP port`);
  const authority = formatAddress(target);
  const lines = [`CONNECT ${authority} HTTP/1.1`, `Host: ${authority}`];
  if (credentials) lines.push(`Proxy-Authorization: Basic ${credentials}`);
  return `${lines.join('\r\n')}\r\n\r\n`;
}

/** base64 of `user:password` (RFC 7617), or undefined when no credentials are set. */
function basicCredentials(proxy: ProxyEndpoint, fail: Fail): string | undefined {
  if (!proxy.username && !proxy.password) return undefined;
  const user = proxy.username ?? '';
  // The first colon separates user from password; one in the user name can't be expressed.
  if (user.includes(':')) throw fail('the username must not contain ":" (Basic authentication cannot carry it)');
  return Buffer.from(`${user}:${proxy.password ?? ''}`, 'utf8').toString('base64');
}

/** Accepts a 2xx status; anything else becomes a PROXY_FAILED saying what the proxy said. */
function checkStatus(head: Buffer, context: { target: TcpTarget; withCredentials: boolean; secrets: string[] }, fail: Fail): void {
  const statusLine = head.toString('latin1').split('\r\n', 1)[0] ?? '';
  const match = /^HTTP\/\d\.\d (\d{3})(?: .*)?$/u.exec(statusLine);
  // Redacted before and after sanitising: a secret with odd characters changes when sanitised.
  const shown = JSON.stringify(redact(sanitizeForMessage(redact(statusLine, context.secrets)), context.secrets).slice(0, MAX_STATUS_SHOWN));
  if (!match) throw fail(`the answer is not an HTTP response: ${shown}`);
  const status = Number(match[1]);
  if (status >= 200 && status <= 299) return;
  if (status === 407) {
    throw fail(context.withCredentials ? 'proxy authentication failed (407): check the username and password' : 'proxy authentication required (407): set a username and password');
  }
  throw fail(`refused the tunnel to ${formatAddress(context.target)}: ${shown}`);
}

function redact(text: string, secrets: readonly string[]): string {
  return secrets.reduce((result, secret) => result.split(secret).join('***'), text);
}
