/**
 * `hopline import-ssh-config [FILE]` and `hopline export ALIAS [--config FILE]`: the engine's
 * ssh_config importer and exporters on the command line. Until the hosts library exists (the
 * builder issue) import reports what it would create; nothing the config says is dropped silently.
 */
import { homedir, userInfo } from 'node:os';
import path from 'node:path';
import { circuitForAlias, exportSshConfig, exportSshJ, importSshConfig, parseSshConfig, shellLine, SshConfigExportError, type ImportNote } from '../services/engine/sshConfig';

const options = () => ({ homeDir: homedir(), localUser: userInfo().username });
const defaultConfig = () => path.join(homedir(), '.ssh', 'config');

function formatNote(note: ImportNote): string {
  return `  ${note.severity.padEnd(7)} ${note.file}:${note.line}${note.host ? ` [${note.host}]` : ''} ${note.directive ? `${note.directive}: ` : ''}${note.message}`;
}

export async function runImport(args: string[], out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  const file = args[0] ?? defaultConfig();
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
  return errors ? 1 : 0;
}

export async function runExport(args: string[], out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  let alias: string | undefined;
  let file = defaultConfig();
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--config' && args[i + 1]) file = args[++i]!;
    else if (!alias) alias = args[i];
    else throw new Error(`unexpected ${args[i]}`);
  }
  if (!alias) throw new Error('export needs a host alias (saved profiles arrive with the profiles store)');
  const circuit = circuitForAlias(parseSshConfig({ file }, { homeDir: homedir() }), alias, options());
  if (!circuit.ok) {
    for (const note of circuit.notes) err.write(`${formatNote(note)}\n`);
    return 1;
  }
  try {
    out.write(`# ssh_config for ${alias} (${circuit.hops.length} hops)\n${exportSshConfig(circuit.hops, alias)}\n`);
    out.write(`# as one command line:\n${shellLine(exportSshJ(circuit.hops))}\n`);
  } catch (error) {
    if (error instanceof SshConfigExportError) {
      err.write(`hopline: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
  return 0;
}
