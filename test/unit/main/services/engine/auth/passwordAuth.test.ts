/** The password step (passwordAuth.ts): the saved password once, then the person, told what was rejected. */
import { describe, expect, it } from 'vitest';
import { PasswordAuth } from '../../../../../../app/main/services/engine/auth/passwordAuth';
import { attemptOf, FakeSession, typed, typedRemember } from './fakeAuthSession';

describe('PasswordAuth', () => {
  it('sends the saved password first without asking, then asks and says the saved one was rejected', async () => {
    const session = new FakeSession();
    session.store.stored.set('password', 'saved-pw');
    const password = new PasswordAuth(session);
    const entry = attemptOf({ kind: 'password' });
    expect(await password.offer(entry)).toEqual({ auth: { type: 'password', username: 'ops', password: 'saved-pw' } });
    expect(session.questions).toEqual([]);
    expect(session.lines).toEqual(['using the saved password']);

    entry.attempts++;
    session.replies.push(typed('typed-pw'));
    expect((await password.offer(entry)).auth).toMatchObject({ password: 'typed-pw' });
    expect(session.questions[0]).toMatchObject({
      kind: 'password',
      round: 2,
      prompts: [{ text: 'Password for ops@10.0.0.1:', echo: false, remember: 'offer' }],
      rejection: { message: 'Hop 1 (bastion) rejected the saved password. Enter the password.', detail: 'Tick "Remember" to replace the saved one.' },
      attempt: { number: 2, of: 2 },
    });
  });

  it('asks when nothing is saved, and says a second time that the password was rejected', async () => {
    const session = new FakeSession();
    const password = new PasswordAuth(session);
    const entry = attemptOf({ kind: 'password' });
    session.replies.push(typed('one'), typed('two'));
    await password.offer(entry);
    expect(session.questions[0]).not.toHaveProperty('rejection');
    entry.attempts++;
    await password.offer(entry);
    expect(session.questions[1]?.rejection).toEqual({ message: 'Hop 1 (bastion) rejected that password. Enter it again.' });
  });

  it('keeps a ticked password for the server to accept, storing nothing yet', async () => {
    const session = new FakeSession();
    const entry = attemptOf({ kind: 'password' });
    session.replies.push(typedRemember('keep-me'));
    await new PasswordAuth(session).offer(entry);
    expect(entry.toRemember).toEqual([{ secret: { kind: 'password' }, value: 'keep-me' }]);
    expect(session.store.remembered).toEqual([]);
  });

  it('asks when the keychain fails, and passes a cancel on', async () => {
    const session = new FakeSession();
    session.store.broken = true;
    const cancelled = new Error('cancelled');
    session.replies.push(cancelled);
    await expect(new PasswordAuth(session).offer(attemptOf({ kind: 'password' }))).rejects.toBe(cancelled);
    expect(session.lines).toEqual(['could not read the saved password (TypeError); asking instead']);
    expect(session.questions).toHaveLength(1);
  });
});
