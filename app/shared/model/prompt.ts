/** A question the engine needs a person to answer, always labelled with the hop it is for. */
export interface PromptRequest {
  id: string;
  circuitId: string;
  hop: { index: number; count: number; name: string };
  kind: 'keyboard-interactive' | 'host-key' | 'passphrase';
  round: number;
  name: string;
  instructions: string;
  prompts: { text: string; echo: boolean; remember: 'offer' | 'never' }[];
  hostKey?: { type: string; sha256: string; previousSha256?: string; verdict: 'unknown' | 'changed' | 'revoked' };
}

export type HostKeyDecision = 'accept-once' | 'accept-and-save' | 'reject';
