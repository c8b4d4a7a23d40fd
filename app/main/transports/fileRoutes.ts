/**
 * Web mode's byte routes for files (issue 16): `PUT /files/upload/<ticket>` (the body is the
 * file) and `GET /files/download/<ticket>` (a browser download). They run after the same
 * Host/Origin/token checks as every request (webGuards), and each ticket is one-use and
 * short-lived (the transfer queue's beginUpload/beginDownload). Bytes stream both ways with
 * backpressure: the request body is pulled only as SFTP writes are acknowledged, and the next
 * READs wait for the response socket to drain.
 */
import type http from 'node:http';
import { FILES_DOWNLOAD_PATH, FILES_UPLOAD_PATH } from '../../shared/contract/files';
import { HoplineError, toWireError } from '../../shared/model/errors';
import { safeLocalName } from '../../shared/model/remoteNames';
import type { FileTicketRedeemer } from '../services/files/transferQueue';
import { securityHeaders } from './securityHeaders';

/** Tickets are base64url; anything else is not one of ours. */
const TICKET = /^[A-Za-z0-9_-]{16,64}$/;

/**
 * `attachment` with the remote name when it is a safe local name (else "download"): an ASCII
 * fallback with anything unusual replaced, and RFC 5987's UTF-8 form for the real name.
 */
export function contentDisposition(name: string): string {
  const safe = safeLocalName(name).ok ? name : 'download';
  const ascii = safe.replace(/[^\x20-\x7e]|["\\%;]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(safe).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}`;
}

function answer(res: http.ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', ...securityHeaders() });
  res.end(JSON.stringify(body));
}

function statusFor(error: unknown): number {
  if (error instanceof HoplineError) {
    if (error.code === 'INVALID_ARGUMENT') return 404;
    if (error.code === 'FILE_NOT_FOUND') return 404;
    if (error.code === 'PERMISSION_DENIED') return 403;
    if (error.code === 'FILE_EXISTS') return 409;
  }
  return 502;
}

/** Handles the request if it is one of the byte routes (answers true), else leaves it (false). */
export function handleFileRoute(req: http.IncomingMessage, res: http.ServerResponse, pathname: string, files: FileTicketRedeemer | undefined): boolean {
  const upload = pathname.startsWith(FILES_UPLOAD_PATH);
  const download = pathname.startsWith(FILES_DOWNLOAD_PATH);
  if (!upload && !download) return false;
  const ticket = pathname.slice((upload ? FILES_UPLOAD_PATH : FILES_DOWNLOAD_PATH).length);
  if ((upload && req.method !== 'PUT') || (download && req.method !== 'GET')) {
    res.writeHead(405, { Allow: upload ? 'PUT' : 'GET', ...securityHeaders() });
    res.end();
    return true;
  }
  if (!files || !TICKET.test(ticket)) {
    answer(res, 404, { error: { code: 'INVALID_ARGUMENT', message: 'Unknown or used ticket' } });
    return true;
  }
  // The client going away (a closed tab, a cancelled fetch) stops the transfer.
  const abort = new AbortController();
  res.on('close', () => {
    if (!res.writableFinished) abort.abort(new Error('the browser went away'));
  });
  if (upload) {
    void files.redeemUpload(ticket, req, abort.signal).then(
      (status) => answer(res, status.state === 'done' ? 200 : status.state === 'cancelled' ? 499 : statusFor(status.error ? HoplineError.fromWire(status.error) : undefined), status),
      (error: unknown) => {
        req.resume();
        answer(res, statusFor(error), { error: toWireError(error) });
      },
    );
    return true;
  }
  let stream;
  try {
    stream = files.redeemDownload(ticket);
  } catch (error) {
    answer(res, statusFor(error), { error: toWireError(error) });
    return true;
  }
  const { name } = stream;
  let started = false;
  const write = (chunk: Buffer): Promise<void> => {
    if (!started) {
      started = true;
      res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Disposition': contentDisposition(name), 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff', ...securityHeaders() });
    }
    if (res.write(chunk)) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const onDrain = (): void => {
        res.off('close', onClose);
        resolve();
      };
      const onClose = (): void => {
        res.off('drain', onDrain);
        reject(new Error('the browser went away'));
      };
      res.once('drain', onDrain);
      res.once('close', onClose);
    });
  };
  void stream.pipe(write, abort.signal).then(
    () => {
      if (!started) {
        // An empty file: the headers still go, with nothing after them.
        res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Disposition': contentDisposition(name), 'Content-Length': '0', 'Cache-Control': 'no-store', ...securityHeaders() });
      }
      res.end();
    },
    // Before the first byte the browser gets the error; after it, a cut connection (the download fails visibly).
    (error: unknown) => answer(res, statusFor(error), { error: toWireError(error) }),
  );
  return true;
}
