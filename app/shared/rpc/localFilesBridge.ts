/**
 * Local files in the Electron app (issue 16): what the preload adds to window.hopline beside the
 * contract's channels, and the two IPC channels its pickers use. A picked or dropped File has no
 * path in a sandboxed renderer; the preload asks Electron's webUtils for it, and the native
 * open dialogs run in main (transports/electronDialogs.ts), for the Hopline window only.
 */

/** window.hopline function: (file: File) => string, the file's path on this computer ('' if none). */
export const LOCAL_BRIDGE_PATH_FOR_FILE = 'local:pathForFile';
/** window.hopline function: (title: string, defaultPath?: string) => Promise<Result<string | null>>. */
export const LOCAL_BRIDGE_PICK_FOLDER = 'local:pickFolder';
/** window.hopline function: () => Promise<Result<string[] | null>>, files to upload. */
export const LOCAL_BRIDGE_PICK_FILES = 'local:pickFiles';

/** IPC channels (ipcRenderer.invoke → ipcMain.handle) behind the two pickers. */
export const DIALOG_PICK_FOLDER_CHANNEL = 'dialog:pickFolder';
export const DIALOG_PICK_FILES_CHANNEL = 'dialog:pickFiles';

/** Every function the preload adds for local files, in the order above. */
export const LOCAL_BRIDGE_FUNCTIONS = [LOCAL_BRIDGE_PATH_FOR_FILE, LOCAL_BRIDGE_PICK_FOLDER, LOCAL_BRIDGE_PICK_FILES] as const;

/** A dialog title longer than this is cut: it is shown by the OS, not a place for a document. */
export const DIALOG_TITLE_MAX = 200;
/** A default path longer than this is ignored (PATH_MAX on Linux). */
export const DIALOG_PATH_MAX = 4096;
