/**
 * `hopline import-ssh-config [FILE] [--dry-run]` and `hopline export NAME [--config FILE]`: the
 * engine's ssh_config importer and exporters on the command line. Import reports every host and
 * every line it did not act on, then saves the hosts (and profiles for jump chains) to the app's
 * library unless --dry-run. Export writes a saved profile's circuit, or an ssh_config alias's.
 */
import { homedir, userInfo } from 'node:os';
import path from 'node:path';
import type { HopSpec } from '../services/engine/hopSpec';
import { HostsService, type HostSecretKinds } from '../services/profiles/hostsService';
import type { SavedLibrary } from './savedLibrary';
import { circuitForAlias, configAlias, exportSshConfig, exportSshJ, importSshConfig, parseSshConfig, shellLine, SshConfigExportError, type ImportNote } from '../services/engine/sshConfig';

const options = () => ({ homeDir: homedir(), localUser: userInfo().username });
const defaultConfig = () => path.join(homedir(), '.ssh', 'config');

function formatNote(note: ImportNote): string {
  return `  ${note.severity.padEnd(7)} ${note.file}:${note.line}${note.host ? ` [${note.host}]` : ''} ${note.directive ? `${note.directive}: ` : ''}${note.message}`;
}

export async function runImport(args: string[], library: SavedLibrary, out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  const dryRun = args.includes('--dry-run');
  const file = path.resolve(args.find((a) => a !== '--dry-run') ?? defaultConfig());
  const result = importSshConfig({ file }, options());
  out.write(`${result.hosts.length} host(s) in ${file}:\n`);
  for (const host of result.hosts) {
    const chain = host.hops.map((h) => `${h.user}@${h.host}:${h.port}`).join(' -> ');
    out.write(`  ${host.ok ? 'ok   ' : 'ERROR'} ${host.alias}${host.ok ? `: ${chain} (${host.hops.length} hop${host.hops.length === 1 ? '' : 's'})` : ''}\n`);
    for (const note of host.notes) out.write(`  ${formatNote(note)}\n`);
  }
  const fileNotes = result.notes.filter((n) => !n.host);
  if (fileNotes.length) out.write(`Not acted on, or worth knowing:\n${fileNotes.map(formatNote).join('\n')}\n`);
  const errors = result.notes.filter((n) => n.severity === 'error').length;
  if (errors) err.write(`hopline: ${errors} error(s) in ${file}; those hosts were not imported\n`);
  if (!dryRun) {
    const hosts = new HostsService(library.store, NO_SECRETS, options());
    try {
      const report = await hosts.importSshConfig({ path: file });
      out.write(`Saved to the hosts library (${library.store.dataDir}): ${report.imported.length} host(s), ${report.profiles.length} profile(s)${report.profiles.length ? `: ${report.profiles.map((p) => p.alias).join(', ')}` : ''}.\n`);
    } finally {
      hosts.dispose();
    }
  }
  return errors ? 1 : 0;
}

/** Import only reads and writes settings; it never needs to know about secrets. */
const NO_SECRETS: HostSecretKinds = { listKinds: async () => [], forget: async () => undefined, onDidChangeKinds: () => ({ dispose: () => undefined }) };

export async function runExport(args: string[], library: SavedLibrary, out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  let alias: string | undefined;
  let file: string | null = null;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--config' && args[i + 1]) file = args[++i]!;
    else if (!alias) alias = args[i];
    else throw new Error(`unexpected ${args[i]}`);
  }
  if (!alias) throw new Error('export needs a saved profile name or an ssh_config alias');
  // A saved profile first, unless a config file was named; then the ssh_config alias.
  const profile = file === null ? library.profileNamed(alias) : undefined;
  let hops: HopSpec[];
  if (profile) {
    hops = library.profileSpecs(profile);
  } else {
    const circuit = circuitForAlias(parseSshConfig({ file: file ?? defaultConfig() }, { homeDir: homedir() }), alias, options());
    if (!circuit.ok) {
      for (const note of circuit.notes) err.write(`${formatNote(note)}\n`);
      return 1;
    }
    hops = circuit.hops;
  }
  try {
    out.write(`# ssh_config for ${profile ? `profile "${alias}"` : alias} (${hops.length} hops)\n${exportSshConfig(hops, configAlias(alias, 'target'))}\n`);
    out.write(`# as one command line:\n${shellLine(exportSshJ(hops))}\n`);
  } catch (error) {
    if (error instanceof SshConfigExportError) {
      err.write(`hopline: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
  return 0;
}
