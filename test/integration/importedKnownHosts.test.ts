/**
 * An ssh_config's UserKnownHostsFile is honoured per host (issue 14, item 8): imported into the
 * library, the saved host checks the lab's real host key against that file, so no host-key
 * question is asked; the same hop without it is asked about, as before.
 */
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { CircuitEngine } from '../../app/main/services/engine/circuitEngine';
import { PromptBroker } from '../../app/main/services/engine/promptBroker';
import { DocumentStore } from '../../app/main/services/profiles/documentStore';
import { hopSpecsForHostIds } from '../../app/main/services/profiles/hostToHop';
import { HostsService } from '../../app/main/services/profiles/hostsService';
import { ErrorCode, HoplineError } from '../../app/shared/model/errors';
import type { PromptRequest } from '../../app/shared/model/prompt';
import { totpCode, type LabStatus } from '../lab/lab';
import { requirement } from '../setup/requirements';

const lab = inject('lab');
const runs = requirement('the real-OpenSSH lab', lab ? null : (inject('labMissing') ?? 'lab not up'));

describe.runIf(runs)('UserKnownHostsFile from an imported ssh_config, against the lab', () => {
  const status = lab as LabStatus;
  const addr = (name: string) => status.hosts.find((h) => h.name === name)!.address;
  let dir: string;
  let engine: CircuitEngine;
  let store: DocumentStore;
  let hosts: HostsService;
  let asked: PromptRequest[];

  beforeEach(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'hl-imported-kh-'));
    // The user's corporate known_hosts holds the lab's keys; ~/.ssh/known_hosts and Hopline's own are empty.
    copyFileSync(status.knownHosts, path.join(dir, 'known_hosts_corp'));
    writeFileSync(path.join(dir, 'app_known_hosts'), '');
    const broker = new PromptBroker();
    engine = new CircuitEngine({ hostKeyFiles: { userFiles: [path.join(dir, 'empty_known_hosts')], appFile: path.join(dir, 'app_known_hosts') }, prompts: broker });
    asked = [];
    broker.onDidRequest((request) => {
      asked.push(request);
      if (request.kind === 'host-key') void broker.decideHostKey(request.id, 'reject');
      else void broker.answer(request.id, request.prompts.map((p) => (p.text.startsWith('Password') ? status.users.ops.password : totpCode(status.users.ops.totpSecret))), []);
    });
    store = await DocumentStore.open(path.join(dir, 'data'));
    hosts = new HostsService(store, { listKinds: async () => [], forget: async () => undefined, onDidChangeKinds: () => ({ dispose: () => undefined }) }, { homeDir: dir, localUser: 'ops' });
  });
  afterEach(async () => {
    hosts.dispose();
    await engine.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('connects to the saved host with no host-key question; without the setting the key is asked about', async () => {
    const config = [
      'Host mfa',
      `    HostName ${addr('bastion-mfa')}`,
      '    User ops',
      '    IdentitiesOnly yes',
      '    UserKnownHostsFile ~/known_hosts_corp',
      '',
    ].join('\n');
    const report = await hosts.importSshConfig({ text: config });
    expect(report.notes.find((n) => n.directive === 'UserKnownHostsFile')).toMatchObject({ severity: 'info', hosts: ['mfa'], message: expect.stringContaining('~/known_hosts_corp') });
    const saved = store.snapshot().hosts;
    const idOf = (alias: string) => report.imported.find((i) => i.alias === alias)!.hostId;
    expect(saved.find((h) => h.id === idOf('mfa'))?.knownHostsFiles).toEqual([path.join(dir, 'known_hosts_corp')]);

    const circuit = await engine.open(hopSpecsForHostIds(saved, [idOf('mfa')], dir));
    // Only the bastion's own password and code were asked: no host-key question.
    expect(asked.map((a) => a.kind)).toEqual(['keyboard-interactive', 'keyboard-interactive']);
    expect(engine.eventLog(circuit.id).join('\n')).toContain(`matches ${path.join(dir, 'known_hosts_corp')}:`);
    await engine.close(circuit.id);

    // The same hop without the setting: ~/.ssh/known_hosts (empty here), so the key is asked about.
    const { knownHostsFiles: _files, ...plain } = hopSpecsForHostIds(saved, [idOf('mfa')], dir)[0]!;
    const refused = await engine.open([{ ...plain, name: 'mfa-plain' }]).then(
      () => null,
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(HoplineError);
    expect((refused as HoplineError).code).toBe(ErrorCode.HOST_KEY_REJECTED);
    expect(asked.filter((a) => a.kind === 'host-key').map((a) => a.hop.name)).toEqual(['mfa-plain']);
  });
});
