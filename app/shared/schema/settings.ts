/**
 * Validators for the settings contract and for the app settings and workspace layout as stored
 * in the saved document. Neither can carry a secret: settings are enums, numbers and short
 * strings, and the layout's only free text is a tab title.
 */
import { z } from 'zod';
import type { ISettingsService } from '../contract/settings';
import { filesCircuitOf, type AppSettings, type ConnectionDefaults, type PanelRef, type SettingsPatch, type TerminalAppearance, type WorkspaceLayout } from '../model/settings';
import { remotePathSchema } from './files';
import { connectTimeoutSecSchema, idSchema, keepaliveCountMaxSchema, keepaliveIntervalSecSchema, MAX_NAME, noControl } from './hosts';
import { MAX_PROFILE_HOPS } from './profiles';
import type { MethodSchemas } from './schemas';

export const MAX_SHORTCUTS = 64;
export const MAX_PANELS = 500;
/** dockview's toJSON() of a busy window is a few KB; this is far above any real one. */
export const MAX_DOCK_BYTES = 256 * 1024;
export const MAX_DOCK_DEPTH = 32;

const themeSchema = z.enum(['system', 'light', 'dark']);

const terminalAppearanceShape = {
  // '' is the theme's default font stack.
  fontFamily: z.string().max(200).refine(...noControl('a font family')),
  fontSize: z.int().min(6).max(40),
  // xterm keeps every scrollback line in memory, per terminal.
  scrollback: z.int().min(0).max(100_000),
  cursorStyle: z.enum(['block', 'bar', 'underline']),
  cursorBlink: z.boolean(),
  copyOnSelect: z.boolean(),
  bell: z.enum(['none', 'visual', 'sound']),
};

const connectionDefaultsShape = {
  keepaliveIntervalSec: keepaliveIntervalSecSchema,
  keepaliveCountMax: keepaliveCountMaxSchema,
  connectTimeoutSec: connectTimeoutSecSchema,
};

export const terminalAppearanceSchema: z.ZodType<TerminalAppearance> = z.strictObject(terminalAppearanceShape);
export const connectionDefaultsSchema: z.ZodType<ConnectionDefaults> = z.strictObject(connectionDefaultsShape);

/** Command id (as in the renderer's shortcut table) -> key chord. */
export const shortcutsSchema: z.ZodType<Record<string, string>> = z
  .record(
    z.string().min(1).max(64).regex(/^[A-Za-z]+$/, 'a command id is letters only'),
    z.string().max(64).refine(...noControl('a key chord')),
  )
  .refine((r) => Object.keys(r).length <= MAX_SHORTCUTS, `at most ${MAX_SHORTCUTS} shortcuts`);

const appSettingsShape = {
  theme: themeSchema,
  terminal: terminalAppearanceSchema,
  connection: connectionDefaultsSchema,
  sessionLogsByDefault: z.boolean(),
  shortcuts: shortcutsSchema,
  sidebarCollapsed: z.boolean(),
};

/** The full settings, as get() returns them and as update() saves them. */
export const appSettingsSchema: z.ZodType<AppSettings> = z.strictObject(appSettingsShape);

/** Any field of any section may be left out; each section is merged into the saved one. */
export const settingsPatchSchema: z.ZodType<SettingsPatch> = z.strictObject({
  theme: themeSchema.optional(),
  terminal: z.strictObject(terminalAppearanceShape).partial().optional(),
  connection: z.strictObject(connectionDefaultsShape).partial().optional(),
  sessionLogsByDefault: z.boolean().optional(),
  shortcuts: shortcutsSchema.optional(),
  sidebarCollapsed: z.boolean().optional(),
});

/**
 * The settings as read from a saved document: any field may be missing (a document saved by
 * a build that had fewer settings), and get() fills it in from SETTINGS_DEFAULTS. Still strict:
 * a build that adds a setting bumps the document version, so an older one sets the file aside
 * as "newer" rather than reading half of it.
 */
export type StoredAppSettings = SettingsPatch;

/** The same shape as a patch: every section optional, each section's fields optional. */
export const storedAppSettingsSchema: z.ZodType<StoredAppSettings> = settingsPatchSchema;

// ---------------------------------------------------------------------------------------------
// Workspace layout
// ---------------------------------------------------------------------------------------------

const titleSchema = z.string().max(MAX_NAME).refine(...noControl('a tab title'));

export const panelRefSchema: z.ZodType<PanelRef> = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('terminal'),
    // The main side's ids are randomUUID()s: idSchema holds them with room to spare.
    terminalId: idSchema.nullable(),
    hostIds: z.array(idSchema).max(MAX_PROFILE_HOPS),
    profileId: idSchema.nullable(),
    title: titleSchema,
  }),
  z.strictObject({ kind: z.literal('builder'), profileId: idSchema.nullable() }),
  z.strictObject({ kind: z.literal('settings') }),
  // The folder as the server named it (bounded like any remote path); null: not listed yet.
  z.strictObject({ kind: z.literal('files'), circuitId: idSchema, path: remotePathSchema.nullable() }),
]);

