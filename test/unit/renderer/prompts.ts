import type { PromptRequest } from '../../../app/shared/model/prompt';

/** A prompt request as the prompt broker would send it. */
export function promptRequest(over: Partial<PromptRequest> = {}): PromptRequest {
  return {
    id: 'p1',
    circuitId: 'c1',
    hop: { index: 0, count: 3, name: 'bastion-mfa' },
    kind: 'keyboard-interactive',
    round: 2,
    name: 'Duo',
    instructions: 'Enter your password, then the code from your phone.',
    prompts: [
      { text: 'Password: ', echo: false, remember: 'offer' },
      { text: 'Verification code: ', echo: false, remember: 'never' },
    ],
    ...over,
  };
}

export function hostKeyRequest(over: Partial<PromptRequest> = {}): PromptRequest {
  return promptRequest({
    id: 'hk1',
    kind: 'host-key',
    round: 1,
    name: '',
    instructions: '',
    prompts: [],
    hop: { index: 1, count: 3, name: 'inner' },
    hostKey: { host: '10.0.0.2', port: 22, type: 'ssh-ed25519', sha256: 'SHA256:abcDEF123', otherKnownTypes: [] },
    ...over,
  });
}
