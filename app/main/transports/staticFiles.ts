import { realpathSync, statSync } from 'node:fs';
import path from 'node:path';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
  '.map': 'application/json; charset=utf-8',
};

export interface StaticFile {
  filePath: string;
  contentType: string;
}

/**
 * Maps a URL path to a file inside the built renderer, or null. Used by web mode and by the
 * Electron app:// protocol alike. Anything that would leave the root (`..`, encoded slashes,
 * symlinks pointing out) or is not a regular file resolves to null.
 */
export function resolveStaticFile(rootDir: string, urlPath: string): StaticFile | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return null;
  const relative = decoded === '/' || decoded === '' ? 'index.html' : decoded.replace(/^\/+/, '');
  let root: string;
  try {
    root = realpathSync(rootDir);
  } catch {
    return null;
  }
  const candidate = path.resolve(root, relative);
  if (candidate !== root && !candidate.startsWith(root + path.sep)) return null;
  try {
    const real = realpathSync(candidate);
    if (!real.startsWith(root + path.sep) || !statSync(real).isFile()) return null;
    return { filePath: real, contentType: CONTENT_TYPES[path.extname(real).toLowerCase()] ?? 'application/octet-stream' };
  } catch {
    return null;
  }
}
