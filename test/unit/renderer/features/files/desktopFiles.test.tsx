// @vitest-environment happy-dom
/**
 * The files view in the desktop app (issue 16), with a fake preload bridge on window.hopline:
 * Upload is enabled and opens the native file picker, dropped files and folders upload by their
 * paths (recursively, one transfer), and "Download to folder…" offers Choose… for the native
 * folder picker. Electron itself cannot run on this machine; this is the renderer's half.
 */
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { FilesView } from '../../../../../app/renderer/features/files/FilesView';
import { startStores } from '../../../../../app/renderer/stores/startStores';
import { useFilesStore } from '../../../../../app/renderer/stores/useFilesStore';
import { useTransfersStore } from '../../../../../app/renderer/stores/useTransfersStore';
import { stubElementSizes } from '../../fakeLayout';
import { fake } from '../../fakeRpc';

vi.mock('../../../../../app/renderer/rpc', async () => (await import('../../fakeRpc')).rpcModule);

const files = fake.rpc.files;
const paths = new Map<File, string>();
const pickFiles = vi.fn(async () => ({ ok: true, value: ['/home/me/a.txt', '/home/me/b.txt'] }));
const pickFolder = vi.fn(async (_title: string, _defaultPath?: string) => ({ ok: true, value: '/home/me/Saved' }));
const bridge = { 'local:pathForFile': (file: File) => paths.get(file) ?? '', 'local:pickFiles': pickFiles, 'local:pickFolder': pickFolder };

stubElementSizes({ clientHeight: 600, clientWidth: 900, offsetHeight: 24, offsetWidth: 900 });
let stopStores: () => void;
beforeAll(() => {
  (window as unknown as { hopline: unknown }).hopline = bridge;
  stopStores = startStores();
});
afterAll(() => {
  stopStores();
  delete (window as unknown as { hopline?: unknown }).hopline;
});

beforeEach(async () => {
  useFilesStore.getState().close('c1');
  files.reset();
  useTransfersStore.setState({ byId: {}, order: [], localErrors: {} });
  files.put('/home/bench', { name: 'notes.txt' });
  vi.clearAllMocks();
  useFilesStore.getState().open('c1');
  await waitFor(() => expect(useFilesStore.getState().views.c1?.loading).toBe(false));
  render(<FilesView circuitId="c1" targetName="target" focusNonce={null} />);
});
afterEach(() => cleanup());

describe('files view in the desktop app', () => {
  it('enables Upload, which opens the native file picker and uploads the picked paths into the current folder', async () => {
    const upload = screen.getByRole('button', { name: 'Upload' });
    expect(upload.hasAttribute('disabled')).toBe(false);
    fireEvent.click(upload);
    await waitFor(() => expect(files.enqueue).toHaveBeenCalledWith({ circuitId: 'c1', direction: 'upload', sources: ['/home/me/a.txt', '/home/me/b.txt'], destination: '/home/bench', recursive: true, conflict: 'ask' }));
    expect(pickFiles).toHaveBeenCalledTimes(1);
  });

  it('uploads dropped files and folders by their paths, recursively, as one transfer', async () => {
    const doc = new File(['x'], 'doc.txt');
    const folder = new File([], 'photos');
    paths.set(doc, '/home/me/doc.txt');
    paths.set(folder, '/home/me/photos');
    const list = screen.getByRole('listbox', { name: /^Files in / });
    const dataTransfer = { types: ['Files'], files: [doc, folder], items: [], dropEffect: 'none' };
    fireEvent.dragOver(list, { dataTransfer });
    fireEvent.drop(list, { dataTransfer });
    await waitFor(() => expect(files.enqueue).toHaveBeenCalledWith(expect.objectContaining({ direction: 'upload', sources: ['/home/me/doc.txt', '/home/me/photos'], destination: '/home/bench', recursive: true })));
    expect(files.beginUpload).not.toHaveBeenCalled();
  });

  it('says so when what was dropped has no path on this computer', async () => {
    const list = screen.getByRole('listbox', { name: /^Files in / });
    const dataTransfer = { types: ['Files'], files: [new File(['x'], 'from-a-web-page.png')], items: [] };
    fireEvent.dragOver(list, { dataTransfer });
    fireEvent.drop(list, { dataTransfer });
    expect((await screen.findByRole('alert')).textContent).toContain('not a file on this computer');
    expect(files.enqueue).not.toHaveBeenCalled();
  });

  it('offers Choose… in "Download to folder…", filling the folder from the native picker', async () => {
    fireEvent.click(screen.getByRole('option', { name: /notes\.txt/ }));
    fireEvent.click(screen.getByRole('button', { name: 'Download to folder…' }));
    const dialog = await screen.findByRole('dialog');
    fireEvent.click(within(dialog).getByRole('button', { name: 'Choose…' }));
    await waitFor(() => expect((within(dialog).getByLabelText('Folder') as HTMLInputElement).value).toBe('/home/me/Saved'));
    expect(pickFolder).toHaveBeenCalledWith('Download to folder', '~/Downloads');
    fireEvent.click(within(dialog).getByRole('button', { name: 'Download' }));
    await waitFor(() => expect(files.enqueue).toHaveBeenCalledWith(expect.objectContaining({ direction: 'download', sources: ['/home/bench/notes.txt'], destination: '/home/me/Saved' })));
  });
});
