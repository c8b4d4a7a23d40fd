/**
 * The preload with a fake contextBridge: it must expose exactly one function per channel in the
 * contract's table, plus one to send and one to subscribe to terminal frames, under one name,
 * frozen, and never ipcRenderer or any other object.
 */
import { describe, expect, it, vi } from 'vitest';
import { channelTable } from '../../../../app/shared/contract/channels';

const exposed = new Map<string, unknown>();
const invoke = vi.fn(async (channel: string, args: unknown) => ({ ok: true, value: [channel, args] }));
const on = vi.fn();
const removeListener = vi.fn();
const send = vi.fn();

vi.mock('electron', () => ({
  contextBridge: { exposeInMainWorld: (key: string, api: unknown) => exposed.set(key, api) },
  ipcRenderer: { invoke, on, removeListener, send },
}));

describe('preload', async () => {
  await import('../../../../app/main/preload/preload');
  const api = exposed.get('hopline') as Record<string, (...args: unknown[]) => unknown>;

  it('exposes one frozen object holding one function per allowlisted channel, and the two terminal frame functions', () => {
    expect([...exposed.keys()]).toEqual(['hopline']);
    expect(Object.isFrozen(api)).toBe(true);
    expect(Object.keys(api).sort()).toEqual([...channelTable.map((e) => e.channel), 'terminal:sendFrame', 'terminal:onFrame'].sort());
    for (const value of Object.values(api)) expect(typeof value).toBe('function');
    expect(Object.values(api)).not.toContain(invoke);
  });

  it('invokes only its own channel, with an args array', async () => {
    await expect(api['app:ping']!([{ nonce: 'n' }])).resolves.toEqual({ ok: true, value: ['app:ping', [{ nonce: 'n' }]] });
    await api['app:version']!('not-an-array');
    expect(invoke).toHaveBeenLastCalledWith('app:version', []);
  });

  it('subscribes event channels and returns an unsubscribe function that removes the same listener', () => {
    const listener = vi.fn();
    const stop = api['app:onDidPong']!(listener) as () => void;
    expect(on).toHaveBeenCalledWith('app:onDidPong', expect.any(Function));
    const forward = on.mock.calls[0]![1] as (event: unknown, data: unknown) => void;
    forward({ sender: 'ipc-internals' }, { nonce: 'x' });
    expect(listener).toHaveBeenCalledWith({ nonce: 'x' });
    stop();
    expect(removeListener).toHaveBeenCalledWith('app:onDidPong', forward);
  });

  it('sends terminal frames as bytes on terminal:frame, and nothing that is not bytes', () => {
    const frame = new Uint8Array([4, 0, 0, 0, 1]);
    expect(api['terminal:sendFrame']!(frame)).toBeUndefined();
    expect(send).toHaveBeenCalledWith('terminal:frame', frame);
    api['terminal:sendFrame']!('text');
    api['terminal:sendFrame']!({ length: 5 });
    api['terminal:sendFrame']!([4, 0, 0, 0, 1]);
    expect(send).toHaveBeenCalledTimes(1);
  });

  it('subscribes to terminal frames from main, passing on bytes only, and unsubscribes the same listener', () => {
    on.mockClear();
    const listener = vi.fn();
    const stop = api['terminal:onFrame']!(listener) as () => void;
    expect(on).toHaveBeenCalledWith('terminal:frame', expect.any(Function));
    const forward = on.mock.calls[0]![1] as (event: unknown, data: unknown) => void;
    const frame = new Uint8Array([1, 0, 0, 0, 1, 65]);
    forward({ sender: 'ipc-internals' }, frame);
    forward({ sender: 'ipc-internals' }, 'not bytes');
    expect(listener).toHaveBeenCalledTimes(1);
    expect(listener).toHaveBeenCalledWith(frame);
    stop();
    expect(removeListener).toHaveBeenCalledWith('terminal:frame', forward);
  });
});
