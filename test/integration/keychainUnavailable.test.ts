/**
 * No D-Bus session, so no Secret Service: the store says so clearly, keeps secrets in memory for
 * the session, and writes nothing anywhere. Its own file, so keytar loads in a process that has
 * never seen a working session bus.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { filesUnder } from '../helpers/files';
import { CredentialStore, keychainUnavailableSentence } from '../../app/main/services/credentials/credentialStore';


describe('credential store without a keychain', () => {
  it('tells why once, keeps secrets for the session in memory, and writes nothing to disk', async () => {
    const home = mkdtempSync(path.join(tmpdir(), 'hl-nokeychain-'));
    const saved = { HOME: process.env.HOME, DBUS: process.env.DBUS_SESSION_BUS_ADDRESS, DISPLAY: process.env.DISPLAY };
    process.env.HOME = home;
    process.env.DBUS_SESSION_BUS_ADDRESS = `unix:path=${path.join(home, 'no-bus')}`;
    delete process.env.DISPLAY;
    try {
      const store = new CredentialStore();
      const reasons: (string | null)[] = [];
      store.onDidChangeStatus((s) => reasons.push(s.unavailableReason));
      await store.remember('host-a', { kind: 'password' }, 'memory-only-secret-4711');
      expect(await store.get('host-a', 'password')).toBe('memory-only-secret-4711');
      const status = await store.status();
      expect(status.backend).toBe('session-memory');
      // One plain sentence for the person; D-Bus's own words only as the detail ("Details" in the window).
      expect(status.unavailableReason).toBe(keychainUnavailableSentence());
      expect(status.unavailableReason).toMatch(/^Hopline can't reach your system keychain \(Secret Service\), so passwords can't be saved: .+\.$/);
      expect(status.unavailableDetail).toMatch(/^no D-Bus session to reach a Secret Service \(.+\)$/);
      expect(`${status.unavailableReason} ${status.unavailableDetail}`).not.toContain('memory-only-secret-4711');
      expect(reasons).toHaveLength(1);
      // A new store (a restarted app) has nothing: it was never persisted.
      expect(await new CredentialStore().get('host-a', 'password')).toBeNull();
      for (const file of filesUnder(home)) expect(readFileSync(file, 'latin1')).not.toContain('memory-only-secret-4711');
    } finally {
      process.env.HOME = saved.HOME;
      if (saved.DBUS === undefined) delete process.env.DBUS_SESSION_BUS_ADDRESS;
      else process.env.DBUS_SESSION_BUS_ADDRESS = saved.DBUS;
      if (saved.DISPLAY !== undefined) process.env.DISPLAY = saved.DISPLAY;
    }
  });

  it('the CLI says the keychain is unavailable and refuses nothing else', () => {
    const home = mkdtempSync(path.join(tmpdir(), 'hl-nokeychain-cli-'));
    mkdirSync(path.join(home, 'data'));
    const run = spawnSync(process.execPath, ['dist/main/cli.cjs', 'secrets', 'list'], { env: { PATH: process.env.PATH!, HOME: home }, encoding: 'utf8', timeout: 30_000 });
    expect(run.status).toBe(0);
    expect(run.stderr).toContain(`hopline: ${keychainUnavailableSentence()}\n`);
    expect(run.stdout).toBe('No saved secrets.\n');
  });
});
