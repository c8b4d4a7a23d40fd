/**
 * The user's SSH agent, with the certificates it holds checked before any is offered, as a
 * certificate from a file is (certificateAuth.ts): one that is expired, not yet valid, not for
 * this user or not signed by its CA key is held back, and the log says why. Plain keys and good
 * certificates pass through unchanged; signing is the agent's own.
 */
import ssh2, { type IdentityCallback, type ParsedKey } from 'ssh2';
import { parseCertificate, userCertificateProblem } from '../sshCertificate';

const { OpenSSHAgent } = ssh2;

/** What the ssh2 patch puts on an agent identity that is a certificate: the certificate blob. */
type AgentIdentity = ParsedKey & { certificate?: Buffer };

/** Why an agent-held identity must not be offered for `user`, or null when it may be. */
export function agentIdentityProblem(identity: AgentIdentity, user: string, nowSeconds?: number): string | null {
  if (!Buffer.isBuffer(identity.certificate)) return null;
  try {
    return userCertificateProblem(parseCertificate(identity.certificate), user, nowSeconds);
  } catch (error) {
    return `an unreadable certificate (${(error as Error).message})`;
  }
}

export class CheckedAgent extends OpenSSHAgent {
  constructor(
    /** The agent's socket (SSH_AUTH_SOCK or the step's own). */
    readonly socket: string,
    private readonly user: string,
    private readonly log: (line: string) => void,
  ) {
    super(socket);
  }

  override getIdentities(cb: IdentityCallback<ParsedKey>): void {
    super.getIdentities((err, keys) => {
      if (err || !keys) return cb(err, keys);
      cb(
        null,
        keys.filter((key) => {
          const problem = agentIdentityProblem(key as AgentIdentity, this.user);
          if (problem) this.log(`agent: not offering ${problem}`);
          return problem === null;
        }),
      );
    });
  }
}
