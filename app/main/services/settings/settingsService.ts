/**
 * App settings and the saved workspace layout, over the document store (beside hosts and
 * profiles, in the same atomic, validated file). Neither holds a secret.
 *
 * The document keeps only what was saved; get() fills in every field a document from an older
 * build lacks from SETTINGS_DEFAULTS, so a new setting needs no migration of its own.
 */
import type { z } from 'zod';
import type { ISettingsService } from '../../../shared/contract/settings';
import { ErrorCode, HoplineError } from '../../../shared/model/errors';
import { Emitter, type Disposable } from '../../../shared/model/event';
import { SETTINGS_DEFAULTS, type AppSettings, type SettingsPatch, type WorkspaceLayout } from '../../../shared/model/settings';
import { appSettingsSchema, settingsPatchSchema, workspaceLayoutSchema, type StoredAppSettings } from '../../../shared/schema/settings';
import type { DocumentStore, HoplineDocument } from '../profiles/documentStore';

function describeIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid';
  const where = issue.path.length > 0 ? `${issue.path.map(String).join('.')}: ` : '';
  return `${where}${issue.message}`;
}

function invalid(message: string): HoplineError {
  return new HoplineError(ErrorCode.INVALID_ARGUMENT, message);
}

/** The entries whose value is not undefined: `{ fontSize: undefined }` means "leave it", not "erase it". */
function defined<T extends object>(part: T | undefined): Partial<T> {
  if (!part) return {};
  return Object.fromEntries(Object.entries(part).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Saved settings over the defaults, section by section. A fresh object: callers may keep or change it. */
export function mergeSettings(saved: StoredAppSettings | undefined): AppSettings {
  const s = defined(saved);
  return structuredClone({
    ...SETTINGS_DEFAULTS,
    ...s,
    terminal: { ...SETTINGS_DEFAULTS.terminal, ...defined(saved?.terminal) },
    connection: { ...SETTINGS_DEFAULTS.connection, ...defined(saved?.connection) },
    shortcuts: { ...(saved?.shortcuts ?? SETTINGS_DEFAULTS.shortcuts) },
  });
}

/** `patch` over `current`: terminal and connection field by field, shortcuts as a whole. */
export function applyPatch(current: AppSettings, patch: SettingsPatch): AppSettings {
  const { terminal, connection, shortcuts, ...scalars } = patch;
  return {
    ...current,
    ...defined(scalars),
    terminal: { ...current.terminal, ...defined(terminal) },
    connection: { ...current.connection, ...defined(connection) },
    shortcuts: shortcuts ? { ...shortcuts } : { ...current.shortcuts },
  };
}

/** Structural equality of JSON values, key order aside (a layout rebuilt by the renderer may list keys in another order). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((v, i) => jsonEqual(v, bb[i]));
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const keys = Object.keys(ao);
  if (keys.length !== Object.keys(bo).length) return false;
  return keys.every((k) => Object.hasOwn(bo, k) && jsonEqual(ao[k], bo[k]));
}

export class SettingsService implements ISettingsService, Disposable {
  private readonly changes = new Emitter<AppSettings>();
  /** Fires with the full settings after every save that changed them, whoever saved. */
  readonly onDidChange = this.changes.event;
  private readonly subscription: Disposable;

  constructor(private readonly store: DocumentStore) {
    this.subscription = store.onDidCommit(({ previous, current }) => {
      const before = mergeSettings(previous.settings.app);
      const after = mergeSettings(current.settings.app);
      if (!jsonEqual(before, after)) this.changes.fire(after);
    });
  }

  async get(): Promise<AppSettings> {
    return mergeSettings(this.store.snapshot().settings.app);
  }

  async update(patch: SettingsPatch): Promise<AppSettings> {
    // The RPC server has checked this already; in-process callers (the CLI, the shell) have not.
    const parsed = settingsPatchSchema.safeParse(patch);
    if (!parsed.success) throw invalid(`Settings not saved: ${describeIssue(parsed.error)}`);
    const saved = await this.store.update((draft) => {
      const next = applyPatch(mergeSettings(draft.settings.app), parsed.data);
      const checked = appSettingsSchema.safeParse(next);
      if (!checked.success) throw invalid(`Settings not saved: ${describeIssue(checked.error)}`);
      draft.settings.app = checked.data;
      return checked.data;
    });
    return structuredClone(saved);
  }

  async getLayout(): Promise<WorkspaceLayout | null> {
    const layout = this.store.snapshot().settings.workspace;
    return layout ? structuredClone(layout) : null;
  }

  async saveLayout(layout: WorkspaceLayout): Promise<void> {
    const parsed = workspaceLayoutSchema.safeParse(layout);
    if (!parsed.success) throw invalid(`Layout not saved: ${describeIssue(parsed.error)}`);
    // Called on every move of a tab: most calls change nothing, and those never touch the disk.
    if (sameLayout(this.store.snapshot(), parsed.data)) return;
    // A copy: the store freezes what it keeps, and the caller's object is the caller's.
    const copy = structuredClone(parsed.data);
    await this.store.update((draft) => {
      // Again in the queue: a save ahead of this one may have written the same layout.
      if (sameLayout(draft, copy)) return;
      draft.settings.workspace = copy;
    });
  }

  dispose(): void {
    this.subscription.dispose();
    this.changes.dispose();
  }
}

function sameLayout(doc: HoplineDocument, layout: WorkspaceLayout): boolean {
  const saved = doc.settings.workspace;
  return saved !== undefined && jsonEqual(saved, layout);
}
