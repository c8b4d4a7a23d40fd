/**
 * `hopline ssh-config [NAME]... [--data-dir DIR]`: one ssh_config Host block per saved profile
 * (or per NAME), reaching the profile's target through `hopline proxy --profile NAME %h %p`.
 * Paste it into ~/.ssh/config (or Include it), and `ssh ALIAS`, `scp`, `rsync -e ssh`, `git`
 * and VS Code Remote-SSH go through the profile's bastions, riding the app's live hops when it
 * holds them (no second MFA code), else building them and asking as `hopline exec` does.
 *
 * The target's own settings (address, port, user, key files) are written for ssh to use: ssh
 * authenticates to the target and checks its key itself, against the user's known_hosts and
 * Hopline's, so a key accepted in the app is known to ssh too.
 */
import { realpathSync } from 'node:fs';
import path from 'node:path';
import type { ProfileSummary } from '../../shared/model/profile';
import type { HopSpec } from '../services/engine/hopSpec';
import { configAlias } from '../services/engine/sshConfig';
import type { SavedLibrary } from './savedLibrary';

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

/** How this CLI is run again by ssh: node and the bundled script, both absolute (ssh's PATH may differ). */
export function hoplineCommand(argv1: string | undefined = process.argv[1], execPath: string = process.execPath): string[] {
  if (argv1 && /\.(c|m)?js$/.test(argv1)) {
    let script = path.resolve(argv1);
    try {
      script = realpathSync(script);
    } catch {
      // Keep the resolved path: the script may be run from where it was given.
    }
    return [execPath, script];
  }
  return [execPath];
}

const CONTROL = /\p{Cc}/u;

export interface GatewayBlockOptions {
  command: string[];
  dataDir: string;
  /** Hopline's own known_hosts (the app's "save" writes there). */
  appKnownHosts: string;
}

/** The Host block for one profile, or the reason there is none. */
export function gatewayBlock(profile: ProfileSummary, hops: HopSpec[], alias: string, options: GatewayBlockOptions): { block: string } | { skipped: string } {
  const target = hops[hops.length - 1];
  if (!target) return { skipped: 'it has no hops' };
  for (const [what, value] of [['profile name', profile.name], ['target address', target.host], ['target user', target.user], ['data dir', options.dataDir]] as const) {
    if (CONTROL.test(value) || value === '') return { skipped: `its ${what} cannot be written into an ssh config` };
  }
  if (/[\s"'\\]/.test(target.host) || /[\s"'\\%]/.test(target.user)) return { skipped: 'its target address or user cannot be written into an ssh config' };
  const lines = [`# Hopline profile "${profile.name.replace(/\p{Cc}/gu, ' ')}": ${hops.map((h) => h.name).join(' -> ')}`, `Host ${alias}`, `    HostName ${target.host.replace(/%/g, '%%')}`, `    Port ${target.port}`, `    User ${target.user}`];
  for (const step of target.auth) if (step.kind === 'publickey') lines.push(`    IdentityFile ${configWord(step.keyFile, true)}`);
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

export async function runGatewaySshConfig(args: string[], library: SavedLibrary, out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  const profiles = library.store.snapshot().profiles;
  const wanted = args.length > 0 ? args : profiles.map((p) => p.name);
  const options: GatewayBlockOptions = { command: hoplineCommand(), dataDir: library.store.dataDir, appKnownHosts: path.join(library.store.dataDir, 'known_hosts') };
  const used = new Set<string>();
  const blocks: string[] = [];
  let failed = 0;
  for (const name of wanted) {
    const profile = library.profileNamed(name);
    if (!profile) {
      err.write(`hopline: no saved profile is named "${name}"\n`);
      failed++;
      continue;
    }
    let hops: HopSpec[];
    try {
      hops = library.profileSpecs(profile);
    } catch (error) {
      err.write(`hopline: profile "${name}" skipped: ${error instanceof Error ? error.message : String(error)}\n`);
      failed++;
      continue;
    }
    const base = configAlias(profile.name, 'hopline-profile');
    let alias = base;
    for (let n = 2; used.has(alias); n++) alias = `${base}-${n}`;
    used.add(alias);
    const made = gatewayBlock(profile, hops, alias, options);
    if ('skipped' in made) {
      err.write(`hopline: profile "${name}" skipped: ${made.skipped}\n`);
      failed++;
      continue;
    }
    blocks.push(made.block);
  }
  if (blocks.length > 0) out.write(`# Written by hopline ssh-config: each Host reaches its profile's target through the profile's jump hops.\n\n${blocks.join('\n\n')}\n`);
  return failed > 0 ? 1 : 0;
}
