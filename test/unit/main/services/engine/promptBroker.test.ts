import { describe, expect, it } from 'vitest';
import { PromptBroker, type PromptQuestion } from '../../../../../app/main/services/engine/promptBroker';
import { ErrorCode, HoplineError } from '../../../../../app/shared/model/errors';
import { MAX_PROMPTS_PER_QUESTION, type PromptRequest } from '../../../../../app/shared/model/prompt';

const question = (over: Partial<PromptQuestion> = {}): PromptQuestion => ({
  circuitId: 'c1',
  hop: { index: 1, count: 2, name: 'inner' },
  kind: 'keyboard-interactive',
  round: 1,
  name: 'Duo',
  instructions: '',
  prompts: [{ text: 'Code: ', echo: false, remember: 'never' }],
  ...over,
});

describe('PromptBroker', () => {
  it('puts server text to people as plain text, and hands the answers back in order', async () => {
    const broker = new PromptBroker();
    const seen: PromptRequest[] = [];
    broker.onDidRequest((r) => {
      seen.push(r);
      void broker.answer(r.id, ['a', 'b'], [true, true]);
    });
    const reply = await broker.ask(
      question({
        name: '\x1b]0;pwned\x07',
        instructions: '\u202e<img src=x onerror=alert(1)>',
        prompts: [
          { text: '\x1b[2JPassword: ', echo: false, remember: 'offer' },
          { text: '\x9b31mCode: ', echo: false, remember: 'never' },
        ],
      }),
    );
    expect(seen[0]).toMatchObject({ name: '\\x1b]0;pwned\\x07', instructions: '\\u202e<img src=x onerror=alert(1)>' });
    expect(seen[0]!.prompts.map((p) => p.text)).toEqual(['\\x1b[2JPassword: ', '\\x9b31mCode: ']);
    // "remember" only where offered.
    expect(reply).toEqual({ answers: ['a', 'b'], remember: [true, false] });
  });

  it('refuses a question with more prompts than a person would answer, naming the hop, without asking', async () => {
    const broker = new PromptBroker();
    let asked = 0;
    broker.onDidRequest(() => asked++);
    const prompts = Array.from({ length: MAX_PROMPTS_PER_QUESTION + 1 }, () => ({ text: 'Code: ', echo: false, remember: 'never' as const }));
    const error = (await broker.ask(question({ prompts })).catch((e: unknown) => e)) as HoplineError;
    expect(error).toBeInstanceOf(HoplineError);
    expect(error.code).toBe(ErrorCode.INVALID_ARGUMENT);
    expect(error.hop).toEqual({ index: 1, name: 'inner' });
    expect(asked).toBe(0);
    expect(await broker.outstanding()).toEqual([]);
  });

  it('makes host-key questions plain too', async () => {
    const broker = new PromptBroker();
    broker.onDidRequest((r) => {
      expect(r.name).toBe('Unknown \\x1b[2Jhost key');
      void broker.decideHostKey(r.id, 'reject');
    });
    expect(await broker.askHostKey(question({ kind: 'host-key', name: 'Unknown \x1b[2Jhost key', prompts: [] }))).toBe('reject');
  });
});
