/**
 * A changed host key against real OpenSSH: bastion-key (hop 2) gets a new ed25519 key, the engine
 * asks with the saved key beside the presented one, and "replace" edits only that line of
 * Hopline's known_hosts (keeping known_hosts.old) and the circuit goes on to the target without
 * starting over. The lab's original key is put back afterwards.
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { CircuitEngine } from '../../app/main/services/engine/circuitEngine';
import type { HopSpec } from '../../app/main/services/engine/hopSpec';
import { PromptBroker } from '../../app/main/services/engine/promptBroker';
import type { HostKeyDecision, PromptRequest } from '../../app/shared/model/prompt';
import { execText } from '../helpers/ssh';
import { labReplaceHostKey, labRestoreHostKey, type LabStatus } from '../lab/lab';
import { requirement } from '../setup/requirements';

const lab = inject('lab');
const runs = requirement('the real-OpenSSH lab', lab ? null : (inject('labMissing') ?? 'lab not up'));

describe.runIf(runs)('replacing a changed host key against the lab', () => {
  const status = lab as LabStatus;
  const addr = (name: string) => status.hosts.find((h) => h.name === name)!.address;
  const original = () => status.hosts.find((h) => h.name === 'bastion-key')!.hostKeys.find((k) => k.type === 'ssh-ed25519')!;
  let dir: string;
  let file: string;
  let engine: CircuitEngine;
  let broker: PromptBroker;
  let asked: PromptRequest[];
  let decide: (request: PromptRequest) => HostKeyDecision;
  let replaced: { type: string; sha256: string; publicKey: string };

  beforeAll(async () => {
    replaced = await labReplaceHostKey('bastion-key');
  });
  afterAll(async () => {
    await labRestoreHostKey('bastion-key');
  });
  afterEach(async () => {
    await engine.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  function start(replaceChangedKeys: boolean): void {
    dir = mkdtempSync(path.join(tmpdir(), 'hl-hostkey-'));
    file = path.join(dir, 'known_hosts');
    copyFileSync(status.knownHosts, file);
    broker = new PromptBroker();
    engine = new CircuitEngine({ hostKeyFiles: { userFiles: [], appFile: file, replaceChangedKeys }, prompts: broker });
    asked = [];
    broker.onDidRequest((request) => {
      asked.push(request);
      void broker.decideHostKey(request.id, decide(request));
    });
  }

  const hop = (name: string): HopSpec => ({ name, host: addr(name), port: 22, user: 'bench', auth: [{ kind: 'publickey', keyFile: status.clientKey }], connectTimeoutMs: 10_000 });
  const chain = () => [hop('bastion-mfa'), hop('bastion-key'), hop('target')];

  it('asks about hop 2 with both fingerprints and where the saved one is; "replace" edits that line only and connects', async () => {
    start(true);
    decide = () => 'replace';
    const before = readFileSync(file, 'utf8');
    const savedLine = before.split('\n').findIndex((l) => l.startsWith(`${addr('bastion-key')} ssh-ed25519 `)) + 1;
    const circuit = await engine.open(chain());
    expect((await execText(engine.target(circuit.id), 'hostname')).stdout.trim()).toBe('hl-target');

    expect(asked).toHaveLength(1);
    expect(asked[0]).toMatchObject({
      kind: 'host-key',
      hop: { index: 1, count: 3, name: 'bastion-key' },
      hostKey: {
        host: addr('bastion-key'),
        port: 22,
        type: 'ssh-ed25519',
        sha256: replaced.sha256,
        changed: { saved: [{ type: 'ssh-ed25519', sha256: original().sha256, file, line: savedLine, owner: 'hopline', hashed: false, otherNames: [] }] },
      },
    });
    const expected = before.split('\n').filter((_, i) => i !== savedLine - 1).join('\n') + `${addr('bastion-key')} ${replaced.publicKey}\n`;
    expect(readFileSync(file, 'utf8')).toBe(expected);
    expect(readFileSync(`${file}.old`, 'utf8')).toBe(before);
    expect(engine.eventLog(circuit.id).join('\n')).toMatch(/removed .*known_hosts line \d+; the previous file is kept as .*known_hosts\.old/);
  });

  it('"reject" ends the circuit at hop 2, naming it, with the file untouched; without the offer it is refused as before', async () => {
    start(true);
    decide = () => 'reject';
    const before = readFileSync(file, 'utf8');
    await expect(engine.open(chain())).rejects.toMatchObject({ code: 'HOST_KEY_REJECTED', hop: { index: 1, name: 'bastion-key' } });
    expect(readFileSync(file, 'utf8')).toBe(before);
    await engine.dispose();

    start(false);
    await expect(engine.open(chain())).rejects.toMatchObject({ code: 'HOST_KEY_CHANGED', hop: { index: 1, name: 'bastion-key' } });
    expect(asked).toEqual([]);
  });

  it('a revoked key is refused with no question', async () => {
    start(true);
    decide = () => 'replace';
    writeFileSync(file, `${readFileSync(file, 'utf8')}@revoked ${addr('bastion-key')} ${replaced.publicKey}\n`);
    await expect(engine.open(chain())).rejects.toMatchObject({ code: 'HOST_KEY_REVOKED', hop: { index: 1, name: 'bastion-key' } });
    expect(asked).toEqual([]);
  });
});
