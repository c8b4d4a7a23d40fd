/**
 * The files views' store (issue 16) over an in-memory files service: a view lists its home
 * folder in pages as they arrive, navigation drops a listing no longer wanted (closing it on the
 * service), Refresh keeps the rows until the new listing is whole, and the operations refresh and
 * select what they made. Transfers: events feed the queue, a finished upload refreshes its view.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { startStores } from '../../../../app/renderer/stores/startStores';
import { useFilesStore } from '../../../../app/renderer/stores/useFilesStore';
import { useTransfersStore } from '../../../../app/renderer/stores/useTransfersStore';
import { ErrorCode } from '../../../../app/shared/model/errors';
import { fake } from '../fakeRpc';

vi.mock('../../../../app/renderer/rpc', async () => (await import('../fakeRpc')).rpcModule);

const files = fake.rpc.files;
let stopStores: () => void;
beforeAll(() => {
  stopStores = startStores();
});
afterAll(() => stopStores());

const s = () => useFilesStore.getState();
const v = () => s().views.c1!;
const names = () => v().entries.map((e) => e.name);

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (check()) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`timed out waiting for ${what}`);
}

beforeEach(() => {
  s().close('c1');
  files.reset();
  useTransfersStore.setState({ byId: {}, order: [], localErrors: {} });
  vi.clearAllMocks();
});

describe('files store: listing', () => {
  it('opens on the home folder, with its rows as the pages arrive', async () => {
    for (const name of ['a', 'b', 'c', 'd', 'e']) files.put('/home/bench', { name, size: 10 });
    s().open('c1');
    await until(() => !v().loading && v().entries.length === 5, 'the listing');
    expect(v().path).toBe('/home/bench');
    expect(v().home).toBe('/home/bench');
    expect(names().sort()).toEqual(['a', 'b', 'c', 'd', 'e']);
    // Two per page: three READDIR answers.
    expect(files.readDir).toHaveBeenCalledTimes(3);
  });

  it('shows the first page at once, before the rest arrives', async () => {
    for (const name of ['a', 'b', 'c', 'd']) files.put('/home/bench', { name });
    let release!: () => void;
    let pages = 0;
    files.gate = () => (++pages === 2 ? new Promise<void>((resolve) => (release = resolve)) : Promise.resolve());
    s().open('c1');
    await until(() => v().entries.length === 2, 'the first page');
    expect(v().loading).toBe(true);
    release();
    await until(() => !v().loading, 'the end');
    expect(v().entries.length).toBe(4);
  });

  it('going elsewhere mid-listing drops the old one and closes it on the service', async () => {
    for (const name of ['a', 'b', 'c', 'd']) files.put('/home/bench', { name });
    files.put('/srv', { name: 'x' });
    let release!: () => void;
    let pages = 0;
    files.gate = () => (++pages === 2 ? new Promise<void>((resolve) => (release = resolve)) : Promise.resolve());
    s().open('c1');
    await until(() => v().entries.length === 2, 'the first page');
    const navigating = s().navigate('c1', '/srv');
    release();
    await navigating;
    await until(() => !v().loading, 'the new listing');
    expect(v().path).toBe('/srv');
    expect(names()).toEqual(['x']);
    expect(files.closed).toContain('d1');
  });

  it('keeps the old rows on Refresh until the new listing is whole, and keeps the selection of what is still there', async () => {
    for (const name of ['a', 'b', 'c']) files.put('/home/bench', { name });
    s().open('c1');
    await until(() => !v().loading && v().entries.length === 3, 'the listing');
    s().setSelection('c1', { names: new Set(['a', 'b']), cursor: 'b', anchor: 'a' });
    files.find('/home/bench')!.children!.delete('b');
    files.put('/home/bench', { name: 'z' });
    const seen: number[] = [];
    const stop = useFilesStore.subscribe((st) => seen.push(st.views.c1?.entries.length ?? -1));
    await s().refresh('c1');
    stop();
    // Never emptied on the way.
    expect(Math.min(...seen)).toBe(3);
    expect(names().sort()).toEqual(['a', 'c', 'z']);
    expect([...v().selection.names]).toEqual(['a']);
    expect(v().selection.cursor).toBeNull();
  });

  it('says why a folder cannot be opened and keeps showing the last one', async () => {
    files.put('/home/bench', { name: 'a' });
    s().open('c1');
    await until(() => !v().loading && v().entries.length === 1, 'the listing');
    await s().navigate('c1', '/nope');
    expect(v().path).toBe('/home/bench');
    expect(names()).toEqual(['a']);
    expect((v().error as { code?: string }).code).toBe(ErrorCode.FILE_NOT_FOUND);
    s().clearError('c1');
    expect(v().error).toBeNull();
  });

  it('goes up to the parent and home again', async () => {
    s().open('c1');
    await until(() => !v().loading && v().path === '/home/bench', 'home');
    await s().up('c1');
    expect(v().path).toBe('/home');
    await s().goHome('c1');
    expect(v().path).toBe('/home/bench');
    expect(files.home).toHaveBeenCalledTimes(1);
  });
});

describe('files store: a view brought back after a reload', () => {
  it('opens at the saved folder, without a detour through home', async () => {
    files.put('/home/bench/logs', { name: 'old.log' });
    s().open('c1', '/home/bench/logs');
    await until(() => !v().loading && v().entries.length === 1, 'the listing');
    expect(v().path).toBe('/home/bench/logs');
    expect(names()).toEqual(['old.log']);
    expect(files.home).not.toHaveBeenCalled();
  });

  it('opens at home when the saved folder is gone, and says why', async () => {
    files.put('/home/bench', { name: 'a' });
    s().open('c1', '/home/bench/removed');
    await until(() => !v().loading && v().path === '/home/bench', 'home');
    expect(names()).toEqual(['a']);
    expect((v().error as { code?: string }).code).toBe(ErrorCode.FILE_NOT_FOUND);
  });
});

describe('files store: operations', () => {
  beforeEach(async () => {
    files.put('/home/bench', { name: 'notes.txt', size: 3 });
    files.put('/home/bench', { name: 'logs', type: 'directory', mode: 0o040755 });
    files.put('/home/bench/logs', { name: 'old.log' });
    s().open('c1');
    await until(() => !v().loading && v().entries.length === 2, 'the listing');
  });

  it('makes a folder, lists it and selects it', async () => {
    await s().mkdir('c1', 'new');
    expect(files.mkdir).toHaveBeenCalledWith('c1', '/home/bench/new');
    expect(names()).toContain('new');
    expect(v().selection.cursor).toBe('new');
  });

  it('renames, and the new name is selected', async () => {
    await s().rename('c1', 'notes.txt', 'todo.txt');
    expect(files.rename).toHaveBeenCalledWith('c1', '/home/bench/notes.txt', '/home/bench/todo.txt');
    expect(names()).toContain('todo.txt');
    expect([...v().selection.names]).toEqual(['todo.txt']);
  });

  it('rejects with the typed error when the name is taken', async () => {
    await expect(s().mkdir('c1', 'logs')).rejects.toMatchObject({ code: ErrorCode.FILE_EXISTS });
  });

  it('deletes files, and folders with everything in them only when asked to', async () => {
    await expect(s().remove('c1', ['logs'], false)).rejects.toMatchObject({ code: ErrorCode.SFTP_FAILED });
    await s().remove('c1', ['logs', 'notes.txt'], true);
    expect(files.remove).toHaveBeenCalledWith('c1', '/home/bench/logs', { recursive: true });
    expect(names()).toEqual([]);
  });

  it('sets permission bits and the row shows them', async () => {
    await s().chmod('c1', 'notes.txt', 0o600);
    expect(files.chmod).toHaveBeenCalledWith('c1', '/home/bench/notes.txt', 0o600);
    expect(v().entries.find((e) => e.name === 'notes.txt')!.mode & 0o7777).toBe(0o600);
  });
});

describe('transfers store', () => {
  it('follows the queue events, and a finished upload refreshes the view of its circuit', async () => {
    s().open('c1');
    await until(() => !v().loading && v().path === '/home/bench', 'home');
    const t = files.status({ circuitId: 'c1', state: 'running', bytesTotal: 3 });
    files.emitTransfer(t);
    expect(useTransfersStore.getState().order).toEqual([t.transferId]);
    files.put('/home/bench', { name: 'up.bin', size: 3 });
    files.emitTransfer({ ...t, state: 'done', bytesDone: 3 });
    await until(() => names().includes('up.bin'), 'the refreshed listing');
    files.emitRemoved(t.transferId);
    expect(useTransfersStore.getState().order).toEqual([]);
    // A late change of a removed transfer does not bring it back.
    files.emitTransfer({ ...t, state: 'done' });
    expect(useTransfersStore.getState().order).toEqual([]);
  });

  it('enqueues a download into a local folder, recursive for folders', async () => {
    await useTransfersStore.getState().downloadTo('c1', ['/home/bench/logs'], '~/Downloads', { recursive: true });
    expect(files.enqueue).toHaveBeenCalledWith({ circuitId: 'c1', direction: 'download', sources: ['/home/bench/logs'], destination: '~/Downloads', recursive: true, conflict: 'ask' });
    expect(useTransfersStore.getState().order).toHaveLength(1);
  });

  it('cancel, retry, answer and dismiss go to the service', async () => {
    const t = files.status({ circuitId: 'c1', state: 'failed' });
    files.emitTransfer(t);
    await useTransfersStore.getState().answer(t.transferId, 'overwrite', true);
    expect(files.answerConflict).toHaveBeenCalledWith(t.transferId, 'overwrite', { forAll: true });
    await useTransfersStore.getState().retry(t.transferId);
    expect(useTransfersStore.getState().byId[t.transferId]!.state).toBe('running');
    await useTransfersStore.getState().cancel(t.transferId);
    expect(files.cancel).toHaveBeenCalledWith(t.transferId);
    await useTransfersStore.getState().dismiss(t.transferId);
    expect(useTransfersStore.getState().byId[t.transferId]).toBeUndefined();
  });
});
