import { describe, expect, it } from 'vitest';
import type { PromptRequest } from '../../../../app/shared/model/prompt';
import { addRequest, hopLabel, reconcileOutstanding, removeRequest } from '../../../../app/renderer/stores/promptsLogic';

const req = (id: string, over: Partial<PromptRequest> = {}): PromptRequest => ({
  id,
  circuitId: 'c1',
  hop: { index: 0, count: 3, name: 'bastion-mfa' },
  kind: 'keyboard-interactive',
  round: 2,
  name: '',
  instructions: '',
  prompts: [],
  ...over,
});

describe('prompt queue', () => {
  it('adds once and removes by id', () => {
    const queue = addRequest(addRequest([], req('a')), req('a'));
    expect(queue.map((r) => r.id)).toEqual(['a']);
    expect(removeRequest(queue, 'a')).toEqual([]);
  });

  it('takes the outstanding list as truth but keeps what arrived and drops what settled during the load', () => {
    const current = [req('old'), req('new')];
    const result = reconcileOutstanding(current, [req('server'), req('gone')], new Set(['old']), new Set(['gone']));
    expect(result.map((r) => r.id)).toEqual(['server', 'new']);
  });

  it('labels the hop as "hop 1 of 3 · name · round 2"', () => {
    expect(hopLabel(req('a'))).toBe('hop 1 of 3 · bastion-mfa · round 2');
    expect(hopLabel(req('a', { kind: 'host-key' }))).toBe('hop 1 of 3 · bastion-mfa');
    expect(hopLabel(req('a', { hop: { index: 0, count: 1, name: 'x\x1b]0;t\x07' } }))).toBe('hop 1 of 1 · x\\x1b]0;t\\x07 · round 2');
  });

  it('counts attempts from the second on ("attempt 2 of 3")', () => {
    expect(hopLabel(req('a', { attempt: { number: 1, of: 3 } }))).toBe('hop 1 of 3 · bastion-mfa · round 2');
    expect(hopLabel(req('a', { attempt: { number: 2, of: 3 } }))).toBe('hop 1 of 3 · bastion-mfa · round 2 · attempt 2 of 3');
  });
});
