/** The host editor's form state (text as typed) and its conversion to a HostInput, with errors per field. */
import { HOST_DEFAULTS, type HostAuthMethod, type HostInput, type HostSettings } from '../../../shared/model/host';
import { parseTags } from '../../stores/profilesLogic';

export type ProxyKind = 'none' | 'command' | 'socks5' | 'http';

export interface HostFormState {
  id?: string;
  name: string;
  address: string;
  port: string;
  user: string;
  auth: HostAuthMethod[];
  agentForward: boolean;
  keepaliveIntervalSec: string;
  keepaliveCountMax: string;
  connectTimeoutSec: string;
  proxyKind: ProxyKind;
  proxyCommand: string;
  proxyHost: string;
  proxyPort: string;
  proxyUsername: string;
  /** Library folder ('' : top level). */
  folder: string;
  /** Tags as typed: comma separated. */
  tags: string;
  /** Carried through unedited (set by an ssh_config import's UserKnownHostsFile), so saving keeps it. */
  knownHostsFiles?: string[];
}

export type FormField = Exclude<keyof HostFormState, 'id' | 'agentForward' | 'proxyKind' | 'knownHostsFiles'>;
export type FormErrors = Partial<Record<FormField, string>>;

export function toForm(host?: HostSettings & { id?: string }): HostFormState {
  const h = host ?? { ...HOST_DEFAULTS, name: '', address: '', user: '' };
  const proxy = h.proxy;
  return {
    ...(host?.id ? { id: host.id } : {}),
    name: h.name,
    address: h.address,
    port: String(h.port),
    user: h.user,
    auth: h.auth.map((m) => ({ ...m })),
    agentForward: h.agentForward,
    keepaliveIntervalSec: String(h.keepaliveIntervalSec),
    keepaliveCountMax: String(h.keepaliveCountMax),
    connectTimeoutSec: String(h.connectTimeoutSec),
    proxyKind: proxy ? proxy.kind : 'none',
    proxyCommand: proxy?.kind === 'command' ? proxy.command : '',
    proxyHost: proxy && proxy.kind !== 'command' ? proxy.host : '',
    proxyPort: proxy && proxy.kind !== 'command' ? String(proxy.port) : proxy === null ? '1080' : '',
    proxyUsername: proxy && proxy.kind !== 'command' ? (proxy.username ?? '') : '',
    folder: h.folder ?? '',
    tags: (h.tags ?? []).join(', '),
    ...(h.knownHostsFiles ? { knownHostsFiles: [...h.knownHostsFiles] } : {}),
  };
}

export const MAX_FOLDER_LENGTH = 200;
export const MAX_TAGS = 32;
export const MAX_TAG_LENGTH = 64;
const CONTROL = /\p{Cc}/u;

/** What is wrong with a folder or tag list, or null. */
export function folderError(folder: string): string | null {
  if (folder.trim().length > MAX_FOLDER_LENGTH) return `A folder name has at most ${MAX_FOLDER_LENGTH} characters.`;
  if (CONTROL.test(folder)) return 'A folder name cannot contain control characters.';
  return null;
}

export function tagsError(tags: readonly string[]): string | null {
  if (tags.length > MAX_TAGS) return `At most ${MAX_TAGS} tags.`;
  const long = tags.find((t) => t.length > MAX_TAG_LENGTH);
  if (long) return `A tag has at most ${MAX_TAG_LENGTH} characters.`;
  if (tags.some((t) => CONTROL.test(t))) return 'A tag cannot contain control characters.';
  return null;
}

function wholeNumber(text: string, min: number, max: number): number | null {
  if (!/^\d+$/.test(text.trim())) return null;
  const n = Number(text.trim());
  return n >= min && n <= max ? n : null;
}

/** A key method as saved: paths trimmed, and a certificate only when one is given. */
function keyMethod(method: Extract<HostAuthMethod, { kind: 'publickey' }>): HostAuthMethod {
  const certificateFile = method.certificateFile?.trim() ?? '';
  return certificateFile ? { kind: 'publickey', keyFile: method.keyFile.trim(), certificateFile } : { kind: 'publickey', keyFile: method.keyFile.trim() };
}

