/**
 * The native open dialogs over IPC, with a fake ipcMain and a fake dialog: only the Hopline
 * window's top frame may open one, the options are the ones the files view needs (a folder for
 * "Download to folder…", files for "Upload"), and a cancel is null rather than an error.
 */
import { describe, expect, it, vi } from 'vitest';
import { attachDialogIpc, dialogDefaultPath, type OpenDialogOptionsLike, type ShowOpenDialog } from '../../../../app/main/transports/electronDialogs';
import type { IpcInvokeEventLike, IpcMainLike } from '../../../../app/main/transports/electronIpc';

class FakeIpcMain implements IpcMainLike {
  handlers = new Map<string, (event: IpcInvokeEventLike, ...args: unknown[]) => unknown>();
  handle(channel: string, listener: (event: IpcInvokeEventLike, ...args: unknown[]) => unknown) {
    if (this.handlers.has(channel)) throw new Error(`second handler for ${channel}`);
    this.handlers.set(channel, listener);
  }
  removeHandler(channel: string) {
    this.handlers.delete(channel);
  }
  on() {
    return this;
  }
  removeListener() {
    return this;
  }
  invoke(channel: string, event: IpcInvokeEventLike, args: unknown): Promise<unknown> {
    const handler = this.handlers.get(channel);
    if (!handler) throw new Error(`no handler for ${channel}`);
    return Promise.resolve(handler(event, args));
  }
}

const trusted: IpcInvokeEventLike = { senderFrame: { url: 'app://hopline/index.html', parent: null } };
const untrusted: IpcInvokeEventLike[] = [
  { senderFrame: { url: 'https://evil.example/', parent: null } },
  { senderFrame: { url: 'app://hopline/index.html', parent: { url: 'app://hopline/index.html', parent: null } } },
  { senderFrame: null },
];

function setup(answer: { canceled: boolean; filePaths: string[] } | Error = { canceled: false, filePaths: ['/home/me/Downloads'] }) {
  const ipc = new FakeIpcMain();
  const calls: OpenDialogOptionsLike[] = [];
  const show: ShowOpenDialog = vi.fn(async (options) => {
    calls.push(options);
    if (answer instanceof Error) throw answer;
    return answer;
  });
  const refused: string[] = [];
  const attached = attachDialogIpc(ipc, show, { homeDir: '/home/me', onRefused: (channel) => refused.push(channel) });
  return { ipc, calls, refused, attached };
}

describe('electron dialogs', () => {
  it('opens a folder picker that can make folders, starting in the expanded default path, and answers the folder', async () => {
    const { ipc, calls } = setup();
    await expect(ipc.invoke('dialog:pickFolder', trusted, ['Download “a.txt” to', '~/Downloads'])).resolves.toEqual({ ok: true, value: '/home/me/Downloads' });
    expect(calls).toEqual([{ title: 'Download “a.txt” to', defaultPath: '/home/me/Downloads', buttonLabel: 'Choose', properties: ['openDirectory', 'createDirectory'] }]);
  });

  it('opens a multi-file picker for uploads and answers every path', async () => {
    const { ipc, calls } = setup({ canceled: false, filePaths: ['/tmp/a', '/tmp/b c'] });
    await expect(ipc.invoke('dialog:pickFiles', trusted, [])).resolves.toEqual({ ok: true, value: ['/tmp/a', '/tmp/b c'] });
    expect(calls).toEqual([{ title: 'Upload files', buttonLabel: 'Upload', properties: ['openFile', 'multiSelections'] }]);
  });

  it('answers null when the user cancels', async () => {
    const { ipc } = setup({ canceled: true, filePaths: [] });
    await expect(ipc.invoke('dialog:pickFolder', trusted, ['t'])).resolves.toEqual({ ok: true, value: null });
    await expect(ipc.invoke('dialog:pickFiles', trusted, [])).resolves.toEqual({ ok: true, value: null });
  });

  it('refuses any caller that is not the top frame of the Hopline page, without opening a dialog', async () => {
    const { ipc, calls, refused } = setup();
    for (const event of untrusted) {
      await expect(ipc.invoke('dialog:pickFolder', event, ['t', '/'])).resolves.toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
      await expect(ipc.invoke('dialog:pickFiles', event, [])).resolves.toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    }
    expect(calls).toEqual([]);
    expect(refused).toEqual(untrusted.flatMap(() => ['dialog:pickFolder', 'dialog:pickFiles']));
  });

  it('cleans the title to one printable line and drops a default path that is not absolute', async () => {
    const { ipc, calls } = setup();
    await ipc.invoke('dialog:pickFolder', trusted, ['Evil\u0007\nTitle\u001b[31m', 'relative/dir']);
    await ipc.invoke('dialog:pickFolder', trusted, [{ not: 'a string' }, 42]);
    await ipc.invoke('dialog:pickFolder', trusted, 'not an array');
    expect(calls.map((c) => [c.title, c.defaultPath])).toEqual([
      ['EvilTitle[31m', undefined],
      ['Choose a folder', undefined],
      ['Choose a folder', undefined],
    ]);
    expect(calls[0]).not.toHaveProperty('defaultPath');
  });

  it('turns a dialog that throws into a typed error', async () => {
    const { ipc } = setup(new Error('no display'));
    await expect(ipc.invoke('dialog:pickFiles', trusted, [])).resolves.toEqual({ ok: false, error: { code: 'INTERNAL', message: 'The dialog could not open: no display' } });
  });

  it('removes both handlers on dispose', () => {
    const { ipc, attached } = setup();
    expect([...ipc.handlers.keys()].sort()).toEqual(['dialog:pickFiles', 'dialog:pickFolder']);
    attached.dispose();
    expect(ipc.handlers.size).toBe(0);
  });

  it('expands ~ to the home folder and keeps only absolute paths', () => {
    expect(dialogDefaultPath('~', '/home/me')).toBe('/home/me');
    expect(dialogDefaultPath('~/x/y', '/home/me/')).toBe('/home/me/x/y');
    expect(dialogDefaultPath('/srv/data', '/home/me')).toBe('/srv/data');
    expect(dialogDefaultPath('C:\\Users\\me', '/home/me')).toBe('C:\\Users\\me');
    expect(dialogDefaultPath('~other/x', '/home/me')).toBeUndefined();
    expect(dialogDefaultPath('/a\0b', '/home/me')).toBeUndefined();
    expect(dialogDefaultPath('', '/home/me')).toBeUndefined();
    expect(dialogDefaultPath('/' + 'a'.repeat(5000), '/home/me')).toBeUndefined();
  });
});
