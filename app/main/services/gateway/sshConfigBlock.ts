/**
 * The ssh_config Host block that sends a saved profile's target through `hopline proxy`: the one
 * model behind `hopline ssh-config` (cli/sshConfigGatewayCommand.ts) and the app's "Use from other
 * tools" panel (gatewayContract.ts), so both print the same text for the same profile.
 *
 * Pure: no file system, no process. The caller says how hopline is run (hoplineCommand.ts), where
 * the data dir is and the profile's hops.
 *
 * The target's own settings (address, port, user, key and certificate files) are written for ssh to use: ssh
 * authenticates to the target and checks its key itself, against the user's known_hosts and
 * Hopline's, so a key accepted in the app is known to ssh too.
 */
import type { ProfileSummary } from '../../../shared/model/profile';
import type { HopSpec } from '../engine/hopSpec';
import { configAlias } from '../engine/sshConfig';

/** One word for sh -c (ssh runs ProxyCommand with the user's shell): quoted when it needs to be. */
function shellWord(word: string): string {
  return /^[\w@+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * ProxyCommand's value: ssh takes the rest of the line as it is, expands `%` tokens, then hands
 * it to the shell. So: shell-quoted words, `%` doubled (but for our own %h %p), no newline.
 */
function proxyCommandLine(words: string[]): string {
  return words.map((w) => shellWord(w).replace(/%/g, '%%')).join(' ');
}

/** A value written as one ssh_config word: quoted, `"` and `\` escaped (argv_split), `%` doubled where expanded. */
function configWord(value: string, expands: boolean): string {
  const escaped = value.replace(/[\\"]/g, '\\$&');
  return `"${expands ? escaped.replace(/%/g, '%%') : escaped}"`;
}

const CONTROL = /\p{Cc}/u;

/** The target's user certificates: those set on its keys, then ssh_config's CertificateFile list, each once. */
function targetCertificates(target: HopSpec): string[] {
  const files = target.auth.flatMap((step) => (step.kind === 'publickey' && step.certificateFile ? [step.certificateFile] : []));
  return [...new Set([...files, ...(target.certificateFiles ?? [])])];
}

export interface GatewayBlockOptions {
  /** How ssh runs hopline: absolute words (hoplineCommand.ts), as ssh's PATH may differ from ours. */
  command: string[];
  dataDir: string;
  /** Hopline's own known_hosts (the app's "save" writes there). */
  appKnownHosts: string;
}

/** The Host block for one profile, or the reason there is none. */
export function gatewayBlock(profile: Pick<ProfileSummary, 'name'>, hops: HopSpec[], alias: string, options: GatewayBlockOptions): { block: string } | { skipped: string } {
  const target = hops[hops.length - 1];
  if (!target) return { skipped: 'it has no hops' };
  for (const [what, value] of [['profile name', profile.name], ['target address', target.host], ['target user', target.user], ['data dir', options.dataDir]] as const) {
    if (CONTROL.test(value) || value === '') return { skipped: `its ${what} cannot be written into an ssh config` };
  }
  if (/[\s"'\\]/.test(target.host) || /[\s"'\\%]/.test(target.user)) return { skipped: 'its target address or user cannot be written into an ssh config' };
  const lines = [`# Hopline profile "${profile.name.replace(/\p{Cc}/gu, ' ')}": ${hops.map((h) => h.name).join(' -> ')}`, `Host ${alias}`, `    HostName ${target.host.replace(/%/g, '%%')}`, `    Port ${target.port}`, `    User ${target.user}`];
  for (const step of target.auth) if (step.kind === 'publickey') lines.push(`    IdentityFile ${configWord(step.keyFile, true)}`);
  // User certificates, so ssh offers the same certificate the app does (ssh pairs each with the key it certifies).
  for (const file of targetCertificates(target)) lines.push(`    CertificateFile ${configWord(file, true)}`);
  if (!target.auth.some((s) => s.kind === 'agent') && target.auth.some((s) => s.kind === 'publickey')) lines.push('    IdentitiesOnly yes');
  const knownHosts = [...(target.knownHostsFiles ?? ['~/.ssh/known_hosts', '~/.ssh/known_hosts2']), options.appKnownHosts];
  lines.push(`    UserKnownHostsFile ${knownHosts.map((f) => configWord(f, true)).join(' ')}`);
  if (hops.length > 1) {
    lines.push(`    ProxyCommand ${proxyCommandLine([...options.command, 'proxy', '--data-dir', options.dataDir, '--profile', profile.name])} %h %p`);
  } else {
    lines.push('    # one hop: ssh connects directly, no jump hosts');
  }
  return { block: lines.join('\n') };
}

/**
 * Every profile's Host alias, by id: its name as an alias, numbered from `-2` where names collide,
 * in the library's order. Taken over the whole library, so a profile's alias is the same whether
 * one block or all of them are printed.
 */
export function profileAliases(profiles: readonly Pick<ProfileSummary, 'id' | 'name'>[]): Map<string, string> {
  const used = new Set<string>();
  const aliases = new Map<string, string>();
  for (const profile of profiles) {
    const base = configAlias(profile.name, 'hopline-profile');
    let alias = base;
    for (let n = 2; used.has(alias); n++) alias = `${base}-${n}`;
    used.add(alias);
    aliases.set(profile.id, alias);
  }
  return aliases;
}

/** The text `hopline ssh-config` prints for these blocks: a header line, then the blocks. */
export function sshConfigText(blocks: readonly string[]): string {
  return blocks.length === 0 ? '' : `# Written by hopline ssh-config: each Host reaches its profile's target through the profile's jump hops.\n\n${blocks.join('\n\n')}\n`;
}
