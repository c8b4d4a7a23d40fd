/**
 * A web-mode client as the renderer is one: the JSON contract and the binary terminal frames on
 * one real WebSocket, output acked through TerminalStreams' `processed` callback (standing in for
 * xterm's write callback). Shared by the soak, the terminal and network-fault tests, which run
 * outside and inside vitest, so nothing here depends on vitest.
 */
import WebSocket from 'ws';
import { serviceDescriptors, type Services } from '../../app/shared/contract/channels';
import type { WireError } from '../../app/shared/model/errors';
import { createClient, FrameTransport } from '../../app/shared/rpc/client';
import { TerminalStreams } from '../../app/shared/rpc/terminalStreams';

export interface WebApi {
  hosts: Services['hosts'];
  profiles: Services['profiles'];
  circuits: Services['circuits'];
  terminals: Services['terminals'];
}

export interface WebClient {
  api: WebApi;
  streams: TerminalStreams;
  /** JSON error frames the server could not tie to a call, and terminal frames it refused. */
  errors: WireError[];
  /** Binary (terminal) frames received so far. */
  readonly binaryFrames: number;
  /** Set once the WebSocket closed. */
  readonly closed: boolean;
  close(): Promise<void>;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it returns true; rejects naming `what` after `timeoutMs`. */
export async function waitUntil(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000, intervalMs = 20): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}

export async function connectWeb(port: number, token: string): Promise<WebClient> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/rpc?token=${encodeURIComponent(token)}`, { origin: `http://127.0.0.1:${port}` });
  const errors: WireError[] = [];
  const rpc = new FrameTransport((frame) => ws.send(JSON.stringify(frame)));
  rpc.onStrayError = (error) => errors.push({ code: error.code, message: error.message });
  const streams = new TerminalStreams({
    sendFrame: (bytes) => {
      if (ws.readyState === WebSocket.OPEN) ws.send(bytes, { binary: true });
    },
    onError: (error) => errors.push(error),
  });
  let binaryFrames = 0;
  ws.on('message', (data, isBinary) => {
    if (isBinary) {
      binaryFrames++;
      const buffer = data as Buffer;
      streams.receive(new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength));
    } else rpc.receive(JSON.parse(String(data)));
  });
  ws.on('close', () => rpc.disconnected('closed'));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`WebSocket upgrade refused: HTTP ${res.statusCode}`)));
  });
  return {
    api: {
      hosts: createClient<Services['hosts']>(serviceDescriptors.hosts, rpc),
      profiles: createClient<Services['profiles']>(serviceDescriptors.profiles, rpc),
      circuits: createClient<Services['circuits']>(serviceDescriptors.circuits, rpc),
      terminals: createClient<Services['terminals']>(serviceDescriptors.terminals, rpc),
    },
    streams,
    errors,
    get binaryFrames() {
      return binaryFrames;
    },
    get closed() {
      return ws.readyState === WebSocket.CLOSED;
    },
    close: () =>
      new Promise((resolve) => {
        if (ws.readyState === WebSocket.CLOSED) return resolve();
        ws.once('close', () => resolve());
        ws.close();
      }),
  };
}

/** One attached terminal whose recent output is kept as text; output is acked once "processed". */
export class TextTerminal {
  total = 0;
  private text = '';

  constructor(private readonly client: WebClient, readonly terminalId: string, readonly streamId: number, private readonly keepChars = 64 * 1024) {
    client.streams.attach(streamId, (bytes, processed) => {
      this.total += bytes.length;
      this.text = (this.text + Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8')).slice(-this.keepChars);
      processed();
    });
  }

  get output(): string {
    return this.text;
  }

  type(text: string): void {
    this.client.streams.input(this.streamId, Buffer.from(text, 'utf8'));
  }

  waitFor(pattern: RegExp, timeoutMs = 15_000): Promise<void> {
    return waitUntil(() => pattern.test(this.text), `${pattern} in terminal ${this.streamId} (last output: ${JSON.stringify(this.text.slice(-200))})`, timeoutMs);
  }

  /** Types an echo whose output differs from what was typed, and waits for it: a full round trip. */
  async roundTrip(tag: string, timeoutMs = 15_000): Promise<void> {
    const n = Math.floor(Math.random() * 1_000_000);
    this.type(`echo "${tag}-$((${n}+1))"\r`);
    await this.waitFor(new RegExp(`${tag}-${n + 1}\\r?\\n`), timeoutMs);
  }
}
