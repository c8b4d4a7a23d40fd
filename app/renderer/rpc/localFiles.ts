/**
 * Files on this computer for the files view (issue 16), by transport. Like rpc/index.ts this is
 * transport knowledge, kept here so the views do not test for Electron themselves:
 *   - desktop (the Electron preload offers local files): a picked or dropped File's path comes
 *     from the preload (webUtils), uploads go by paths through files.enqueue (folders included,
 *     recursively), and "Download to folder…" can choose its folder with the native dialog;
 *   - browser (web mode): Files go up through the File API and the PUT route, downloads are the
 *     browser's own or into a typed folder; a dropped folder cannot be read that way, so it is
 *     refused with words that say where it can be done;
 *   - none: an Electron preload without the local files functions (a mismatched build): no
 *     uploads from the window.
 */
import { ErrorCode, HoplineError } from '../../shared/model/errors';
import { unwrapResult } from '../../shared/rpc/client';
import type { Result } from '../../shared/rpc/protocol';
import { LOCAL_BRIDGE_PATH_FOR_FILE, LOCAL_BRIDGE_PICK_FILES, LOCAL_BRIDGE_PICK_FOLDER } from '../../shared/rpc/localFilesBridge';
import type { Bridge } from './bridgeTransport';

export interface DesktopFiles {
  readonly kind: 'desktop';
  /** The paths of Files picked or dropped in this window; Files without one are left out. */
  pathsOf(files: readonly File[]): string[];
  /** The native file picker; null when cancelled. */
  pickFiles(): Promise<string[] | null>;
  /** The native folder picker, starting in `defaultPath` ("~/…" allowed); null when cancelled. */
  pickFolder(title: string, defaultPath?: string): Promise<string | null>;
}

export type LocalFiles = DesktopFiles | { readonly kind: 'browser' } | { readonly kind: 'none' };

/** What a dropped folder gets in the browser. */
export const BROWSER_FOLDER_REFUSAL = 'A browser cannot upload folders. Folders can be uploaded in the desktop app, or use hopline cp -r';

type PathForFileFn = (file: File) => unknown;
type PickFolderFn = (title: string, defaultPath?: string) => Promise<Result>;
type PickFilesFn = () => Promise<Result>;

/** The capability for a window: `bridge` is window.hopline (undefined in web mode). */
export function localFilesFor(bridge: Bridge | undefined): LocalFiles {
  if (!bridge) return { kind: 'browser' };
  const pathForFile = bridge[LOCAL_BRIDGE_PATH_FOR_FILE] as PathForFileFn | undefined;
  const pickFolder = bridge[LOCAL_BRIDGE_PICK_FOLDER] as PickFolderFn | undefined;
  const pickFiles = bridge[LOCAL_BRIDGE_PICK_FILES] as PickFilesFn | undefined;
  if (typeof pathForFile !== 'function' || typeof pickFolder !== 'function' || typeof pickFiles !== 'function') return { kind: 'none' };
  return {
    kind: 'desktop',
    pathsOf: (files) =>
      files.flatMap((file) => {
        const path = pathForFile(file);
        return typeof path === 'string' && path.length > 0 ? [path] : [];
      }),
    pickFiles: async () => {
      const value = unwrapResult(await pickFiles());
      return Array.isArray(value) && value.length > 0 ? value.filter((p): p is string => typeof p === 'string' && p.length > 0) : null;
    },
    pickFolder: async (title, defaultPath) => {
      const value = unwrapResult(await pickFolder(title, defaultPath));
      return typeof value === 'string' && value.length > 0 ? value : null;
    },
  };
}

let current: LocalFiles | null = null;

/** This window's local files (the bridge does not change while the page lives). */
export function localFiles(): LocalFiles {
  current ??= localFilesFor(typeof window === 'undefined' ? undefined : window.hopline);
  return current;
}

/** The part of a DataTransferItem a drop is read through. */
export interface DropItemLike {
  readonly kind: string;
  getAsFile(): File | null;
  webkitGetAsEntry?(): { readonly isDirectory: boolean } | null;
}

/**
 * What a browser drop holds: its files, and how many folders it had. A browser gives a folder as
 * a File too (with no bytes to read), so folders are told apart by their entry where the browser
 * offers one; a drop without items (or without entries) is all files.
 */
export function browserDrop(items: ArrayLike<DropItemLike> | undefined, files: ArrayLike<File>): { files: File[]; folders: number } {
  const list = items ? Array.from(items).filter((item) => item.kind === 'file') : [];
  if (list.length === 0) return { files: Array.from(files), folders: 0 };
  const out: File[] = [];
  let folders = 0;
  for (const item of list) {
    if (item.webkitGetAsEntry?.()?.isDirectory) {
      folders++;
      continue;
    }
    const file = item.getAsFile();
    if (file) out.push(file);
  }
  return { files: out, folders };
}

/** The error shown for folders dropped in the browser. */
export function browserFolderRefusal(folders: number): HoplineError {
  return new HoplineError(ErrorCode.NOT_AVAILABLE, folders === 1 ? BROWSER_FOLDER_REFUSAL : `${BROWSER_FOLDER_REFUSAL} (${folders} folders were left out)`);
}
