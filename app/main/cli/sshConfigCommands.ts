/**
 * `hopline import-ssh-config [FILE] [--dry-run]` and `hopline export NAME [--config FILE]`: the
 * engine's ssh_config importer and exporters on the command line. Import reports every host and
 * every line it did not act on, then saves the hosts (and profiles for jump chains) to the app's
 * library unless --dry-run. Export writes a saved profile's circuit, or an ssh_config alias's.
 */
import { homedir, userInfo } from 'node:os';
import path from 'node:path';
import type { ForwardSpec } from '../../shared/model/forward';
import type { HopSpec } from '../services/engine/hopSpec';
import { HostsService, type HostSecretKinds } from '../services/profiles/hostsService';
import type { SavedLibrary } from './savedLibrary';
import { outcomeCounts } from '../../shared/model/importReport';
import { appliesTo, circuitForAlias, configAlias, exportSshConfig, exportSshJ, forwardExportProblem, importSshConfig, parseSshConfig, resolveHost, shellLine, SshConfigExportError, type GroupedNote, type ImportNote } from '../services/engine/sshConfig';

const options = () => ({ homeDir: homedir(), localUser: userInfo().username });
const defaultConfig = () => path.join(homedir(), '.ssh', 'config');

function formatNote(note: ImportNote): string {
  return `  ${note.severity.padEnd(7)} ${note.file}:${note.line}${note.host ? ` [${note.host}]` : ''} ${note.directive ? `${note.directive}: ` : ''}${note.message}`;
}

/** One line per source line: `~/.ssh/config:3 ... — applies to 8 hosts: a, b, c…`. */
function formatGroupedNote(note: GroupedNote): string {
  return `  ${note.severity.padEnd(7)} ${note.file}:${note.line} ${note.message}${note.hosts.length ? ` — ${appliesTo(note.hosts)}` : ''}`;
}


export async function runImport(args: string[], library: SavedLibrary, out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  const dryRun = args.includes('--dry-run');
  const file = path.resolve(args.find((a) => a !== '--dry-run') ?? defaultConfig());
  const result = importSshConfig({ file }, options());
  // Save first, print after: a reader that goes away mid-report (`| head -1`) then cannot cut
  // into the library write, which has completed (or failed, changing nothing) before any output.
  const saved: string[] = [];
  let saveError: unknown = null;
  if (!dryRun) {
    const hosts = new HostsService(library.store, NO_SECRETS, options());
    try {
      const report = await hosts.importSshConfig({ path: file });
      saved.push(`Saved to the hosts library (${library.store.dataDir}): ${report.imported.length} host(s), ${report.profiles.length} profile(s)${report.profiles.length ? `: ${report.profiles.map((p) => p.alias).join(', ')}` : ''}.\n`);
      if (report.counts) saved.push(`  hosts: ${outcomeCounts(report.counts.hosts)}; profiles: ${outcomeCounts(report.counts.profiles)}\n`);
    } catch (error) {
      saveError = error;
    } finally {
      hosts.dispose();
    }
  }
  out.write(`${result.hosts.length} host(s) in ${file}:\n`);
  for (const host of result.hosts) {
    const chain = host.hops.map((h) => `${h.user}@${h.host}:${h.port}`).join(' -> ');
    out.write(`  ${host.ok ? 'ok   ' : 'ERROR'} ${host.alias}${host.ok ? `: ${chain} (${host.hops.length} hop${host.hops.length === 1 ? '' : 's'})` : ''}\n`);
  }
  // Grouped: a `Host *` line is one note naming its hosts, not one note per host.
  if (result.report.length) out.write(`Not acted on, or worth knowing:\n${result.report.map(formatGroupedNote).join('\n')}\n`);
  const errors = result.notes.filter((n) => n.severity === 'error').length;
  if (errors) err.write(`hopline: ${errors} error(s) in ${file}; those hosts were not imported\n`);
  // The report stands either way; a failed save is the command's error (main says it, exit 1).
  if (saveError !== null) throw saveError;
  for (const line of saved) out.write(line);
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
  // The profile's saved forwards (or the alias's forward lines) go out too, as ssh would start them.
  let forwards: ForwardSpec[];
  if (profile) {
    hops = library.profileSpecs(profile);
    forwards = profile.forwards ?? [];
  } else {
    const parsed = parseSshConfig({ file: file ?? defaultConfig() }, { homeDir: homedir() });
    const circuit = circuitForAlias(parsed, alias, options());
    if (!circuit.ok) {
      for (const note of circuit.notes) err.write(`${formatNote(note)}\n`);
      return 1;
    }
    hops = circuit.hops;
    forwards = resolveHost(parsed, alias, options()).forwards ?? [];
  }
  // A forward ssh could not read (-L 0, say, from a hand-edited profile) is left out and said, rather
  // than costing the whole export.
  forwards = forwards.filter((f, i) => {
    const problem = forwardExportProblem(f, i);
    if (problem !== null) err.write(`hopline: not exported: ${problem}\n`);
    return problem === null;
  });
  // Both forms are made before either is printed: a circuit that cannot be written at all prints
  // nothing and exits 1.
  let config: string;
  try {
    config = exportSshConfig(hops, configAlias(alias, 'target'), forwards);
  } catch (error) {
    if (error instanceof SshConfigExportError) {
      err.write(`hopline: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
  // The config form carries everything the -J line can (and more), so it failing alone, as for
  // a ProxyCommand on hop 1 with more hops after it, still leaves a complete, working export.
  let jLine: string | null = null;
  let noJ = '';
  try {
    jLine = shellLine(exportSshJ(hops, forwards));
  } catch (error) {
    if (!(error instanceof SshConfigExportError)) throw error;
    noJ = error.message;
  }
  out.write(`# ssh_config for ${profile ? `profile "${alias}"` : alias} (${hops.length} hops)\n${config}\n`);
  if (jLine !== null) out.write(`# as one command line:\n${jLine}\n`);
  else err.write(`hopline: no ssh -J line: ${noJ}. Save the config above to a file and run: ssh -F FILE ${configAlias(alias, 'target')}\n`);
  return 0;
}
