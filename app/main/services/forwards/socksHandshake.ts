/**
 * The server side of a SOCKS handshake, for dynamic forwards (ssh -D): SOCKS5 (RFC 1928) with no
 * authentication and the CONNECT command, and SOCKS4 with its 4a extension. Pure: bytes in,
 * bytes to send back and a decision out, so every malformed or refused case is unit-tested
 * without a socket.
 *
 * Names are passed on as names, never resolved here: a SOCKS5 domain address (what curl's
 * --socks5-hostname and browsers' "proxy DNS" send) and a SOCKS4a name are resolved by the far
 * end's resolver, as OpenSSH's -D does. BIND and UDP ASSOCIATE are refused with "command not
 * supported" (SOCKS5 0x07, SOCKS4 0x5b), as OpenSSH refuses them.
 */

export interface SocksTarget {
  version: 4 | 5;
  /** A name (passed on unresolved) or an IP literal (IPv6 without brackets). */
  host: string;
  port: number;
}

export type SocksStep =
  /** More bytes are needed; `reply`, if any, is sent now (SOCKS5's method choice). */
  | { kind: 'more'; reply?: Buffer }
  /**
   * A CONNECT request: send `reply` now if any (SOCKS5's method choice, when the greeting and the
   * request came in one chunk), open the channel, then send `success()` or `failure(why)`.
   * `rest` is what the client sent after the request (its first data).
   */
  | { kind: 'connect'; target: SocksTarget; rest: Buffer; reply?: Buffer }
  /** Refused: send `reply` (if any) and close. `reason` says why, for the forward's lastError. */
  | { kind: 'refuse'; reply?: Buffer; reason: string };

/** Why a CONNECT through the circuit failed, as the reply codes can say it. */
export type SocksFailure = 'general' | 'notAllowed' | 'unreachable' | 'refused' | 'timeout';

const V5 = 0x05;
const V4 = 0x04;
const CMD_CONNECT = 0x01;
const ATYP_IPV4 = 0x01;
const ATYP_DOMAIN = 0x03;
const ATYP_IPV6 = 0x04;
const METHOD_NONE = 0x00;
const METHOD_NO_ACCEPTABLE = 0xff;
/** RFC 1928 section 6. */
const REP5 = { success: 0x00, general: 0x01, notAllowed: 0x02, unreachable: 0x04, refused: 0x05, timeout: 0x06, commandNotSupported: 0x07, addressNotSupported: 0x08 } as const;
/** SOCKS4: 0x5a granted, 0x5b rejected or failed. */
const REP4_GRANTED = 0x5a;
const REP4_REJECTED = 0x5b;
/** The longest a SOCKS4 user id or 4a name may run before we stop waiting for its NUL. */
const MAX_SOCKS4_STRING = 255;

function reply5(code: number): Buffer {
  // BND.ADDR 0.0.0.0:0: the channel's far-end address is not known here (OpenSSH answers the same).
  return Buffer.from([V5, code, 0x00, ATYP_IPV4, 0, 0, 0, 0, 0, 0]);
}

function reply4(code: number): Buffer {
  return Buffer.from([0x00, code, 0, 0, 0, 0, 0, 0]);
}

function ipv6Text(bytes: Buffer): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(bytes.readUInt16BE(i).toString(16));
  return groups.join(':');
}

/** A domain name a SOCKS client may send: printable, no spaces, no NUL. */
function plausibleName(name: string): boolean {
  return name.length > 0 && /^[\x21-\x7e]+$/.test(name);
}

/**
 * One connection's handshake. Feed it every chunk the client sends until it returns 'connect'
 * or 'refuse'; then stop feeding it.
 */
export class SocksHandshake {
  private buffer: Buffer = Buffer.alloc(0);
  private version: 4 | 5 | null = null;
  /** SOCKS5: the method negotiation is done and the request comes next. */
  private greeted = false;

  feed(chunk: Buffer): SocksStep {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    if (this.buffer.length === 0) return { kind: 'more' };
    if (this.version === null) {
      const first = this.buffer[0]!;
      if (first === V5) this.version = 5;
      else if (first === V4) this.version = 4;
      else return { kind: 'refuse', reason: `not a SOCKS4 or SOCKS5 request (first byte 0x${first.toString(16).padStart(2, '0')})` };
    }
    return this.version === 5 ? this.step5() : this.step4();
  }

  /** The reply to send once the channel is open. */
  success(): Buffer {
    return this.version === 4 ? reply4(REP4_GRANTED) : reply5(REP5.success);
  }

  /** The reply to send when the channel could not be opened. */
  failure(why: SocksFailure): Buffer {
    return this.version === 4 ? reply4(REP4_REJECTED) : reply5(REP5[why]);
  }

