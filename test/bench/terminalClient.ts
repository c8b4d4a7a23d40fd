/** The hosts the terminal benchmarks use: the lab's three, user `bench`, key only. */
import type { HostInput } from '../../app/shared/model/host';
import type { WebClient } from '../helpers/webTerminalClient';
import type { LabHostName, LabStatus } from '../lab/lab';

export const CIRCUIT_HOSTS: readonly LabHostName[] = ['bastion-mfa', 'bastion-key', 'target'];

/** A lab host as the `bench` user (key only, so no MFA), with the app's default settings otherwise. */
export function benchHost(status: LabStatus, name: LabHostName): HostInput {
  return {
    name,
    address: status.hosts.find((h) => h.name === name)!.address,
    port: 22,
    user: 'bench',
    auth: [{ kind: 'publickey', keyFile: status.clientKey }],
    agentForward: false,
    keepaliveIntervalSec: 15,
    keepaliveCountMax: 3,
    connectTimeoutSec: 10,
    proxy: null,
  };
}

/** Saves the three lab hosts; returns their ids, hop 1 first. */
export async function saveBenchHosts(client: WebClient, status: LabStatus): Promise<string[]> {
  const ids: string[] = [];
  for (const name of CIRCUIT_HOSTS) ids.push((await client.api.hosts.save(benchHost(status, name))).id);
  return ids;
}
