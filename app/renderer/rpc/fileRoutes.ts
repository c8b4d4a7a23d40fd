/**
 * Web mode's byte routes for files (issue 16): a browser File goes up as the body of one PUT to
 * FILES_UPLOAD_PATH + ticket, and a remote file comes down as a browser download of
 * FILES_DOWNLOAD_PATH + ticket. The tickets come from the files service (beginUpload,
 * beginDownload). Like the WebSocket, these requests carry the page's HttpOnly token cookie
 * (same origin, never read by script) and the browser's own Origin header, which web mode checks.
 *
 * In Electron there is no HTTP server: transfers there go by local paths (files.enqueue).
 */
import { FILES_DOWNLOAD_PATH, FILES_UPLOAD_PATH } from '../../shared/contract/files';
import { HoplineError, type WireError } from '../../shared/model/errors';
import { safeLocalName } from '../../shared/model/remoteNames';

/** Sends a file's bytes for an upload ticket; rejects with the server's words when it refuses. */
export async function putUploadBytes(ticket: string, body: Blob, signal?: AbortSignal): Promise<void> {
  const response = await fetch(`${FILES_UPLOAD_PATH}${encodeURIComponent(ticket)}`, {
    method: 'PUT',
    body,
    credentials: 'same-origin',
    cache: 'no-store',
    headers: { 'Content-Type': 'application/octet-stream' },
    ...(signal ? { signal } : {}),
  });
  // 499: cancelled on purpose (the queue says so); anything else not ok carries a typed error.
  if (response.ok || response.status === 499) return;
  const text = await response.text().catch(() => '');
  let wire: unknown = null;
  try {
    const body = JSON.parse(text) as { error?: unknown };
    wire = body.error ?? null;
  } catch {
    // Not JSON: a proxy's or the browser's own page; the status says enough.
  }
  if (isWireError(wire)) throw HoplineError.fromWire(wire);
  throw new Error(`The upload was refused (HTTP ${response.status})${text ? `: ${text.slice(0, 300)}` : ''}`);
}

function isWireError(value: unknown): value is WireError {
  return typeof value === 'object' && value !== null && typeof (value as WireError).code === 'string' && typeof (value as WireError).message === 'string';
}

/**
 * Starts the browser's own download of a ticket. The suggested name is the remote name only when
 * it is a safe local name; otherwise the server's Content-Disposition (or "download") decides.
 */
export function startBrowserDownload(ticket: string, name: string): void {
  const link = document.createElement('a');
  link.href = `${FILES_DOWNLOAD_PATH}${encodeURIComponent(ticket)}`;
  link.download = safeLocalName(name).ok ? name : '';
  link.rel = 'noopener';
  link.style.display = 'none';
  document.body.append(link);
  link.click();
  link.remove();
}
