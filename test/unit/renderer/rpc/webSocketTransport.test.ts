/**
 * Web mode's link and its reconnection progress, with a stand-in WebSocket (the real one is
 * driven in Chromium by test/e2e/badMoments.test.ts): how many attempts, when the next one
 * starts, and whether a backend that answers refuses this page's token (restarted, new token).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LINK_UP, WebSocketTransport, type LinkProgress } from '../../../../app/renderer/rpc/webSocketTransport';

class FakeSocket {
  static readonly OPEN = 1;
  static made: FakeSocket[] = [];
  readyState = 0;
  binaryType = '';
  sent: unknown[] = [];
  onopen: (() => void) | null = null;
  onclose: (() => void) | null = null;
  onmessage: ((m: { data: unknown }) => void) | null = null;
  constructor(readonly url: string) {
    FakeSocket.made.push(this);
  }
  send(data: unknown) {
    this.sent.push(data);
  }
  open() {
    this.readyState = FakeSocket.OPEN;
    this.onopen?.();
  }
  close() {
    this.readyState = 3;
    this.onclose?.();
  }
}

const latest = () => FakeSocket.made[FakeSocket.made.length - 1]!;
let fetchStatus: number | null;

beforeEach(() => {
  vi.useFakeTimers({ now: 1_000_000 });
  FakeSocket.made = [];
  fetchStatus = null;
  vi.stubGlobal('WebSocket', FakeSocket);
  vi.stubGlobal(
    'fetch',
    vi.fn(async () => {
      if (fetchStatus === null) throw new TypeError('Failed to fetch');
      return { status: fetchStatus };
    }),
  );
});
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe('WebSocketTransport progress', () => {
  it('counts attempts and says when the next starts while down; back to LINK_UP once open', async () => {
    const transport = new WebSocketTransport('ws://127.0.0.1:9/rpc');
    const seen: LinkProgress[] = [];
    const states: string[] = [];
    transport.onProgress = (p) => seen.push(p);
    transport.onStateChange = (s) => states.push(s);
    latest().open();
    expect(seen.at(-1)).toEqual(LINK_UP);
    // Lost: attempt 1 after 250 ms, attempt 2 after another 500 ms.
    latest().close();
    expect(states.at(-1)).toBe('closed');
    expect(seen.at(-1)).toEqual({ attempt: 0, nextAttemptAt: 1_000_250, authRejected: false });
    vi.advanceTimersByTime(250);
    expect(seen.at(-1)).toEqual({ attempt: 1, nextAttemptAt: null, authRejected: false });
    latest().close();
    expect(seen.at(-1)).toMatchObject({ attempt: 1, nextAttemptAt: Date.now() + 500 });
    await vi.advanceTimersByTimeAsync(500);
    expect(seen.at(-1)).toMatchObject({ attempt: 2, nextAttemptAt: null, authRejected: false });
    // Nothing answers the probe (the server is gone): not an auth problem.
    latest().close();
    await vi.advanceTimersByTimeAsync(0);
    expect(seen.at(-1)?.authRejected).toBe(false);
    // "Try now" skips the wait.
    const before = FakeSocket.made.length;
    transport.retryNow();
    expect(FakeSocket.made.length).toBe(before + 1);
    expect(seen.at(-1)).toMatchObject({ attempt: 3 });
    latest().open();
    expect(seen.at(-1)).toEqual(LINK_UP);
    expect(states.at(-1)).toBe('open');
  });

  it('a server that answers 401 to the page\'s origin restarted with a new token: authRejected', async () => {
    const transport = new WebSocketTransport('ws://127.0.0.1:9/rpc');
    const seen: LinkProgress[] = [];
    transport.onProgress = (p) => seen.push(p);
    latest().open();
    latest().close();
    vi.advanceTimersByTime(250);
    fetchStatus = 401;
    latest().close();
    await vi.advanceTimersByTimeAsync(0);
    expect(fetch).toHaveBeenCalledWith('http://127.0.0.1:9/', expect.objectContaining({ method: 'HEAD', credentials: 'same-origin' }));
    expect(seen.at(-1)).toMatchObject({ attempt: 1, authRejected: true });
    // The user opened the new address (new cookie): the next attempt gets in.
    await vi.advanceTimersByTimeAsync(500);
    latest().open();
    expect(seen.at(-1)).toEqual(LINK_UP);
  });
});
