/**
 * Host-key decisions for a hop, made before any credential leaves: the user's ~/.ssh/known_hosts
 * and the app's own known_hosts are consulted under the hop's configured name and port (never a
 * forwarded address). Unknown keys are put to the person; changed, revoked and CA-covered keys
 * are refused outright, with no way to click through.
 */
import { homedir } from 'node:os';
import path from 'node:path';
import { ErrorCode, HoplineError, type HopRef } from '../../../shared/model/errors';
import type { HostKeyDecision } from '../../../shared/model/prompt';
import { appendKnownHost, checkHostKey, keyTypeOfBlob, readKnownHostsSources, sha256Fingerprint } from './knownHosts';

export interface HostKeyFiles {
  /** Read only: the user's own files (OpenSSH's UserKnownHostsFile). */
  userFiles: string[];
  /** Read and appended to by "accept and save": same format, so OpenSSH can read it too. */
  appFile: string;
}

export function defaultHostKeyFiles(dataDir: string): HostKeyFiles {
  return { userFiles: [path.join(homedir(), '.ssh', 'known_hosts')], appFile: path.join(dataDir, 'known_hosts') };
}

export interface HostKeyOutcome {
  type: string;
  sha256: string;
  how: 'known' | 'accepted-once' | 'saved';
}

export type AskHostKey = (key: { host: string; port: number; type: string; sha256: string; otherKnownTypes: string[] }) => Promise<HostKeyDecision>;

function where(hop: HopRef, host: string, port: number): string {
  return `hop ${hop.index + 1} (${hop.name}, ${host}:${port})`;
}

export async function verifyHostKey(files: HostKeyFiles, hop: HopRef, host: string, port: number, blob: Buffer, ask: AskHostKey, log: (line: string) => void): Promise<HostKeyOutcome> {
  const type = keyTypeOfBlob(blob);
  const sha256 = sha256Fingerprint(blob);
  const sources = await readKnownHostsSources([...files.userFiles, files.appFile]);
  const { verdict, warnings } = checkHostKey(sources, host, port, { type, blob });
  for (const w of warnings) log(`known_hosts: ${w.source}:${w.line} ignored (${w.reason})`);

  switch (verdict.kind) {
    case 'trusted':
      log(`host key ${type} ${sha256} matches ${verdict.source}:${verdict.line}`);
      return { type, sha256, how: 'known' };
    case 'revoked':
      throw new HoplineError(ErrorCode.HOST_KEY_REVOKED, `The host key of ${where(hop, host, port)} is REVOKED (${verdict.source}:${verdict.line}): ${type} ${sha256}. Refusing to connect.`, hop);
    case 'changed': {
      const previous = verdict.previous.map((p) => `${p.sha256} (${p.source}:${p.line})`).join(', ');
      throw new HoplineError(ErrorCode.HOST_KEY_CHANGED, `The host key of ${where(hop, host, port)} has CHANGED. Known: ${previous}. Presented: ${type} ${sha256}. This may be an attack; Hopline will not connect until the old entry is removed.`, hop);
    }
    case 'cert-authority':
      throw new HoplineError(ErrorCode.HOST_KEY_REJECTED, `${where(hop, host, port)} is covered by an @cert-authority line (${verdict.source}:${verdict.line}) but presented a plain key ${type} ${sha256}; host certificates are not supported, so the key cannot be verified.`, hop);
    case 'unknown': {
      log(`host key ${type} ${sha256} is unknown${verdict.knownTypes.length ? ` (known types for this host: ${verdict.knownTypes.join(', ')})` : ''}; asking`);
      const decision = await ask({ host, port, type, sha256, otherKnownTypes: verdict.knownTypes });
      if (decision === 'reject') throw new HoplineError(ErrorCode.HOST_KEY_REJECTED, `The host key of ${where(hop, host, port)} (${type} ${sha256}) was rejected.`, hop);
      if (decision === 'accept-and-save') {
        await appendKnownHost(files.appFile, host, port, type, blob);
        log(`host key saved to ${files.appFile}`);
        return { type, sha256, how: 'saved' };
      }
      log('host key accepted for this connection only');
      return { type, sha256, how: 'accepted-once' };
    }
  }
}
