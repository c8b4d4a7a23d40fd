/** `[user@]host[:port]` as on ssh's command line and in ProxyJump lists (IPv6 as `[addr]:port`). */
export interface HopAddress {
  user: string | null;
  host: string;
  port: number | null;
}

export function parseHopAddress(text: string): HopAddress {
  const at = text.lastIndexOf('@');
  const user = at > 0 ? text.slice(0, at) : null;
  const rest = at >= 0 ? text.slice(at + 1) : text;
  let host: string;
  let port: string | null = null;
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(rest);
  if (bracketed) {
    host = bracketed[1]!;
    port = bracketed[2] ?? null;
  } else if ((rest.match(/:/g) ?? []).length === 1) {
    [host, port] = rest.split(':') as [string, string];
  } else {
    host = rest;
  }
  if (!host || /[\s,]/.test(host) || (user !== null && (!user || /[\s:@]/.test(user)))) throw new Error(`Not a hop address: ${JSON.stringify(text)} (expected [user@]host[:port])`);
  if (port !== null && !/^\d{1,5}$/.test(port)) throw new Error(`Bad port in ${JSON.stringify(text)}`);
  const portNumber = port === null ? null : Number(port);
  if (portNumber !== null && (portNumber < 1 || portNumber > 65535)) throw new Error(`Port out of range in ${JSON.stringify(text)}`);
  return { user, host, port: portNumber };
}
