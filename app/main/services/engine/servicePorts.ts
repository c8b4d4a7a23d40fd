/**
 * TCP service names as ports, the way OpenSSH's a2port reads a port: digits for 1-65535, else
 * getservbyname(name, "tcp"), so `Port ssh` in ssh_config, `-p ssh` and `host:ssh` in a jump list
 * mean port 22 here as they do to ssh. Node has no getservbyname; glibc's default ("files" in
 * nsswitch.conf) is /etc/services, which this reads once per file.
 *
 * Node only (reads a file); shared code takes the lookup as a parameter (ServicePortLookup).
 */
import { readFileSync } from 'node:fs';
import { portFromText } from '../../../shared/model/hostAddress';

export const SERVICES_FILE = '/etc/services';

/**
 * `name port/protocol [aliases...] [# comment]` lines, TCP only: each name and alias to its
 * port, the first line for a name winning (as getservbyname's scan of the file does).
 */
export function parseServices(text: string): Map<string, number> {
  const ports = new Map<string, number>();
  for (const raw of text.split('\n')) {
    const words = raw.replace(/#.*/, '').trim().split(/\s+/);
    const [name, portProto, ...aliases] = words;
    const m = /^(\d+)\/(\w+)$/.exec(portProto ?? '');
    if (!name || !m || m[2]!.toLowerCase() !== 'tcp') continue;
    const port = Number(m[1]);
    if (port < 1 || port > 65535) continue;
    for (const n of [name, ...aliases]) if (!ports.has(n)) ports.set(n, port);
  }
  return ports;
}

const cache = new Map<string, Map<string, number>>();

function servicesIn(file: string): Map<string, number> {
  let ports = cache.get(file);
  if (!ports) {
    try {
      ports = parseServices(readFileSync(file, 'utf8'));
    } catch {
      // No services database (a minimal container, Windows): only numeric ports then, as
      // getservbyname would find nothing either.
      ports = new Map();
    }
    cache.set(file, ports);
  }
  return ports;
}

/** getservbyname(name, "tcp")'s port, or null. Names are case-sensitive, as in glibc. */
export function tcpServicePort(name: string, file: string = SERVICES_FILE): number | null {
  return servicesIn(file).get(name) ?? null;
}

/** OpenSSH's a2port for a value that must be a port: the port, or null when it is not one. */
export function a2port(text: string): number | null {
  return portFromText(text, (name) => tcpServicePort(name));
}
