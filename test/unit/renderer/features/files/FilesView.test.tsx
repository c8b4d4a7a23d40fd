// @vitest-environment happy-dom
/**
 * The files view as a user meets it (issue 16), over an in-memory files service: rows with size,
 * time, ls-style mode, owner and link target; remote names with control or bidi characters shown
 * escaped; the keyboard (arrows, Enter into a folder, Backspace up, F2 rename, Delete with a
 * typed name for a folder, Ctrl+L path); sorting by the column buttons; the filter and the
 * hidden-files toggle; the permissions dialog keeping digits and boxes in step; and the
 * transfer queue's rows with bars, conflict answers, cancel and retry.
 */
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { FilesView } from '../../../../../app/renderer/features/files/FilesView';
import { startStores } from '../../../../../app/renderer/stores/startStores';
import { useFilesStore } from '../../../../../app/renderer/stores/useFilesStore';
import { useTransfersStore } from '../../../../../app/renderer/stores/useTransfersStore';
import { ConfirmHost } from '../../../../../app/renderer/workspace/ConfirmHost';
import { stubElementSizes } from '../../fakeLayout';
import { fake } from '../../fakeRpc';

vi.mock('../../../../../app/renderer/rpc', async () => (await import('../../fakeRpc')).rpcModule);

const files = fake.rpc.files;
stubElementSizes({ clientHeight: 600, clientWidth: 900, offsetHeight: 24, offsetWidth: 900 });
let stopStores: () => void;
beforeAll(() => {
  stopStores = startStores();
});
afterAll(() => stopStores());

const EVIL = 'invoice\u202Efdp.exe';

beforeEach(() => {
  useFilesStore.getState().close('c1');
  files.reset();
  useTransfersStore.setState({ byId: {}, order: [], localErrors: {} });
  files.put('/home/bench', { name: 'notes.txt', size: 1536, mode: 0o100640, mtimeMs: new Date(2026, 10, 3, 14, 5).getTime() });
  files.put('/home/bench', { name: 'logs', type: 'directory', mode: 0o040755, size: 4096 });
  files.put('/home/bench', { name: 'current', type: 'symlink', targetType: 'directory', linkTarget: '/var/log', mode: 0o120777 });
  files.put('/home/bench', { name: '.profile', size: 10 });
  files.put('/home/bench', { name: EVIL, size: 99 });
  files.put('/home/bench/logs', { name: 'old.log', size: 5 });
});
afterEach(cleanup);

async function renderView() {
  render(
    <>
      <FilesView circuitId="c1" targetName="target" focusNonce={1} />
      <ConfirmHost />
    </>,
  );
  const list = await screen.findByRole('listbox', { name: 'Files in /home/bench' });
  await waitFor(() => expect(within(list).getAllByRole('option')).toHaveLength(4));
  return list;
}
const rowNames = (list: HTMLElement) => within(list).getAllByRole('option').map((o) => o.getAttribute('data-name'));

