/** A contract client over a real WebSocket (the `ws` package), for tests against web mode. */
import WebSocket from 'ws';
import { FrameTransport } from '../../app/shared/rpc/client';

export interface TestWsClient {
  ws: WebSocket;
  rpc: FrameTransport;
  /** Every frame received, decoded, in order. */
  frames: unknown[];
  sendRaw(data: string | Buffer, binary?: boolean): void;
  nextFrame(): Promise<unknown>;
  close(): Promise<void>;
}

export async function connectWs(port: number, token: string): Promise<TestWsClient> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/rpc?token=${encodeURIComponent(token)}`, { origin: `http://127.0.0.1:${port}` });
  const frames: unknown[] = [];
  const waiters: ((frame: unknown) => void)[] = [];
  const rpc = new FrameTransport((frame) => ws.send(JSON.stringify(frame)));
  ws.on('message', (data) => {
    const frame = JSON.parse(String(data)) as unknown;
    frames.push(frame);
    rpc.receive(frame);
    waiters.shift()?.(frame);
  });
  ws.on('close', () => rpc.disconnected('closed'));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
  });
  return {
    ws,
    rpc,
    frames,
    sendRaw: (data, binary = false) => ws.send(data, { binary }),
    nextFrame: () => new Promise((resolve) => waiters.push(resolve)),
    close: () =>
      new Promise((resolve) => {
        if (ws.readyState === WebSocket.CLOSED) return resolve();
        ws.once('close', () => resolve());
        ws.close();
      }),
  };
}

/** The HTTP status a WebSocket upgrade gets, or 101 if it was accepted. */
export function upgradeStatus(port: number, path: string, options: { host?: string; origin?: string; cookie?: string }): Promise<number> {
  return new Promise((resolve) => {
    const headers: Record<string, string> = {};
    if (options.host) headers.Host = options.host;
    if (options.cookie) headers.Cookie = options.cookie;
    const ws = new WebSocket(`ws://127.0.0.1:${port}${path}`, { headers, ...(options.origin ? { origin: options.origin } : {}) });
    ws.once('open', () => {
      ws.terminate();
      resolve(101);
    });
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.once('error', () => resolve(0));
  });
}
