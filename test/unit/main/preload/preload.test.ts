/**
 * The preload with a fake contextBridge: it must expose exactly one function per channel in the
 * contract's table, plus one to send and one to subscribe to terminal frames, under one name,
 * frozen, and never ipcRenderer or any other object. The fake contextBridge records every call
 * made on it (any method, not only exposeInMainWorld), and the fake ipcRenderer returns itself
 * from on/removeListener as Electron's does, so a leak through a return value would show.
 */
import { describe, expect, it, vi } from 'vitest';
import { channelTable } from '../../../../app/shared/contract/channels';
import { LOCAL_BRIDGE_FUNCTIONS } from '../../../../app/shared/rpc/localFilesBridge';

const exposed = new Map<string, unknown>();
const bridgeCalls: string[] = [];
const invoke = vi.fn(async (channel: string, args: unknown) => ({ ok: true, value: [channel, args] }));
const send = vi.fn();
const ipcRenderer: Record<string, unknown> = { invoke, send };
const on = vi.fn((_channel: string, _listener: unknown) => ipcRenderer);
const removeListener = vi.fn((_channel: string, _listener: unknown) => ipcRenderer);
Object.assign(ipcRenderer, { on, removeListener });

/** Any method called on contextBridge is recorded; only exposeInMainWorld exposes anything. */
const contextBridge = new Proxy(
  {},
  {
    get: (_target, method) =>
      (...args: unknown[]) => {
        bridgeCalls.push(String(method));
        if (method === 'exposeInMainWorld') exposed.set(args[0] as string, args[1]);
      },
  },
);

/** webUtils.getPathForFile: a path for the files it was "given", and a throw for anything else, as Electron does. */
const knownFile = { name: 'report.pdf' };
const getPathForFile = vi.fn((file: unknown) => {
  if (file === knownFile) return '/home/me/report.pdf';
  throw new TypeError('Error processing argument at index 0, conversion failure');
});
const webUtils = { getPathForFile };

vi.mock('electron', () => ({ contextBridge, ipcRenderer, webUtils }));

/** Whether `value` is, or holds at any depth, the ipcRenderer or an event object from it. */
function leaks(value: unknown, seen = new Set<unknown>()): boolean {
  if (value === ipcRenderer) return true;
  if (typeof value !== 'object' || value === null || seen.has(value)) return false;
  seen.add(value);
  if ('sender' in value) return true;
  return Object.values(value).some((v) => leaks(v, seen));
}

describe('preload', async () => {
  await import('../../../../app/main/preload/preload');
  const api = exposed.get('hopline') as Record<string, (...args: unknown[]) => unknown>;

  it('exposes one frozen object holding one function per allowlisted channel, the two terminal frame functions and the three local files functions', () => {
    expect(bridgeCalls).toEqual(['exposeInMainWorld']);
    expect([...exposed.keys()]).toEqual(['hopline']);
    expect(Object.isFrozen(api)).toBe(true);
    expect(Object.keys(api).sort()).toEqual([...channelTable.map((e) => e.channel), 'terminal:sendFrame', 'terminal:onFrame', ...LOCAL_BRIDGE_FUNCTIONS].sort());
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
    forward({ sender: ipcRenderer, senderId: 0 }, { nonce: 'x' });
    // The listener gets the data alone: never the IpcRendererEvent (whose sender is ipcRenderer).
    expect(listener.mock.calls).toEqual([[{ nonce: 'x' }]]);
    expect(stop()).toBeUndefined();
    expect(removeListener).toHaveBeenCalledWith('app:onDidPong', forward);
  });

  it('returns nothing from any exposed function that is, or holds, ipcRenderer or an IPC event', async () => {
    for (const [name, fn] of Object.entries(api)) {
      const returned = fn(/:on[A-Z]/.test(name) ? () => undefined : []);
      const value = returned instanceof Promise ? await returned : returned;
      expect(leaks(value), name).toBe(false);
      if (typeof value === 'function') expect(leaks((value as () => unknown)()), `${name} unsubscribe`).toBe(false);
    }
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
    forward({ sender: ipcRenderer, senderId: 0 }, frame);
    forward({ sender: ipcRenderer, senderId: 0 }, 'not bytes');
    expect(listener.mock.calls).toEqual([[frame]]);
    expect(stop()).toBeUndefined();
    expect(removeListener).toHaveBeenCalledWith('terminal:frame', forward);
  });

  it('gives the path of a File through webUtils, and an empty path for anything that is not a File', () => {
    expect(api['local:pathForFile']!(knownFile)).toBe('/home/me/report.pdf');
    expect(getPathForFile).toHaveBeenLastCalledWith(knownFile);
    expect(api['local:pathForFile']!({ name: 'fake', path: '/etc/shadow' })).toBe('');
    expect(api['local:pathForFile']!('/etc/passwd')).toBe('');
  });

  it('asks main for a folder on its own dialog channel, with a title and a default path that are strings or nothing', async () => {
    invoke.mockClear();
    await expect(api['local:pickFolder']!('Download to', '~/Downloads')).resolves.toEqual({ ok: true, value: ['dialog:pickFolder', ['Download to', '~/Downloads']] });
    await api['local:pickFolder']!({ toString: () => 'x' }, 42);
    expect(invoke).toHaveBeenLastCalledWith('dialog:pickFolder', ['', undefined]);
    expect(invoke).toHaveBeenCalledTimes(2);
  });

  it('asks main for files to upload on its own dialog channel, passing nothing from the page', async () => {
    invoke.mockClear();
    await expect(api['local:pickFiles']!({ properties: ['openDirectory'] })).resolves.toEqual({ ok: true, value: ['dialog:pickFiles', []] });
    expect(invoke.mock.calls).toEqual([['dialog:pickFiles', []]]);
  });
});
