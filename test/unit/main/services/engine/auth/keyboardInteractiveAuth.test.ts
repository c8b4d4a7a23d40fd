/**
 * The keyboard-interactive step (keyboardInteractiveAuth.ts), driven the way ssh2 drives it: the
 * offer's prompt function called once per round, answers handed back through `finish`.
 */
import type { Prompt } from 'ssh2';
import { describe, expect, it } from 'vitest';
import { KeyboardInteractiveAuth, MAX_KBD_PROMPTS_PER_ROUND, MAX_KBD_ROUNDS_PER_ATTEMPT } from '../../../../../../app/main/services/engine/auth/keyboardInteractiveAuth';
import type { StepAttempt } from '../../../../../../app/main/services/engine/auth/authSteps';
import { ErrorCode, HoplineError } from '../../../../../../app/shared/model/errors';
import { attemptOf, FakeSession, typed, typedRemember } from './fakeAuthSession';

type PromptFn = (name: string, instructions: string, lang: string, prompts: Prompt[], finish: (answers: string[]) => void) => void;

const PASSWORD: Prompt = { prompt: 'Password: ', echo: false };
const CODE: Prompt = { prompt: 'Verification code: ', echo: false };

/** Starts an attempt and returns a function that plays one round, resolving with what was sent. */
function attempt(kbd: KeyboardInteractiveAuth, entry: StepAttempt): (prompts: Prompt[]) => Promise<string[]> {
  const offer = kbd.offer(entry);
  expect(offer.auth).toMatchObject({ type: 'keyboard-interactive', username: 'ops' });
  const prompt = offer.auth.prompt as PromptFn;
  return (prompts) => new Promise((resolve) => prompt('', '', '', prompts, resolve));
}

