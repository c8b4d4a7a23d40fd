/**
 * The one place the CLI's commands (exec, cp, forward, proxy) turn `--profile NAME` or
 * `-J HOP... TARGET` into hops: a profile gives its saved circuit, words give saved hosts by name
 * or addresses, and what the user mistyped comes back as the command's own usage error.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hopFor } from '../../../../app/main/cli/main';
import { SavedLibrary, type CircuitWords } from '../../../../app/main/cli/savedLibrary';
import { DocumentStore } from '../../../../app/main/services/profiles/documentStore';
import { HostsService } from '../../../../app/main/services/profiles/hostsService';
import { ProfilesService } from '../../../../app/main/services/profiles/profilesService';
import { Emitter } from '../../../../app/shared/model/event';
import { HOST_DEFAULTS } from '../../../../app/shared/model/host';
import { TERMINAL_DEFAULTS } from '../../../../app/shared/model/profile';

class TypedWrong extends Error {}
const usage = (message: string) => new TypedWrong(message);
const words = (over: Partial<CircuitWords>): CircuitWords => ({ profile: null, via: [], target: null, identities: [], port: null, ...over });

const root = mkdtempSync(path.join(tmpdir(), 'hl-saved-library-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let library: SavedLibrary;

beforeAll(async () => {
  const store = await DocumentStore.open(root);
  const hosts = new HostsService(store, { listKinds: async () => [], forget: async () => undefined, onDidChangeKinds: new Emitter<{ hostId: string; kinds: [] }>().event }, { homeDir: '/home/ana', localUser: 'ana' });
  const profiles = new ProfilesService(store);
  const hostIds: string[] = [];
  for (const name of ['jump', 'target']) hostIds.push((await hosts.save({ ...HOST_DEFAULTS, name, address: `${name}.example.net`, port: 2222, user: 'ops' })).id);
  await profiles.save({ name: 'Prod', folder: '', tags: [], hostIds, terminal: { ...TERMINAL_DEFAULTS } });
  hosts.dispose();
  profiles.dispose();
  library = await SavedLibrary.open(root);
});

describe('SavedLibrary.circuitFor', () => {
  it('--profile gives the saved circuit, hop 0 first, and the profile', () => {
    const { hops, profile } = library.circuitFor(words({ profile: 'Prod' }), hopFor, usage);
    expect(profile?.name).toBe('Prod');
    expect(hops.map((h) => [h.name, h.host, h.port, h.user])).toEqual([
      ['jump', 'jump.example.net', 2222, 'ops'],
      ['target', 'target.example.net', 2222, 'ops'],
    ]);
  });

  it('-J words then the target: saved hosts by name, addresses as typed, -p only on the target', () => {
    const { hops, profile } = library.circuitFor(words({ via: ['jump', 'bob@10.0.0.7:2200'], target: 'db.internal', port: 5022 }), hopFor, usage);
    expect(profile).toBeNull();
    expect(hops.map((h) => [h.name, h.host, h.port])).toEqual([
      ['jump', 'jump.example.net', 2222],
      ['10.0.0.7', '10.0.0.7', 2200],
      ['db.internal', 'db.internal', 5022],
    ]);
    expect(hops[1]!.user).toBe('bob');
    // A saved host as the target keeps its settings, but -p wins over its port, as over ssh_config's Port.
    expect(library.circuitFor(words({ target: 'target', port: 22 }), hopFor, usage).hops[0]).toMatchObject({ host: 'target.example.net', port: 22, user: 'ops' });
  });

  it('without a target (proxy) the words are the jumps only', () => {
    expect(library.circuitFor(words({ via: ['jump'] }), hopFor, usage).hops.map((h) => h.name)).toEqual(['jump']);
  });

  it("a missing profile or a malformed address is the command's usage error", () => {
    expect(() => library.circuitFor(words({ profile: 'Staging' }), hopFor, usage)).toThrow(new TypedWrong('no saved profile is named "Staging"'));
    expect(() => library.circuitFor(words({ via: ['bench@jump.example.net:no-such-service'], target: 't' }), hopFor, usage)).toThrow(TypedWrong);
    expect(() => library.circuitFor(words({ via: ['bench@jump.example.net:no-such-service'], target: 't' }), hopFor, usage)).toThrow(/Bad port in "bench@jump.example.net:no-such-service"/);
  });
});
