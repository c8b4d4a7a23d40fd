/**
 * Saved hosts (the contract's HostSettings, in seconds, `~/` paths) to the engine's HopSpec (ms,
 * absolute paths) and back. The way back serves the ssh_config importer, whose hops become hosts.
 */
import path from 'node:path';
import { ErrorCode, HoplineError } from '../../../shared/model/errors';
import type { HostSummary, HostAuthMethod, HostProxy, HostSettings } from '../../../shared/model/host';
import { HOST_DEFAULTS } from '../../../shared/model/host';
import { DEFAULT_CONNECT_TIMEOUT_MS, type AuthStep, type HopSpec, type ProxySpec } from '../engine/hopSpec';
import type { StoredHost } from '../../../shared/schema/hosts';

/** `~` and `~/...` (also `~\...` on Windows) under `homeDir`; anything else unchanged. */
export function expandHome(file: string, homeDir: string): string {
  if (file === '~') return homeDir;
  if (file.startsWith('~/') || (process.platform === 'win32' && file.startsWith('~\\'))) return path.join(homeDir, file.slice(2));
  return file;
}

function authStep(method: HostAuthMethod, homeDir: string): AuthStep {
  if (method.kind !== 'publickey') return { kind: method.kind };
  const step: AuthStep = { kind: 'publickey', keyFile: expandHome(method.keyFile, homeDir) };
  return method.certificateFile ? { ...step, certificateFile: expandHome(method.certificateFile, homeDir) } : step;
}

/** The proxy password is a keychain secret: whoever opens the circuit adds it to the spec. */
function proxySpec(proxy: HostProxy): ProxySpec {
  if (proxy.kind === 'command') return { kind: 'command', command: proxy.command };
  const spec: Extract<ProxySpec, { kind: 'socks5' | 'http' }> = { kind: proxy.kind, host: proxy.host, port: proxy.port };
  if (proxy.username !== undefined) spec.username = proxy.username;
  return spec;
}

/** What the engine needs to open this host as one hop. */
export function hopSpecForHost(host: HostSummary | StoredHost, homeDir: string): HopSpec {
  const hop: HopSpec = {
    name: host.name,
    host: host.address,
    port: host.port,
    user: host.user,
    auth: host.auth.map((m) => authStep(m, homeDir)),
    agentForward: host.agentForward,
    keepaliveIntervalMs: host.keepaliveIntervalSec * 1000,
    keepaliveCountMax: host.keepaliveCountMax,
    connectTimeoutMs: host.connectTimeoutSec * 1000,
    hostId: host.id,
  };
  if (host.proxy) hop.proxy = proxySpec(host.proxy);
  if (host.knownHostsFiles) hop.knownHostsFiles = host.knownHostsFiles.map((f) => expandHome(f, homeDir));
  return hop;
}

function authMethod(step: AuthStep): HostAuthMethod {
  // A chosen agent socket has no place in HostSettings (the importer never sets one): the
  // default agent is used.
  if (step.kind !== 'publickey') return { kind: step.kind };
  return step.certificateFile ? { kind: 'publickey', keyFile: step.keyFile, certificateFile: step.certificateFile } : { kind: 'publickey', keyFile: step.keyFile };
}

function hostProxy(proxy: ProxySpec): HostProxy {
  if (proxy.kind === 'command') return { kind: 'command', command: proxy.command };
  // A password in the spec is deliberately dropped: it belongs in the keychain, not the document.
  const result: HostProxy = { kind: proxy.kind, host: proxy.host, port: proxy.port };
  if (proxy.username !== undefined) result.username = proxy.username;
  return result;
}

/** A circuit of saved hosts by id, hop 0 first; an id no longer saved is a typed error naming the hop. */
export function hopSpecsForHostIds(hosts: readonly StoredHost[], hostIds: readonly string[], homeDir: string): HopSpec[] {
  return hostIds.map((id, index) => {
    const host = hosts.find((h) => h.id === id);
    if (!host) throw new HoplineError(ErrorCode.INVALID_ARGUMENT, `Hop ${index + 1}: no saved host has the id ${id} (was it deleted?)`);
    return hopSpecForHost(host, homeDir);
  });
}

/**
 * ssh_config's CertificateFile list onto the host's keys: the i-th certificate with the i-th key
 * (the usual IdentityFile/CertificateFile pairing). At connect time a certificate is used only
 * with the key it certifies, so a wrong pairing costs nothing but the offer.
 */
function withCertificates(auth: HostAuthMethod[], certificateFiles: readonly string[]): HostAuthMethod[] {
  let next = 0;
  return auth.map((m) => {
    if (m.kind !== 'publickey' || m.certificateFile || next >= certificateFiles.length) return m;
    return { ...m, certificateFile: certificateFiles[next++]! };
  });
}

/**
 * A hop's settings as a host. Absent values mean what the engine does without them: no
 * keepalive, its default connect timeout, no agent forwarding.
 */
export function hostSettingsFromHop(hop: HopSpec): HostSettings {
  const settings: HostSettings = {
    name: hop.name,
    address: hop.host,
    port: hop.port,
    user: hop.user,
    auth: withCertificates(hop.auth.map(authMethod), hop.certificateFiles ?? []),
    agentForward: hop.agentForward ?? false,
    keepaliveIntervalSec: Math.ceil((hop.keepaliveIntervalMs ?? 0) / 1000),
    keepaliveCountMax: hop.keepaliveCountMax ?? HOST_DEFAULTS.keepaliveCountMax,
    connectTimeoutSec: Math.max(1, Math.ceil((hop.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS) / 1000)),
    proxy: hop.proxy ? hostProxy(hop.proxy) : null,
  };
  if (hop.knownHostsFiles !== undefined) settings.knownHostsFiles = [...hop.knownHostsFiles];
  return settings;
}
