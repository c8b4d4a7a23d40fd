/**
 * A real Secret Service for keytar: a private D-Bus session (dbus-run-session) with
 * gnome-keyring-daemon unlocked inside it, under a throwaway HOME so the tests never touch a real
 * keyring. Tests point DBUS_SESSION_BUS_ADDRESS at it before keytar is first loaded.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface SecretService {
  address: string;
  /** The keyring files live here (to search for leaked secrets). */
  home: string;
  stop(): Promise<void>;
}

export function secretServiceMissingReason(): string | null {
  for (const tool of ['dbus-run-session', 'gnome-keyring-daemon']) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) return `${tool} is missing (apt-get install dbus gnome-keyring)`;
  }
  return null;
}

export async function startSecretService(): Promise<SecretService> {
  const home = mkdtempSync(path.join(tmpdir(), 'hl-keyring-'));
  // gnome-keyring-daemon --unlock reads the login keyring's password on stdin and creates it if new.
  const script = `printf %s hopline-test-keyring | gnome-keyring-daemon --foreground --unlock --components=secrets >/dev/null 2>&1 &
echo "$DBUS_SESSION_BUS_ADDRESS"
wait`;
  const child: ChildProcess = spawn('dbus-run-session', ['--', 'sh', '-c', script], {
    env: { PATH: process.env.PATH, HOME: home, XDG_DATA_HOME: path.join(home, 'data'), XDG_RUNTIME_DIR: home },
    stdio: ['ignore', 'pipe', 'ignore'],
    detached: true,
  });
  const address = await new Promise<string>((resolve, reject) => {
    let text = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      if (text.includes('\n')) resolve(text.split('\n')[0]!.trim());
    });
    child.once('exit', (code) => reject(new Error(`dbus-run-session exited (${code}) before the Secret Service started`)));
  });
  // The daemon registers org.freedesktop.secrets shortly after starting; wait until it answers.
  for (let i = 0; i < 100; i++) {
    const probe = spawnSync('dbus-send', ['--session', '--print-reply', '--dest=org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus.NameHasOwner', 'string:org.freedesktop.secrets'], { env: { ...process.env, DBUS_SESSION_BUS_ADDRESS: address } });
    if (probe.stdout?.toString().includes('boolean true')) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    address,
    home,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        try {
          process.kill(-child.pid!, 'SIGTERM');
        } catch {
          /* already gone */
        }
        await exited;
      }
      rmSync(home, { recursive: true, force: true });
    },
  };
}
