/**
 * The Electron app:// protocol's handler, kept out of the Electron shell so it runs (and is
 * tested) in plain Node: Request in, Response out. Every response it returns, whatever the
 * outcome, carries securityHeaders(), the CSP included; a page never exists without them.
 */
import { readFile } from 'node:fs/promises';
import { APP_HOST } from './electronIpc';
import { securityHeaders } from './securityHeaders';
import { resolveStaticFile } from './staticFiles';

export type AppProtocolHandler = (request: Request) => Promise<Response>;

function plain(status: number, text: string, extra: Record<string, string> = {}): Response {
  return new Response(text, { status, headers: { 'Content-Type': 'text/plain; charset=utf-8', ...extra, ...securityHeaders() } });
}

/**
 * Serves the built renderer from `rendererDir` for app://hopline only. `read` is replaceable so
 * a test can make a read fail after the file was found (deleted or unreadable in between).
 */
export function appProtocolHandler(rendererDir: string, read: (file: string) => Promise<Uint8Array<ArrayBuffer>> = readFile): AppProtocolHandler {
  return async (request) => {
    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      return plain(400, 'Bad request\n');
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') return plain(405, 'Method not allowed\n', { Allow: 'GET, HEAD' });
    const file = url.host === APP_HOST ? resolveStaticFile(rendererDir, url.pathname) : null;
    if (!file) return plain(404, 'Not found\n');
    let body: Uint8Array<ArrayBuffer>;
    try {
      body = await read(file.filePath);
    } catch {
      return plain(500, 'Could not read the file\n');
    }
    return new Response(request.method === 'HEAD' ? null : body, { status: 200, headers: { 'Content-Type': file.contentType, ...securityHeaders() } });
  };
}
