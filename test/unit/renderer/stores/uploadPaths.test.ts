/**
 * The desktop app's uploads by path (issue 16): picked or dropped files and folders go to the
 * current remote folder as one transfer through files.enqueue, recursively (so a dropped folder
 * comes whole, as `hopline cp -r` does), and the queue shows it at once.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { useTransfersStore, windowLocalFiles } from '../../../../app/renderer/stores/useTransfersStore';
import { fake } from '../fakeRpc';

vi.mock('../../../../app/renderer/rpc', async () => (await import('../fakeRpc')).rpcModule);

const files = fake.rpc.files;

beforeEach(() => {
  files.reset();
  useTransfersStore.setState({ byId: {}, order: [], localErrors: {} });
  vi.clearAllMocks();
});

describe('transfers store: uploads by path', () => {
  it('enqueues local paths into the remote folder, recursively, asking on conflicts by default', async () => {
    const status = await useTransfersStore.getState().uploadPaths('c1', '/home/bench/in', ['/home/me/photos', '/home/me/a.txt']);
    expect(files.enqueue).toHaveBeenCalledWith({ circuitId: 'c1', direction: 'upload', sources: ['/home/me/photos', '/home/me/a.txt'], destination: '/home/bench/in', recursive: true, conflict: 'ask' });
    expect(useTransfersStore.getState().order).toEqual([status.transferId]);
    expect(useTransfersStore.getState().byId[status.transferId]!.direction).toBe('upload');
  });

  it('passes a chosen conflict policy on', async () => {
    await useTransfersStore.getState().uploadPaths('c1', '/srv', ['/tmp/x'], 'rename');
    expect(files.enqueue).toHaveBeenCalledWith(expect.objectContaining({ conflict: 'rename', recursive: true }));
  });

  it('rejects with the service refusal and queues nothing', async () => {
    files.enqueue.mockRejectedValueOnce(Object.assign(new Error('nope'), { code: 'PERMISSION_DENIED' }));
    await expect(useTransfersStore.getState().uploadPaths('c1', '/root', ['/tmp/x'])).rejects.toThrow('nope');
    expect(useTransfersStore.getState().order).toEqual([]);
  });

  it('offers the browser File API in a window without the Electron bridge', () => {
    expect(windowLocalFiles().kind).toBe('browser');
  });
});
