/**
 * `hopline ssh-config [NAME]... [--data-dir DIR]`: one ssh_config Host block per saved profile
 * (or per NAME), reaching the profile's target through `hopline proxy --profile NAME %h %p`.
 * Paste it into ~/.ssh/config (or Include it), and `ssh ALIAS`, `scp`, `rsync -e ssh`, `git`
 * and VS Code Remote-SSH go through the profile's bastions, riding the app's live hops when it
 * holds them (no second MFA code), else building them and asking as `hopline exec` does.
 *
 * The blocks themselves come from services/gateway/sshConfigBlock.ts, which the app's "Use from
 * other tools" panel uses too.
 */
import path from 'node:path';
import type { HopSpec } from '../services/engine/hopSpec';
import { cliSelfCommand } from '../services/gateway/hoplineCommand';
import { gatewayBlock, profileAliases, sshConfigText, type GatewayBlockOptions } from '../services/gateway/sshConfigBlock';
import type { SavedLibrary } from './savedLibrary';

export async function runGatewaySshConfig(args: string[], library: SavedLibrary, out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  const profiles = library.store.snapshot().profiles;
  const wanted = args.length > 0 ? args : profiles.map((p) => p.name);
  const options: GatewayBlockOptions = { command: cliSelfCommand(), dataDir: library.store.dataDir, appKnownHosts: path.join(library.store.dataDir, 'known_hosts') };
  // Aliases over the whole library: a profile's alias is the same in every listing (and in the app).
  const aliases = profileAliases(profiles);
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
    const made = gatewayBlock(profile, hops, aliases.get(profile.id)!, options);
    if ('skipped' in made) {
      err.write(`hopline: profile "${name}" skipped: ${made.skipped}\n`);
      failed++;
      continue;
    }
    blocks.push(made.block);
  }
  out.write(sshConfigText(blocks));
  return failed > 0 ? 1 : 0;
}
