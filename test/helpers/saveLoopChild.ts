/**
 * Saves a profile over and over in DATADIR, its name carrying a counter, and prints each counter
 * once that save has completed ("acknowledged"). test/integration/persistence.test.ts kills it
 * with SIGKILL mid-loop and checks the file holds the last acknowledged save or the next one.
 *
 * Usage: node --import tsx test/helpers/saveLoopChild.ts DATADIR
 * (stdout to a pipe is synchronous on Linux, so a printed counter is in the pipe before the next save starts)
 */
import { Emitter } from '../../app/shared/model/event';
import { TERMINAL_DEFAULTS } from '../../app/shared/model/profile';
import { HOST_DEFAULTS } from '../../app/shared/model/host';
import { DocumentStore } from '../../app/main/services/profiles/documentStore';
import { HostsService, type HostSecretKinds } from '../../app/main/services/profiles/hostsService';
import { ProfilesService } from '../../app/main/services/profiles/profilesService';

const noSecrets: HostSecretKinds = {
  listKinds: async () => [],
  forget: async () => undefined,
  onDidChangeKinds: new Emitter<{ hostId: string; kinds: [] }>().event,
};

/** Consecutive saves differ in length and content, so a torn write could not pass for a whole one. */
const tagsFor = (counter: number): string[] => Array.from({ length: counter % 32 }, (_, i) => `tag-${counter}-${i}`);

async function main(): Promise<void> {
  const dataDir = process.argv[2];
  if (!dataDir) throw new Error('usage: saveLoopChild.ts DATADIR');
  const store = await DocumentStore.open(dataDir);
  const hosts = new HostsService(store, noSecrets, { homeDir: '/nonexistent', localUser: 'nobody' });
  const profiles = new ProfilesService(store);
  const host = await hosts.save({ ...HOST_DEFAULTS, name: 'bastion', address: 'bastion.example.net', user: 'ops' });
  let id: string | undefined;
  for (let counter = 1; ; counter++) {
    const saved = await profiles.save({ id, name: `counter ${counter}`, folder: 'loop', tags: tagsFor(counter), hostIds: [host.id], terminal: TERMINAL_DEFAULTS });
    id = saved.id;
    process.stdout.write(`${counter}\n`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`saveLoopChild: ${String(error)}\n`);
  process.exit(1);
});
