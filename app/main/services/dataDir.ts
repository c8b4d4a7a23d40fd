import { mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';

/**
 * The platform's app data folder, the same place Electron's `userData` points at, so the
 * desktop app and web mode share profiles unless `--data-dir` says otherwise.
 */
export function defaultDataDir(platform: NodeJS.Platform = process.platform, env: NodeJS.ProcessEnv = process.env, home: string = homedir()): string {
  if (platform === 'win32') return path.win32.join(env.APPDATA ?? path.win32.join(home, 'AppData', 'Roaming'), 'Hopline');
  if (platform === 'darwin') return path.posix.join(home, 'Library', 'Application Support', 'Hopline');
  return path.posix.join(env.XDG_CONFIG_HOME && path.isAbsolute(env.XDG_CONFIG_HOME) ? env.XDG_CONFIG_HOME : path.posix.join(home, '.config'), 'Hopline');
}

/** Creates the data dir, readable by its owner only: it will hold profiles and known_hosts. */
export function ensureDataDir(dir: string): string {
  const absolute = path.resolve(dir);
  mkdirSync(absolute, { recursive: true, mode: 0o700 });
  return absolute;
}