describe('files view', () => {
  it('lists folders first with size, time, mode, owner and link target; dot files hidden; names escaped', async () => {
    const list = await renderView();
    expect(rowNames(list)).toEqual(['current', 'logs', EVIL.replace('\u202E', '\\u{202e}'), 'notes.txt']);
    const notes = within(list).getByRole('option', { name: /^notes\.txt, file, 1\.5 KiB, modified 2026-11-03 14:05$/ });
    expect(notes.textContent).toContain('-rw-r-----');
    expect(notes.textContent).toContain('bench:bench');
    expect(within(list).getByRole('option', { name: /^current, link to a folder/ }).textContent).toContain('→ /var/log');
    // Nothing in the page carries the raw override character.
    expect(document.body.textContent).not.toContain('\u202E');
    expect(screen.getByTestId('files-status').textContent).toMatch(/^4 items \(1 hidden\)/);
    fireEvent.click(screen.getByRole('button', { name: 'Show hidden files' }));
    expect(rowNames(list)).toContain('.profile');
  });

  it('moves with the arrows, opens a folder with Enter, goes up with Backspace', async () => {
    const list = await renderView();
    expect(document.activeElement).toBe(list);
    fireEvent.keyDown(list, { key: 'ArrowDown' });
    fireEvent.keyDown(list, { key: 'ArrowDown' });
    const cursor = list.getAttribute('aria-activedescendant')!;
    expect(document.getElementById(cursor)!.getAttribute('data-name')).toBe('logs');
    expect(document.getElementById(cursor)!.getAttribute('aria-selected')).toBe('true');
    fireEvent.keyDown(list, { key: 'Enter' });
    await waitFor(() => expect(screen.getByRole('listbox', { name: 'Files in /home/bench/logs' })).toBeTruthy());
    await waitFor(() => expect(rowNames(list)).toEqual(['old.log']));
    fireEvent.keyDown(list, { key: 'Backspace' });
    await waitFor(() => expect(screen.getByTestId('files-view').getAttribute('data-path')).toBe('/home/bench'));
  });

  it('sorts by a column button, and again the other way', async () => {
    const list = await renderView();
    const size = screen.getByRole('button', { name: /^Size: sort by size/ });
    fireEvent.click(size);
    expect(screen.getByRole('button', { name: /^Size, sorted ascending/ }).getAttribute('aria-pressed')).toBe('true');
    expect(rowNames(list).slice(2)).toEqual([EVIL.replace('\u202E', '\\u{202e}'), 'notes.txt']);
    fireEvent.click(size);
    expect(rowNames(list).slice(2)).toEqual(['notes.txt', EVIL.replace('\u202E', '\\u{202e}')]);
  });

  it('filters by name', async () => {
    const list = await renderView();
    fireEvent.change(screen.getByRole('searchbox', { name: 'Filter by name' }), { target: { value: 'NOTE' } });
    expect(rowNames(list)).toEqual(['notes.txt']);
    fireEvent.change(screen.getByRole('searchbox', { name: 'Filter by name' }), { target: { value: 'zzz' } });
    expect(screen.getByTestId('file-list-empty').textContent).toBe('Nothing matches the filter.');
  });

  it('renames with F2', async () => {
    const list = await renderView();
    fireEvent.keyDown(list, { key: 'End' });
    fireEvent.keyDown(list, { key: 'F2' });
    const dialog = screen.getByRole('dialog', { name: 'Rename “notes.txt”' });
    const field = within(dialog).getByRole('textbox', { name: 'New name' });
    fireEvent.change(field, { target: { value: 'a/b' } });
    expect(within(dialog).getByText('A name cannot contain “/”.')).toBeTruthy();
    fireEvent.change(field, { target: { value: 'todo.txt' } });
    await act(async () => fireEvent.submit(field.closest('form')!));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(files.rename).toHaveBeenCalledWith('c1', '/home/bench/notes.txt', '/home/bench/todo.txt');
    await waitFor(() => expect(rowNames(list)).toContain('todo.txt'));
  });

  it('shows why a new folder could not be made, in a sentence', async () => {
    await renderView();
    fireEvent.click(screen.getByRole('button', { name: 'New folder' }));
    const dialog = screen.getByRole('dialog', { name: 'New folder' });
    const field = within(dialog).getByRole('textbox', { name: 'Folder name' });
    fireEvent.change(field, { target: { value: 'logs' } });
    await act(async () => fireEvent.submit(field.closest('form')!));
    // The service's own words (they name the path), as the sentence.
    expect((await within(dialog).findByRole('alert')).textContent).toContain('Already there: /home/bench/logs.');
  });

  it('deletes a folder only after its name is typed', async () => {
    const list = await renderView();
    fireEvent.keyDown(list, { key: 'ArrowDown' });
    fireEvent.keyDown(list, { key: 'ArrowDown' });
    fireEvent.keyDown(list, { key: 'Delete' });
    const dialog = await screen.findByRole('alertdialog', { name: 'Delete “logs”?' });
    const confirm = within(dialog).getByRole('button', { name: 'Delete' });
    expect((confirm as HTMLButtonElement).disabled).toBe(true);
    fireEvent.change(within(dialog).getByRole('textbox', { name: 'Type “logs” to confirm' }), { target: { value: 'logs' } });
    expect((confirm as HTMLButtonElement).disabled).toBe(false);
    fireEvent.click(confirm);
    await waitFor(() => expect(files.remove).toHaveBeenCalledWith('c1', '/home/bench/logs', { recursive: true }));
    await waitFor(() => expect(rowNames(list)).not.toContain('logs'));
  });

  it('deletes a file after a plain confirm', async () => {
    const list = await renderView();
    fireEvent.keyDown(list, { key: 'End' });
    fireEvent.keyDown(list, { key: 'Delete' });
    const dialog = await screen.findByRole('alertdialog', { name: 'Delete “notes.txt”?' });
    expect(within(dialog).queryByRole('textbox')).toBeNull();
    fireEvent.click(within(dialog).getByRole('button', { name: 'Delete' }));
    await waitFor(() => expect(files.remove).toHaveBeenCalledWith('c1', '/home/bench/notes.txt', undefined));
  });

  it('keeps the octal mode and the boxes in step', async () => {
    const list = await renderView();
    fireEvent.keyDown(list, { key: 'End' });
    fireEvent.click(screen.getByRole('button', { name: 'Permissions' }));
    const dialog = screen.getByRole('dialog', { name: 'Permissions of “notes.txt”' });
    const octal = within(dialog).getByRole('textbox', { name: 'Mode (octal)' }) as HTMLInputElement;
    expect(octal.value).toBe('0640');
    const groupRead = within(dialog).getByRole('checkbox', { name: 'Group can read' }) as HTMLInputElement;
    expect(groupRead.checked).toBe(true);
    fireEvent.change(octal, { target: { value: '700' } });
    expect(groupRead.checked).toBe(false);
    fireEvent.click(within(dialog).getByRole('checkbox', { name: 'Others can execute' }));
    expect(octal.value).toBe('0701');
    expect(within(dialog).getByText('-rwx-----x')).toBeTruthy();
    await act(async () => fireEvent.submit(octal.closest('form')!));
    await waitFor(() => expect(files.chmod).toHaveBeenCalledWith('c1', '/home/bench/notes.txt', 0o701));
  });

  it('types a path after Ctrl+L', async () => {
    await renderView();
    fireEvent.keyDown(screen.getByTestId('files-view'), { key: 'l', ctrlKey: true });
    const path = await screen.findByRole('textbox', { name: 'Path' });
    expect(document.activeElement).toBe(path);
    fireEvent.change(path, { target: { value: 'logs' } });
    fireEvent.keyDown(path, { key: 'Enter' });
    await waitFor(() => expect(screen.getByTestId('files-view').getAttribute('data-path')).toBe('/home/bench/logs'));
    // Back to the breadcrumb, whose parts go there.
    const crumbs = screen.getByRole('navigation', { name: 'Folder path' });
    expect(within(crumbs).getByRole('button', { name: 'logs' }).getAttribute('aria-current')).toBe('location');
    fireEvent.click(within(crumbs).getByRole('button', { name: 'home' }));
    await waitFor(() => expect(screen.getByTestId('files-view').getAttribute('data-path')).toBe('/home'));
  });

  it('shows the queue with bars, the conflict question, cancel and retry', async () => {
    await renderView();
    const running = files.status({ circuitId: 'c1', state: 'running', label: 'big.iso', bytesDone: 32, bytesTotal: 64, rateBytesPerSecond: 16, etaSeconds: 2 });
    const asking = files.status({ circuitId: 'c1', state: 'asking', label: 'tree', filesTotal: 3, conflict: { path: 'tree/a.txt', existingSize: 10, incomingSize: 20, canResume: true } });
    const failed = files.status({ circuitId: 'c1', state: 'failed', label: 'x.bin', error: { code: 'HOP_LOST', message: 'lost', hop: { index: 1, name: 'inner' } } });
    const elsewhere = files.status({ circuitId: 'c2', state: 'running', label: 'other' });
    act(() => [running, asking, failed, elsewhere].forEach((t) => files.emitTransfer(t)));
    const queue = screen.getByTestId('transfers');
    const rows = within(queue).getAllByTestId('transfer-row');
    expect(rows).toHaveLength(3);
    const bar = within(rows[0]!).getByRole('progressbar', { name: 'big.iso: uploaded' }) as HTMLProgressElement;
    expect(bar.value).toBe(0.5);
    expect(within(rows[0]!).getByTestId('transfer-progress-text').textContent).toBe('32 B of 64 B · 16 B/s · 2 s left');
    expect(within(queue).getByRole('progressbar', { name: 'All transfers' })).toBeTruthy();
    fireEvent.click(within(rows[1]!).getByRole('checkbox', { name: 'Apply to all' }));
    fireEvent.click(within(rows[1]!).getByRole('button', { name: 'Resume' }));
    await waitFor(() => expect(files.answerConflict).toHaveBeenCalledWith(asking.transferId, 'resume', { forAll: true }));
    expect(rows[2]!.textContent).toContain('Hop 2 (inner)');
    fireEvent.click(within(rows[2]!).getByRole('button', { name: 'Retry x.bin' }));
    await waitFor(() => expect(files.retry).toHaveBeenCalledWith(failed.transferId));
    fireEvent.click(within(rows[0]!).getByRole('button', { name: 'Cancel big.iso' }));
    await waitFor(() => expect(files.cancel).toHaveBeenCalledWith(running.transferId));
  });

  it('uploads files dropped on the list: a ticket each, then the bytes PUT to the upload route with the page cookie', async () => {
    const put = vi.fn(async (_url: string, _init: RequestInit) => new Response('{}', { status: 200 }));
    vi.stubGlobal('fetch', put);
    try {
      const list = await renderView();
      const file = new File(['hello'], 'dropped.txt');
      fireEvent.dragOver(list, { dataTransfer: { types: ['Files'], files: [file], dropEffect: 'none' } });
      expect(list.closest('.fl')!.classList.contains('fl-dropping')).toBe(true);
      fireEvent.drop(list, { dataTransfer: { types: ['Files'], files: [file] } });
      await waitFor(() => expect(files.beginUpload).toHaveBeenCalledWith('c1', '/home/bench/dropped.txt', 5, 'ask'));
      await waitFor(() => expect(put).toHaveBeenCalledTimes(1));
      const [url, init] = put.mock.calls[0]!;
      expect(url).toMatch(/^\/files\/upload\/ticket-t\d+$/);
      expect(init.method).toBe('PUT');
      expect(init.credentials).toBe('same-origin');
      expect(init.body).toBe(file);
      expect(within(screen.getByTestId('transfers')).getByTestId('transfer-row').getAttribute('aria-label')).toBe('Upload of dropped.txt');
    } finally {
      vi.unstubAllGlobals();
    }
  });
});