  private step5(): SocksStep {
    const b = this.buffer;
    let offset = 0;
    let greeting: Buffer | undefined;
    if (!this.greeted) {
      if (b.length < 2) return { kind: 'more' };
      const count = b[1]!;
      if (b.length < 2 + count) return { kind: 'more' };
      const methods = b.subarray(2, 2 + count);
      if (!methods.includes(METHOD_NONE)) {
        return { kind: 'refuse', reply: Buffer.from([V5, METHOD_NO_ACCEPTABLE]), reason: 'the SOCKS5 client offered no method without authentication' };
      }
      this.greeted = true;
      greeting = Buffer.from([V5, METHOD_NONE]);
      offset = 2 + count;
    }
    const request = this.parseRequest5(b.subarray(offset));
    if (request.kind === 'more') {
      // Keep only the request's bytes; the greeting is answered once.
      this.buffer = Buffer.from(b.subarray(offset));
      return greeting ? { kind: 'more', reply: greeting } : { kind: 'more' };
    }
    // Greeting and request arrived together: the method choice goes out first.
    if (greeting) return { ...request, reply: Buffer.concat([greeting, request.reply ?? Buffer.alloc(0)]) };
    return request;
  }

  private parseRequest5(b: Buffer): SocksStep {
    if (b.length < 4) return { kind: 'more' };
    if (b[0] !== V5) return { kind: 'refuse', reply: reply5(REP5.general), reason: `a SOCKS5 request with version byte 0x${b[0]!.toString(16)}` };
    const cmd = b[1]!;
    const atyp = b[3]!;
    let host: string;
    let end: number;
    if (atyp === ATYP_IPV4) {
      end = 4 + 4;
      if (b.length < end + 2) return { kind: 'more' };
      host = [...b.subarray(4, 8)].join('.');
    } else if (atyp === ATYP_IPV6) {
      end = 4 + 16;
      if (b.length < end + 2) return { kind: 'more' };
      host = ipv6Text(b.subarray(4, 20));
    } else if (atyp === ATYP_DOMAIN) {
      if (b.length < 5) return { kind: 'more' };
      end = 5 + b[4]!;
      if (b.length < end + 2) return { kind: 'more' };
      host = b.subarray(5, end).toString('latin1');
      if (!plausibleName(host)) return { kind: 'refuse', reply: reply5(REP5.addressNotSupported), reason: 'a SOCKS5 request with an empty or malformed host name' };
    } else {
      return { kind: 'refuse', reply: reply5(REP5.addressNotSupported), reason: `a SOCKS5 request with address type 0x${atyp.toString(16)}, which SOCKS5 does not define` };
    }
    if (cmd !== CMD_CONNECT) {
      const name = cmd === 0x02 ? 'BIND' : cmd === 0x03 ? 'UDP ASSOCIATE' : `0x${cmd.toString(16)}`;
      return { kind: 'refuse', reply: reply5(REP5.commandNotSupported), reason: `SOCKS5 ${name} is not supported (only CONNECT)` };
    }
    const port = b.readUInt16BE(end);
    return { kind: 'connect', target: { version: 5, host, port }, rest: Buffer.from(b.subarray(end + 2)) };
  }

  private step4(): SocksStep {
    const b = this.buffer;
    if (b.length < 8) return { kind: 'more' };
    const cmd = b[1]!;
    const port = b.readUInt16BE(2);
    const ip = b.subarray(4, 8);
    const userEnd = b.indexOf(0, 8);
    if (userEnd < 0) {
      if (b.length - 8 > MAX_SOCKS4_STRING) return { kind: 'refuse', reply: reply4(REP4_REJECTED), reason: 'a SOCKS4 user id longer than 255 bytes' };
      return { kind: 'more' };
    }
    if (cmd !== CMD_CONNECT) return { kind: 'refuse', reply: reply4(REP4_REJECTED), reason: `SOCKS4 ${cmd === 0x02 ? 'BIND' : `command 0x${cmd.toString(16)}`} is not supported (only CONNECT)` };
    // SOCKS4a: an address of 0.0.0.x (x != 0) means a name follows the user id.
    if (ip[0] === 0 && ip[1] === 0 && ip[2] === 0 && ip[3] !== 0) {
      const nameEnd = b.indexOf(0, userEnd + 1);
      if (nameEnd < 0) {
        if (b.length - userEnd - 1 > MAX_SOCKS4_STRING) return { kind: 'refuse', reply: reply4(REP4_REJECTED), reason: 'a SOCKS4a host name longer than 255 bytes' };
        return { kind: 'more' };
      }
      const host = b.subarray(userEnd + 1, nameEnd).toString('latin1');
      if (!plausibleName(host)) return { kind: 'refuse', reply: reply4(REP4_REJECTED), reason: 'a SOCKS4a request with an empty or malformed host name' };
      return { kind: 'connect', target: { version: 4, host, port }, rest: Buffer.from(b.subarray(nameEnd + 1)) };
    }
    return { kind: 'connect', target: { version: 4, host: [...ip].join('.'), port }, rest: Buffer.from(b.subarray(userEnd + 1)) };
  }
}