/** A panel's id in the dock: an id (a terminal's key, 'builder', 'settings') or a files view's `files:<circuitId>`. */
const panelIdSchema = z
  .string()
  .max(200)
  .refine((id) => idSchema.safeParse(filesCircuitOf(id) ?? id).success, 'not a valid panel id');

/** UTF-8 length of a string as JSON.stringify writes it (lone surrogates become \uXXXX escapes: 6 bytes). */
function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && s.charCodeAt(i + 1) >= 0xdc00 && s.charCodeAt(i + 1) <= 0xdfff) {
      n += 4;
      i++;
    } else if (c >= 0xd800 && c <= 0xdfff) n += 6;
    else n += 3;
  }
  return n;
}

/**
 * Why `value` is not a plain JSON value within the bounds, or null if it is. The walk stops as
 * soon as it goes too deep (a cycle, over Electron's structured clone, is infinitely deep) or
 * past the size (a value shared many times over is counted each time, as JSON would write it),
 * so its cost is bounded by the limits, not by the input.
 */
export function boundedJsonProblem(value: unknown, maxDepth: number, maxBytes: number): string | null {
  let bytes = 0;
  const walk = (v: unknown, depth: number): string | null => {
    if (bytes > maxBytes) return `is larger than ${maxBytes} bytes`;
    if (v === null) {
      bytes += 4;
      return null;
    }
    switch (typeof v) {
      case 'boolean':
        bytes += v ? 4 : 5;
        return null;
      case 'number':
        if (!Number.isFinite(v)) return 'holds a number JSON cannot write';
        bytes += String(v).length;
        return null;
      case 'string':
        // At least the quotes and the characters; escapes are counted exactly at the end.
        bytes += utf8Length(v) + 2;
        return null;
      case 'object':
        break;
      default:
        return 'holds a value that is not JSON';
    }
    if (depth >= maxDepth) return `is nested more than ${maxDepth} levels deep`;
    const proto = Object.getPrototypeOf(v) as unknown;
    if (Array.isArray(v)) {
      if (proto !== Array.prototype) return 'holds a value that is not JSON';
      // Brackets and commas.
      bytes += 1 + Math.max(v.length, 1);
      for (let i = 0; i < v.length; i++) {
        // Holes read as undefined; JSON would write them as null, quietly changing the layout.
        if (!(i in v)) return 'holds a sparse array';
        const problem = walk(v[i], depth + 1);
        if (problem) return problem;
      }
      return null;
    }
    if (proto !== Object.prototype && proto !== null) return 'holds a value that is not JSON';
    const entries = Object.entries(v as Record<string, unknown>);
    // Braces and commas, then each key with its quotes and colon.
    bytes += 1 + Math.max(entries.length, 1);
    for (const [key, child] of entries) {
      bytes += utf8Length(key) + 3;
      const problem = walk(child, depth + 1);
      if (problem) return problem;
    }
    return null;
  };
  const problem = walk(value, 0);
  if (problem) return problem;
  if (bytes > maxBytes) return `is larger than ${maxBytes} bytes`;
  // Exact now that the walk has bounded the work: escapes (quotes, backslashes) take more room.
  if (utf8Length(JSON.stringify(value)) > maxBytes) return `is larger than ${maxBytes} bytes`;
  return null;
}

/** The docking library's layout: opaque to the main side, but plain JSON and bounded. */
const dockSchema = z.unknown().superRefine((value, ctx) => {
  const problem = boundedJsonProblem(value, MAX_DOCK_DEPTH, MAX_DOCK_BYTES);
  if (problem) ctx.addIssue({ code: 'custom', message: `the dock layout ${problem}` });
});

export const workspaceLayoutSchema: z.ZodType<WorkspaceLayout> = z.strictObject({
  version: z.literal(1),
  dock: dockSchema,
  panels: z
    .record(panelIdSchema, panelRefSchema)
    .refine((r) => Object.keys(r).length <= MAX_PANELS, `at most ${MAX_PANELS} panels`)
    // A files view is found again by its panel id: the id and the ref must name the same circuit.
    .refine(
      (r) => Object.entries(r).every(([id, ref]) => filesCircuitOf(id) === (ref.kind === 'files' ? ref.circuitId : null)),
      'a files panel id must name the circuit of its files view',
    ),
});

export const settingsSchemas: MethodSchemas<ISettingsService> = {
  get: z.tuple([]),
  update: z.tuple([settingsPatchSchema]),
  getLayout: z.tuple([]),
  saveLayout: z.tuple([workspaceLayoutSchema]),
};
