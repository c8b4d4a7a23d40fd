/**
 * The native open dialogs behind the files view's "Upload" and "Download to folder…" in the
 * Electron app (issue 16). Like electronIpc.ts this file does not import electron: main.ts hands
 * it ipcMain and a small dialog function, so it is unit-tested in plain Node with a fake dialog.
 * Every handler checks the sender frame first, exactly as the contract's handlers do.
 */
import { ErrorCode } from '../../shared/model/errors';
import type { Disposable } from '../../shared/model/event';
import type { Result } from '../../shared/rpc/protocol';
import { DIALOG_PATH_MAX, DIALOG_PICK_FILES_CHANNEL, DIALOG_PICK_FOLDER_CHANNEL, DIALOG_TITLE_MAX } from '../../shared/rpc/localFilesBridge';
import { isTrustedSender, type IpcMainLike } from './electronIpc';

/** The part of Electron's OpenDialogOptions used here. */
export interface OpenDialogOptionsLike {
  title: string;
  defaultPath?: string;
  buttonLabel: string;
  properties: Array<'openFile' | 'openDirectory' | 'multiSelections' | 'createDirectory' | 'showHiddenFiles'>;
}

/** Electron's dialog.showOpenDialog (main.ts parents it to the focused window). */
export type ShowOpenDialog = (options: OpenDialogOptionsLike) => Promise<{ canceled: boolean; filePaths: string[] }>;

export interface DialogIpcOptions {
  /** The user's home folder, so a default path of "~/Downloads" opens there (the OS dialog does not expand "~"). */
  homeDir: string;
  onRefused?: (channel: string) => void;
}

/** "~" and "~/x" become the home folder; anything else that is not an absolute path is dropped. */
export function dialogDefaultPath(value: unknown, homeDir: string): string | undefined {
  if (typeof value !== 'string' || value.length === 0 || value.length > DIALOG_PATH_MAX || value.includes('\0')) return undefined;
  if (value === '~') return homeDir;
  if (value.startsWith('~/')) return `${homeDir.replace(/\/+$/, '')}/${value.slice(2)}`;
  return value.startsWith('/') || /^[A-Za-z]:[\\/]/.test(value) ? value : undefined;
}

function dialogTitle(value: unknown, fallback: string): string {
  if (typeof value !== 'string') return fallback;
  // One line, printable: the title is the OS window's, not the page's.
  const clean = [...value].filter((ch) => ch >= ' ' && ch !== '\u007f').join('').trim();
  return clean.length === 0 ? fallback : clean.slice(0, DIALOG_TITLE_MAX);
}

export function attachDialogIpc(ipcMain: IpcMainLike, showOpenDialog: ShowOpenDialog, options: DialogIpcOptions): Disposable {
  const refuse = (channel: string): Result => {
    options.onRefused?.(channel);
    return { ok: false, error: { code: ErrorCode.FORBIDDEN, message: 'Caller is not the Hopline window' } };
  };
  const failed = (error: unknown): Result => ({ ok: false, error: { code: ErrorCode.INTERNAL, message: `The dialog could not open: ${error instanceof Error ? error.message : String(error)}` } });

  ipcMain.handle(DIALOG_PICK_FOLDER_CHANNEL, async (event, args): Promise<Result> => {
    if (!isTrustedSender(event)) return refuse(DIALOG_PICK_FOLDER_CHANNEL);
    const [title, defaultPath] = Array.isArray(args) ? (args as unknown[]) : [];
    const start = dialogDefaultPath(defaultPath, options.homeDir);
    try {
      const picked = await showOpenDialog({
        title: dialogTitle(title, 'Choose a folder'),
        ...(start !== undefined ? { defaultPath: start } : {}),
        buttonLabel: 'Choose',
        properties: ['openDirectory', 'createDirectory'],
      });
      return { ok: true, value: picked.canceled || picked.filePaths.length === 0 ? null : picked.filePaths[0] };
    } catch (error) {
      return failed(error);
    }
  });

  ipcMain.handle(DIALOG_PICK_FILES_CHANNEL, async (event): Promise<Result> => {
    if (!isTrustedSender(event)) return refuse(DIALOG_PICK_FILES_CHANNEL);
    try {
      const picked = await showOpenDialog({ title: 'Upload files', buttonLabel: 'Upload', properties: ['openFile', 'multiSelections'] });
      return { ok: true, value: picked.canceled || picked.filePaths.length === 0 ? null : picked.filePaths };
    } catch (error) {
      return failed(error);
    }
  });

  return {
    dispose: () => {
      ipcMain.removeHandler(DIALOG_PICK_FOLDER_CHANNEL);
      ipcMain.removeHandler(DIALOG_PICK_FILES_CHANNEL);
    },
  };
}
