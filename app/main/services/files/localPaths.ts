/**
 * Where a remote name may land on this computer (issue 16: "a download never writes outside the
 * chosen folder"). A download names its local files after the server's names, which are
 * untrusted, so every name on the way is checked (safeLocalName) and the joined path is then
 * proved to stay under the chosen folder, lexically (path.resolve + path.relative) and, for what
 * already exists on disk, through symlinks too (realpath). Either failure is UNSAFE_NAME, naming
 * the name as shown (escaped).
 */
import { realpath } from 'node:fs/promises';
import path from 'node:path';
import { ErrorCode, HoplineError } from '../../../shared/model/errors';
import { displayName, safeLocalName, type LocalNameOptions } from '../../../shared/model/remoteNames';

const platformOptions: LocalNameOptions = { windows: process.platform === 'win32' };

function unsafe(name: string, reason: string): HoplineError {
  return new HoplineError(ErrorCode.UNSAFE_NAME, `Refused the remote name ${displayName(name, 300)}: ${reason}`, undefined, reason);
}

/** Whether `child` is `root` itself or inside it (both absolute and resolved). */
export function isInside(root: string, child: string): boolean {
  const relative = path.relative(root, child);
  // '..c' is a name inside; only '..' itself or '../…' leaves (and an absolute answer: another drive).
  return relative === '' || (relative !== '..' && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative));
}

/**
 * The local path for a remote path relative to a transfer's root ("dir/sub/file.txt", POSIX
 * separators as the server gives them), under the local folder `root`. Each segment must be a
 * safe local name; an empty relative path, '.', '..', an absolute path, or a result outside
 * `root` is UNSAFE_NAME. Throws; never returns a path outside `root`.
 */
export function localPathUnder(root: string, relativeRemotePath: string, options: LocalNameOptions = platformOptions): string {
  if (relativeRemotePath.startsWith('/')) throw unsafe(relativeRemotePath, 'it is an absolute path');
  const segments = relativeRemotePath.split('/');
  for (const segment of segments) {
    const verdict = safeLocalName(segment, options);
    if (!verdict.ok) throw unsafe(relativeRemotePath, verdict.reason);
  }
  const base = path.resolve(root);
  const joined = path.resolve(base, ...segments);
  if (joined === base || !isInside(base, joined)) throw unsafe(relativeRemotePath, 'it would land outside the chosen folder');
  return joined;
}

/**
 * Proves a path from localPathUnder() still lands inside `root` once symlinks already on disk are
 * followed: the nearest existing ancestor's real path must be inside the root's real path. (A
 * download never creates links, but the chosen folder may already hold one, made by someone else.)
 */
export async function assertStaysInside(root: string, target: string): Promise<void> {
  const realRoot = await realpath(root);
  let probe = path.resolve(target);
  for (;;) {
    try {
      const real = await realpath(probe);
      if (!isInside(realRoot, real)) throw unsafe(path.relative(root, target).split(path.sep).join('/'), 'a link on this computer points outside the chosen folder');
      return;
    } catch (error) {
      if (error instanceof HoplineError) throw error;
      const parent = path.dirname(probe);
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || parent === probe) throw error;
      probe = parent;
    }
  }
}