describe('KeyboardInteractiveAuth', () => {
  it("asks the person the server's prompts, numbering rounds and attempts", async () => {
    const session = new FakeSession();
    const round = attempt(new KeyboardInteractiveAuth(session), attemptOf({ kind: 'keyboard-interactive' }));
    session.replies.push(typed('pw'), typed('123456'));
    expect(await round([PASSWORD])).toEqual(['pw']);
    expect(await round([CODE])).toEqual(['123456']);
    expect(session.questions.map((q) => [q.round, q.attempt])).toEqual([[1, { number: 1, of: 3 }], [2, { number: 1, of: 3 }]]);
    // A one-time code is never offered to be remembered.
    expect(session.questions.map((q) => q.prompts[0]?.remember)).toEqual(['offer', 'never']);
    expect(session.lines).toEqual(['keyboard-interactive round 1: 1 prompt(s)', 'keyboard-interactive round 2: 1 prompt(s)']);
  });

  it('answers from a saved TOTP secret and the saved password without asking', async () => {
    const session = new FakeSession();
    session.store.stored.set('password', 'saved-pw');
    session.store.totp = { pattern: /verification code/i, code: '654321' };
    const round = attempt(new KeyboardInteractiveAuth(session), attemptOf({ kind: 'keyboard-interactive' }));
    expect(await round([PASSWORD, CODE])).toEqual(['saved-pw', '654321']);
    expect(session.questions).toEqual([]);
    expect(session.lines).toEqual(['keyboard-interactive round 1: 2 prompt(s), 2 answered from saved password and TOTP']);
  });

  it('after a rejection, asks only the code again, says why, and sends the password from the attempt before', async () => {
    const session = new FakeSession({}, undefined);
    const kbd = new KeyboardInteractiveAuth(session);
    const entry = attemptOf({ kind: 'keyboard-interactive' });
    let round = attempt(kbd, entry);
    session.replies.push(typed('pw'), typed('111111'));
    await round([PASSWORD]);
    await round([CODE]);
    const rejection = kbd.rejected();
    expect(rejection?.message).toBe('Hop 1 (bastion) rejected the verification code. Enter a new code.');

    entry.attempts++;
    round = attempt(kbd, entry);
    expect(await round([PASSWORD])).toEqual(['pw']);
    session.replies.push(typed('222222'));
    expect(await round([CODE])).toEqual(['222222']);
    expect(session.questions).toHaveLength(3);
    expect(session.questions[2]).toMatchObject({ round: 2, rejection, attempt: { number: 2, of: 3 } });
    expect(session.lines).toContain('keyboard-interactive round 1: 1 prompt(s), 1 answered from the attempt before');
  });

  it('keeps a ticked password or answer for the server to accept', async () => {
    const session = new FakeSession();
    const entry = attemptOf({ kind: 'keyboard-interactive' });
    const round = attempt(new KeyboardInteractiveAuth(session), entry);
    session.replies.push(typedRemember('pw', 'rex', '999999'));
    await round([PASSWORD, { prompt: 'Pet name: ', echo: true }, CODE]);
    expect(entry.toRemember).toEqual([
      { secret: { kind: 'password' }, value: 'pw' },
      { secret: { kind: 'answer', promptText: 'Pet name: ' }, value: 'rex' },
    ]);
    expect(session.store.remembered).toEqual([]);
  });

  it('answers a round without prompts by itself', async () => {
    const session = new FakeSession();
    const round = attempt(new KeyboardInteractiveAuth(session), attemptOf({ kind: 'keyboard-interactive' }));
    expect(await round([])).toEqual([]);
    expect(session.lines).toEqual(['keyboard-interactive round 1 has no prompts; answered automatically']);
  });

  it('fails the hop on a round with too many prompts', () => {
    const session = new FakeSession();
    const round = attempt(new KeyboardInteractiveAuth(session), attemptOf({ kind: 'keyboard-interactive' }));
    void round(Array.from({ length: MAX_KBD_PROMPTS_PER_ROUND + 1 }, (_, i) => ({ prompt: `Q${i}: `, echo: true })));
    expect(session.failures.map((e) => e.message)).toEqual([`hop 1 (bastion) at ops@10.0.0.1:22 sent ${MAX_KBD_PROMPTS_PER_ROUND + 1} prompts in one keyboard-interactive round; Hopline answers at most ${MAX_KBD_PROMPTS_PER_ROUND}, so it stopped`]);
    expect(session.questions).toEqual([]);
  });

  it('fails the hop on a server that keeps asking, counting rounds per attempt', async () => {
    const session = new FakeSession();
    const kbd = new KeyboardInteractiveAuth(session);
    const entry = attemptOf({ kind: 'keyboard-interactive' });
    let round = attempt(kbd, entry);
    for (let i = 0; i < MAX_KBD_ROUNDS_PER_ATTEMPT; i++) {
      session.replies.push(typed('x'));
      await round([{ prompt: 'Again: ', echo: true }]);
    }
    // A new attempt starts counting again.
    round = attempt(kbd, entry);
    session.replies.push(typed('x'));
    await round([{ prompt: 'Again: ', echo: true }]);
    expect(session.failures).toEqual([]);
    for (let i = 1; i < MAX_KBD_ROUNDS_PER_ATTEMPT; i++) {
      session.replies.push(typed('x'));
      await round([{ prompt: 'Again: ', echo: true }]);
    }
    void round([{ prompt: 'Again: ', echo: true }]);
    expect(session.failures[0]?.message).toBe(`hop 1 (bastion) at ops@10.0.0.1:22 kept asking: more than ${MAX_KBD_ROUNDS_PER_ATTEMPT} keyboard-interactive rounds in one attempt, so Hopline stopped`);
  });

  it('fails the hop with the cancel, or says the question ended when something else broke it', async () => {
    const cancel = new HoplineError(ErrorCode.PROMPT_CANCELLED, 'You cancelled sign-in to hop 1 (bastion).');
    for (const [reply, expected] of [
      [cancel, cancel],
      [new Error('socket gone'), 'The question from hop 1 (bastion) at ops@10.0.0.1:22 ended before it was answered'],
    ] as const) {
      const session = new FakeSession();
      const round = attempt(new KeyboardInteractiveAuth(session), attemptOf({ kind: 'keyboard-interactive' }));
      session.replies.push(reply);
      void round([PASSWORD]);
      await new Promise((resolve) => setImmediate(resolve));
      expect(session.failures).toHaveLength(1);
      if (typeof expected === 'string') expect(session.failures[0]).toMatchObject({ code: ErrorCode.PROMPT_CANCELLED, message: expected });
      else expect(session.failures[0]).toBe(expected);
    }
  });

  it('sends nothing once the hop is settled while the person was answering', async () => {
    const session = new FakeSession();
    const round = attempt(new KeyboardInteractiveAuth(session), attemptOf({ kind: 'keyboard-interactive' }));
    let sent = false;
    session.ask = async () => {
      session.settled = true;
      return typed('late');
    };
    void round([PASSWORD]).then(() => (sent = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(sent).toBe(false);
  });
});
