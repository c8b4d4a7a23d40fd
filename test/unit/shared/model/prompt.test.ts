import { describe, expect, it } from 'vitest';
import { PROMPT_TEXT_LIMITS, toPlainQuestion } from '../../../../app/shared/model/prompt';

describe('toPlainQuestion', () => {
  it('makes the name, instructions and every prompt text plain and bounded, and keeps the rest', () => {
    const hostile = '\x1b]0;pwned\x07\u202e<img src=x onerror=alert(1)>';
    const question = toPlainQuestion({
      circuitId: 'c1',
      name: hostile + 'n'.repeat(10_000),
      instructions: `${hostile}\n${'i'.repeat(10_000)}`,
      prompts: [{ text: hostile + 'p'.repeat(10_000), echo: true, remember: 'offer' as const }],
    });
    expect(question.circuitId).toBe('c1');
    expect(question.prompts[0]).toMatchObject({ echo: true, remember: 'offer' });
    expect(question.name.length).toBeLessThanOrEqual(PROMPT_TEXT_LIMITS.name);
    expect(question.instructions.length).toBeLessThanOrEqual(PROMPT_TEXT_LIMITS.instructions);
    expect(question.prompts[0]!.text.length).toBeLessThanOrEqual(PROMPT_TEXT_LIMITS.prompt);
    for (const text of [question.name, question.instructions, question.prompts[0]!.text]) {
      expect(text.startsWith('\\x1b]0;pwned\\x07\\u202e<img src=x onerror=alert(1)>')).toBe(true);
    }
    expect(question.instructions).toContain('\n');
  });
});
