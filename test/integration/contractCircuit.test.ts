/**
 * The whole main side over the contract, as the renderer uses it: web mode in its own process,
 * a real Secret Service, and the lab. Saved hosts, host keys accepted through prompt events,
 * remembered password and a TOTP secret; the second connect asks nothing; deleting a host
 * deletes its secrets; and no secret value ever comes back over the contract or lands on disk.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Services } from '../../app/shared/contract/channels';
import type { HostInput } from '../../app/shared/model/host';
import type { HopStateEvent } from '../../app/shared/model/hop';
import type { PromptRequest } from '../../app/shared/model/prompt';
import { createServiceClients } from '../../app/shared/rpc/serviceClients';
import { contentsUnder } from '../helpers/files';
import { secretServiceMissingReason, startSecretService, type SecretService } from '../helpers/secretService';
import { startWebProcess, type WebProcess } from '../helpers/webProcess';
import { connectWs, type TestWsClient } from '../helpers/wsClient';
import { totpCode, type LabStatus } from '../lab/lab';
import { requirement } from '../setup/requirements';

const lab = inject('lab');
const runs =
  requirement('the real-OpenSSH lab', lab ? null : (inject('labMissing') ?? 'lab not up')) &&
  requirement('a Secret Service (dbus-run-session + gnome-keyring-daemon)', secretServiceMissingReason());

describe.runIf(runs)('circuits over the contract (web mode, lab, Secret Service)', () => {
  const status = lab as LabStatus;
  const addr = (name: string) => status.hosts.find((h) => h.name === name)!.address;
  let service: SecretService;
  let web: WebProcess;
  let client: TestWsClient;
  let home: string;
  let api: Services;
  const asked: PromptRequest[] = [];
  const states: HopStateEvent[] = [];
  const ids: string[] = [];

  beforeAll(async () => {
    service = await startSecretService();
    home = mkdtempSync(path.join(tmpdir(), 'hl-contract-home-'));
    web = await startWebProcess({ env: { PATH: process.env.PATH, HOME: home, DBUS_SESSION_BUS_ADDRESS: service.address } });
    client = await connectWs(web.port, web.token);
    api = createServiceClients(client.rpc);
    api.circuits.onDidChangeHopState((e) => states.push(e));
    api.prompts.onDidRequest((r) => {
      asked.push(r);
      if (r.kind === 'host-key') void api.prompts.decideHostKey(r.id, 'accept-and-save');
      else void api.prompts.answer(r.id, r.prompts.map((p) => (/Verification/.test(p.text) ? totpCode(status.users.ops.totpSecret) : status.users.ops.password)), r.prompts.map(() => true));
    });
  });
  afterAll(async () => {
    await client?.close();
    await web?.stop();
    await service?.stop();
  });

  const host = (name: string, user: string, auth: HostInput['auth']): HostInput => ({
    name, address: addr(name), port: 22, user, auth, agentForward: false, keepaliveIntervalSec: 15, keepaliveCountMax: 3, connectTimeoutSec: 10, proxy: null,
  });

  it('saves the three lab hosts and opens them as a circuit, asking host keys and MFA through prompt events', async () => {
    expect(await api.credentials.status()).toEqual({ backend: 'keychain', unavailableReason: null });
    for (const h of [
      host('bastion-mfa', 'ops', [{ kind: 'keyboard-interactive' }]),
      host('bastion-key', 'ops', [{ kind: 'publickey', keyFile: status.clientKey }]),
      host('target', 'ops', [{ kind: 'password' }]),
    ]) ids.push((await api.hosts.save(h)).id);
    const circuit = await api.circuits.open({ hostIds: ids });
    expect(circuit).toMatchObject({ state: 'open', hostIds: ids, hopNames: ['bastion-mfa', 'bastion-key', 'target'], remoteHostname: 'hl-target' });
    expect(asked.map((a) => [a.kind, a.hop.index])).toEqual([
      ['host-key', 0], ['keyboard-interactive', 0], ['keyboard-interactive', 0], ['host-key', 1], ['host-key', 2], ['password', 2],
    ]);
    expect(states.filter((s) => s.state === 'ready').map((s) => s.hop.index)).toEqual([0, 1, 2]);
    const hosts = await api.hosts.list();
    expect(hosts.find((h) => h.id === ids[0])).toMatchObject({ hasPassword: true, hasTotp: false, hasAnswers: false });
    expect(hosts.find((h) => h.id === ids[2])).toMatchObject({ hasPassword: true });
    expect(readFileSync(path.join(web.dataDir, 'known_hosts'), 'utf8').split('\n').filter(Boolean)).toHaveLength(3);
    await api.circuits.close(circuit.id);
  });

  it('with the TOTP secret saved, connecting again asks nothing at all', async () => {
    await api.credentials.setTotp(ids[0]!, { secret: status.users.ops.totpSecret });
    expect((await api.hosts.list()).find((h) => h.id === ids[0])).toMatchObject({ hasPassword: true, hasTotp: true });
    asked.length = 0;
    const circuit = await api.circuits.open({ hostIds: ids });
    expect(circuit.state).toBe('open');
    expect(asked).toEqual([]);
    const log = (await api.circuits.eventLog(circuit.id)).join('\n');
    expect(log).toContain('answered from TOTP');
    await api.circuits.close(circuit.id);
  });

  it('renaming a host keeps its secrets (ids are stable)', async () => {
    const before = (await api.hosts.list()).find((h) => h.id === ids[0])!;
    const { id, hasPassword, hasPassphrase, hasTotp, hasAnswers, ...settings } = before;
    const renamed = await api.hosts.save({ ...settings, id, name: 'mfa-renamed' });
    expect(renamed).toMatchObject({ id: ids[0], name: 'mfa-renamed', hasPassword: true, hasTotp: true });
    expect([hasPassword, hasPassphrase, hasTotp, hasAnswers]).toEqual([true, false, true, false]);
  });

  it('deleting a host deletes its secrets; forgetting keeps the host', async () => {
    await api.credentials.forget(ids[2]!);
    expect((await api.hosts.list()).find((h) => h.id === ids[2])).toMatchObject({ hasPassword: false });
    await api.hosts.remove(ids[0]!);
    expect((await api.credentials.listKinds()).map((k) => k.hostId)).not.toContain(ids[0]);
  });

  it('no secret value came back over the contract, or reached the data dir, the logs or the keyring files', () => {
    const secrets = [status.users.ops.password, status.users.ops.totpSecret];
    const received = JSON.stringify(client.frames);
    expect(received).toContain('bastion-mfa');
    const disk = contentsUnder(web.dataDir, service.home, home);
    for (const secret of secrets) {
      expect(received.includes(secret), 'a secret came back over the contract').toBe(false);
      expect(web.stdout().includes(secret) || web.stderr().includes(secret), 'a secret is in the log').toBe(false);
      expect(disk.some((text) => text.includes(secret)), 'a secret is on disk').toBe(false);
    }
  });
});
