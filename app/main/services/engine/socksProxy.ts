/**
 * SOCKS5 (RFC 1928) client for the first hop, with no authentication or username/password
 * (RFC 1929). The TCP plumbing under it (connect, deadline, handshake reads) is in tcpConnect.
 */
import net from 'node:net';
import { ErrorCode, HoplineError } from '../../../shared/model/errors';
import { hopName } from '../../../shared/model/hopName';
import { connectThrough, formatAddress, type HandshakeReader, type ProxyConnectOptions, type ProxyEndpoint, type TcpTarget } from './tcpConnect';

const SOCKS_VERSION = 0x05;
const AUTH_NONE = 0x00;
const AUTH_USERPASS = 0x02;
const AUTH_NO_ACCEPTABLE = 0xff;
const CMD_CONNECT = 0x01;
const ATYP_IPV4 = 0x01;
const ATYP_DOMAIN = 0x03;
const ATYP_IPV6 = 0x04;

/** RFC 1928 section 6. */
const REPLY_MESSAGES: Record<number, string> = {
  0x01: 'general SOCKS server failure',
  0x02: 'connection not allowed by ruleset',
  0x03: 'network unreachable',
  0x04: 'host unreachable',
  0x05: 'connection refused',
  0x06: 'TTL expired',
  0x07: 'command not supported',
  0x08: 'address type not supported',
};

/**
 * Opens a TCP tunnel to `target` through a SOCKS5 proxy. Names are sent as names (the proxy
 * resolves them, as with `ssh -D` style proxies and Tor); IP literals as addresses. Credentials
 * are offered only when a username is set. The password never appears in an error.
 */
export async function connectSocks5(proxy: ProxyEndpoint, target: TcpTarget, opts: ProxyConnectOptions): Promise<net.Socket> {
  const fail = (detail: string): HoplineError => new HoplineError(ErrorCode.PROXY_FAILED, `SOCKS5 proxy ${formatAddress(proxy)} for ${hopName(opts.hop)}: ${detail}`, opts.hop);
  // Checked before connecting: nothing is sent that the protocol cannot carry.
  const request = connectRequest(target, fail);
  const credentials = credentialsMessage(proxy, fail);
  return connectThrough(proxy, { ...opts, what: 'SOCKS5 proxy', waitingFor: `SOCKS5 proxy ${formatAddress(proxy)} to open a tunnel to ${formatAddress(target)}` }, async (reader, socket) => {
    await chooseAuth(reader, socket, credentials, fail);
    socket.write(request);
    await readConnectReply(reader, target, fail);
  });
}

type Fail = (detail: string) => HoplineError;

/** Greeting and method selection, then RFC 1929 if the proxy picked it. */
async function chooseAuth(reader: HandshakeReader, socket: net.Socket, credentials: Buffer | undefined, fail: Fail): Promise<void> {
  const methods = credentials ? [AUTH_NONE, AUTH_USERPASS] : [AUTH_NONE];
  socket.write(Buffer.from([SOCKS_VERSION, methods.length, ...methods]));
  const [version, method] = await reader.readExactly(2);
  if (version !== SOCKS_VERSION) throw fail(`not a SOCKS5 proxy (version byte 0x${hex(version)})`);
  if (method === AUTH_NONE) return;
  if (method === AUTH_NO_ACCEPTABLE) {
    throw fail(credentials ? 'the proxy accepts none of the offered authentication methods' : 'the proxy requires authentication; set a username and password');
  }
  if (method !== AUTH_USERPASS || !credentials) throw fail(`the proxy chose an authentication method that was not offered (0x${hex(method)})`);
  socket.write(credentials);
  const [, status] = await reader.readExactly(2);
  if (status !== 0x00) throw fail('the proxy rejected the username or password');
}

/** The RFC 1929 request, or undefined without a username. */
function credentialsMessage(proxy: ProxyEndpoint, fail: Fail): Buffer | undefined {
  if (!proxy.username) return undefined;
  const user = Buffer.from(proxy.username, 'utf8');
  const pass = Buffer.from(proxy.password ?? '', 'utf8');
  if (user.length > 255) throw fail('the username is longer than 255 bytes');
  if (pass.length > 255) throw fail('the password is longer than 255 bytes');
  return Buffer.concat([Buffer.from([0x01, user.length]), user, Buffer.from([pass.length]), pass]);
}

function connectRequest(target: TcpTarget, fail: Fail): Buffer {
  if (!Number.isInteger(target.port) || target.port < 1 || target.port > 65535) throw fail(`port ${String(target.port)} is not a valid TCP port`);
  const port = Buffer.alloc(2);
  port.writeUInt16BE(target.port);
  return Buffer.concat([Buffer.from([SOCKS_VERSION, CMD_CONNECT, 0x00]), encodeAddress(target.host, fail), port]);
}

function encodeAddress(host: string, fail: Fail): Buffer {
  if (net.isIPv4(host)) return Buffer.from([ATYP_IPV4, ...host.split('.').map(Number)]);
  if (net.isIPv6(host)) return Buffer.concat([Buffer.from([ATYP_IPV6]), ipv6Bytes(host)]);
  const name = Buffer.from(host, 'utf8');
  if (name.length === 0 || name.length > 255) throw fail('the target host name must be 1 to 255 bytes long');
  return Buffer.concat([Buffer.from([ATYP_DOMAIN, name.length]), name]);
}

/** The 16 bytes of a valid IPv6 literal (`::` shorthand, embedded IPv4; a zone id is dropped). */
function ipv6Bytes(host: string): Buffer {
  let text = host.split('%')[0] as string;
  // A trailing dotted quad stands for the last two groups.
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/u.exec(text);
  if (v4) {
    const [a, b, c, d] = v4.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, v4.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const headGroups = head ? head.split(':') : [];
  const tailGroups = tail ? tail.split(':') : [];
  const zeros = Array<string>(8 - headGroups.length - tailGroups.length).fill('0');
  const bytes = Buffer.alloc(16);
  [...headGroups, ...zeros, ...tailGroups].forEach((group, i) => bytes.writeUInt16BE(parseInt(group, 16), i * 2));
  return bytes;
}

/** Reads the reply to CONNECT through its bound address, leaving later bytes to the tunnel. */
async function readConnectReply(reader: HandshakeReader, target: TcpTarget, fail: Fail): Promise<void> {
  const [version, reply, , addressType] = await reader.readExactly(4);
  if (version !== SOCKS_VERSION) throw fail(`not a SOCKS5 reply (version byte 0x${hex(version)})`);
  if (reply !== 0x00) {
    const reason = REPLY_MESSAGES[reply as number] ?? 'unknown error';
    throw fail(`could not connect to ${formatAddress(target)}: ${reason} (0x${hex(reply)})`);
  }
  let addressLength: number;
  if (addressType === ATYP_IPV4) addressLength = 4;
  else if (addressType === ATYP_IPV6) addressLength = 16;
  else if (addressType === ATYP_DOMAIN) addressLength = (await reader.readExactly(1))[0] as number;
  else throw fail(`malformed reply (address type 0x${hex(addressType)})`);
  await reader.readExactly(addressLength + 2);
}

function hex(byte: number | undefined): string {
  return (byte ?? 0).toString(16).padStart(2, '0');
}