/** The HostInput the form describes, or null with a message for every field that is wrong. */
export function fromForm(form: HostFormState): { input: HostInput | null; errors: FormErrors } {
  const errors: FormErrors = {};
  if (!form.name.trim()) errors.name = 'A host needs a name.';
  if (!form.address.trim()) errors.address = 'A host needs an address.';
  else if (/\s/.test(form.address.trim())) errors.address = 'An address has no spaces.';
  // A leading '-' would read as an option if the value were ever handed to ssh or a ProxyCommand.
  else if (form.address.trim().startsWith('-')) errors.address = 'An address cannot start with "-".';
  if (!form.user.trim()) errors.user = 'A host needs a user to log in as.';
  else if (form.user.trim().startsWith('-')) errors.user = 'A user name cannot start with "-".';
  const port = wholeNumber(form.port, 1, 65535);
  if (port === null) errors.port = 'A port is a whole number from 1 to 65535.';
  const keepaliveIntervalSec = wholeNumber(form.keepaliveIntervalSec, 0, 3600);
  if (keepaliveIntervalSec === null) errors.keepaliveIntervalSec = 'Seconds from 0 (off) to 3600.';
  const keepaliveCountMax = wholeNumber(form.keepaliveCountMax, 1, 100);
  if (keepaliveCountMax === null) errors.keepaliveCountMax = 'A count from 1 to 100.';
  const connectTimeoutSec = wholeNumber(form.connectTimeoutSec, 1, 600);
  if (connectTimeoutSec === null) errors.connectTimeoutSec = 'Seconds from 1 to 600.';
  if (form.auth.length === 0) errors.auth = 'Add at least one authentication method.';
  else if (form.auth.some((m) => m.kind === 'publickey' && !m.keyFile.trim())) errors.auth = 'Every public key method needs a key file.';

  const folder = form.folder.trim();
  const badFolder = folderError(form.folder);
  if (badFolder) errors.folder = badFolder;
  const tags = parseTags(form.tags);
  const badTags = tagsError(tags);
  if (badTags) errors.tags = badTags;

  let proxy: HostSettings['proxy'] = null;
  if (form.proxyKind === 'command') {
    if (!form.proxyCommand.trim()) errors.proxyCommand = 'Enter the command, e.g. nc -X connect -x proxy:3128 %h %p';
    proxy = { kind: 'command', command: form.proxyCommand.trim() };
  } else if (form.proxyKind === 'socks5' || form.proxyKind === 'http') {
    if (!form.proxyHost.trim()) errors.proxyHost = 'Enter the proxy host.';
    const proxyPort = wholeNumber(form.proxyPort, 1, 65535);
    if (proxyPort === null) errors.proxyPort = 'A port is a whole number from 1 to 65535.';
    proxy = { kind: form.proxyKind, host: form.proxyHost.trim(), port: proxyPort ?? 0, ...(form.proxyUsername.trim() ? { username: form.proxyUsername.trim() } : {}) };
  }

  if (Object.keys(errors).length > 0) return { input: null, errors };
  return {
    input: {
      ...(form.id ? { id: form.id } : {}),
      name: form.name.trim(),
      address: form.address.trim(),
      port: port!,
      user: form.user.trim(),
      auth: form.auth.map((m) => (m.kind === 'publickey' ? keyMethod(m) : { kind: m.kind })),
      agentForward: form.agentForward,
      keepaliveIntervalSec: keepaliveIntervalSec!,
      keepaliveCountMax: keepaliveCountMax!,
      connectTimeoutSec: connectTimeoutSec!,
      proxy,
      // Left out when empty, as the hosts service stores them.
      ...(folder ? { folder } : {}),
      ...(tags.length > 0 ? { tags } : {}),
      ...(form.knownHostsFiles ? { knownHostsFiles: [...form.knownHostsFiles] } : {}),
    },
    errors,
  };
}

export const AUTH_LABELS: Record<HostAuthMethod['kind'], string> = {
  agent: 'SSH agent',
  publickey: 'Key file',
  password: 'Password',
  'keyboard-interactive': 'Keyboard-interactive (MFA)',
};

/** A method of another kind in the same place; a key file starts at the usual default. */
export function withKind(kind: HostAuthMethod['kind']): HostAuthMethod {
  return kind === 'publickey' ? { kind, keyFile: '~/.ssh/id_ed25519' } : { kind };
}
