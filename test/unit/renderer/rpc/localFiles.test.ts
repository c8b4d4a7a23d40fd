/**
 * Which local files capability a window gets, with fake bridges: web mode (no bridge) is the
 * browser's File API, the Electron preload with its local files functions is the desktop one
 * (paths, native pickers), and a bridge without them offers no uploads. A browser drop is split
 * into its files and its folders, which the browser cannot upload.
 */
import { describe, expect, it, vi } from 'vitest';
import type { Bridge } from '../../../../app/renderer/rpc/bridgeTransport';
import { BROWSER_FOLDER_REFUSAL, browserDrop, browserFolderRefusal, localFiles, localFilesFor, type DropItemLike } from '../../../../app/renderer/rpc/localFiles';
import { describeAnyError } from '../../../../app/shared/model/errorSentence';
import { ErrorCode } from '../../../../app/shared/model/errors';

function desktopBridge(answers: { folder?: unknown; files?: unknown; error?: boolean } = {}) {
  const paths = new Map<File, string>();
  const pathForFile = vi.fn((file: File) => paths.get(file) ?? '');
  const pickFolder = vi.fn(async (_title: string, _defaultPath?: string) =>
    answers.error ? { ok: false as const, error: { code: ErrorCode.FORBIDDEN, message: 'Caller is not the Hopline window' } } : { ok: true as const, value: answers.folder ?? null },
  );
  const pickFiles = vi.fn(async () => ({ ok: true as const, value: answers.files ?? null }));
  const bridge = { 'app:ping': vi.fn(), 'local:pathForFile': pathForFile, 'local:pickFolder': pickFolder, 'local:pickFiles': pickFiles } as unknown as Bridge;
  return { bridge, paths, pathForFile, pickFolder, pickFiles };
}

describe('localFilesFor', () => {
  it('is the browser File API in web mode (no bridge), and in this Node test window', () => {
    expect(localFilesFor(undefined)).toEqual({ kind: 'browser' });
    expect(localFiles()).toEqual({ kind: 'browser' });
  });

  it('offers nothing from a bridge that lacks any of the local files functions', () => {
    const { bridge } = desktopBridge();
    for (const missing of ['local:pathForFile', 'local:pickFolder', 'local:pickFiles']) {
      const partial = { ...bridge };
      delete partial[missing];
      expect(localFilesFor(partial).kind, missing).toBe('none');
    }
    expect(localFilesFor({ 'app:ping': vi.fn() } as unknown as Bridge).kind).toBe('none');
  });

  it('gives the paths of Files from the preload, leaving out Files that have none', () => {
    const { bridge, paths } = desktopBridge();
    const a = new File(['a'], 'a.txt');
    const folder = new File([], 'photos');
    const fromWeb = new File(['x'], 'x.png');
    paths.set(a, '/home/me/a.txt');
    paths.set(folder, '/home/me/photos');
    const local = localFilesFor(bridge);
    if (local.kind !== 'desktop') throw new Error(`expected desktop, got ${local.kind}`);
    expect(local.pathsOf([a, fromWeb, folder])).toEqual(['/home/me/a.txt', '/home/me/photos']);
  });

  it('picks a folder with the native dialog, and answers null when it is cancelled', async () => {
    const picked = desktopBridge({ folder: '/home/me/Downloads' });
    const local = localFilesFor(picked.bridge);
    if (local.kind !== 'desktop') throw new Error('expected desktop');
    await expect(local.pickFolder('Download to folder', '~/Downloads')).resolves.toBe('/home/me/Downloads');
    expect(picked.pickFolder).toHaveBeenCalledWith('Download to folder', '~/Downloads');
    const cancelled = localFilesFor(desktopBridge().bridge);
    if (cancelled.kind !== 'desktop') throw new Error('expected desktop');
    await expect(cancelled.pickFolder('t')).resolves.toBeNull();
  });

  it('picks files with the native dialog, keeping only non-empty string paths; null when cancelled', async () => {
    const local = localFilesFor(desktopBridge({ files: ['/tmp/a', '', 7, '/tmp/b'] }).bridge);
    if (local.kind !== 'desktop') throw new Error('expected desktop');
    await expect(local.pickFiles()).resolves.toEqual(['/tmp/a', '/tmp/b']);
    const cancelled = localFilesFor(desktopBridge({ files: null }).bridge);
    if (cancelled.kind !== 'desktop') throw new Error('expected desktop');
    await expect(cancelled.pickFiles()).resolves.toBeNull();
  });

  it('rejects with the typed error main answered', async () => {
    const local = localFilesFor(desktopBridge({ error: true }).bridge);
    if (local.kind !== 'desktop') throw new Error('expected desktop');
    await expect(local.pickFolder('t')).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });
});

function item(file: File | null, isDirectory: boolean | null, kind = 'file'): DropItemLike {
  return { kind, getAsFile: () => file, webkitGetAsEntry: () => (isDirectory === null ? null : { isDirectory }) };
}

describe('browserDrop', () => {
  const a = new File(['a'], 'a.txt');
  const b = new File(['b'], 'b.txt');
  const dir = new File([], 'photos');

  it('takes the files and counts the folders, by their entries', () => {
    expect(browserDrop([item(a, false), item(dir, true), item(b, false)], [a, dir, b])).toEqual({ files: [a, b], folders: 1 });
  });

  it('treats items without an entry (a page-made DataTransfer) as files, and skips string items', () => {
    expect(browserDrop([item(a, null), item(null, null, 'string'), { kind: 'file', getAsFile: () => b }], [a, b])).toEqual({ files: [a, b], folders: 0 });
  });

  it('falls back to the files list when there are no file items', () => {
    expect(browserDrop(undefined, [a, b])).toEqual({ files: [a, b], folders: 0 });
    expect(browserDrop([], [a])).toEqual({ files: [a], folders: 0 });
  });

  it('refuses folders with a sentence that says where they can be uploaded', () => {
    expect(describeAnyError(browserFolderRefusal(1)).sentence).toBe(`${BROWSER_FOLDER_REFUSAL}.`);
    expect(describeAnyError(browserFolderRefusal(1)).sentence).toContain('hopline cp -r');
    expect(describeAnyError(browserFolderRefusal(3)).sentence).toContain('3 folders were left out');
  });
});
