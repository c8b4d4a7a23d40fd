import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { DocumentStore } from '../../../../../app/main/services/profiles/documentStore';
import { jsonEqual, SettingsService } from '../../../../../app/main/services/settings/settingsService';
import { ErrorCode, HoplineError } from '../../../../../app/shared/model/errors';
import { SETTINGS_DEFAULTS, type AppSettings, type SettingsPatch, type WorkspaceLayout } from '../../../../../app/shared/model/settings';
import { boundedJsonProblem, MAX_DOCK_BYTES, settingsSchemas } from '../../../../../app/shared/schema/settings';

const root = mkdtempSync(path.join(tmpdir(), 'hl-settings-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;
const freshDir = (): string => path.join(root, `d${++dirs}`);
const docFile = (dir: string): string => path.join(dir, 'hopline.json');

async function open(dir = freshDir()): Promise<{ dir: string; store: DocumentStore; settings: SettingsService }> {
  const store = await DocumentStore.open(dir);
  return { dir, store, settings: new SettingsService(store) };
}

async function thrown(promise: Promise<unknown>): Promise<HoplineError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(HoplineError);
    return error as HoplineError;
  }
  throw new Error('expected a HoplineError');
}

const layout = (): WorkspaceLayout => ({
  version: 1,
  dock: {
    grid: { root: { type: 'branch', data: [{ type: 'leaf', data: { views: ['t1', 'builder'], activeView: 't1', id: '1' }, size: 800 }], size: 600 }, width: 800, height: 600, orientation: 'HORIZONTAL' },
    panels: { t1: { id: 't1', contentComponent: 'terminal', title: 'prod' } },
    activeGroup: '1',
  },
  panels: {
    t1: { kind: 'terminal', terminalId: '0b8f8e4e-2b0a-4c3c-9d55-6f1b0e1b2c3d', hostIds: ['h1', 'h2'], profileId: 'p1', title: 'prod' },
    builder: { kind: 'builder', profileId: null },
    settings: { kind: 'settings' },
  },
});

describe('SettingsService: settings', () => {
  it('starts from the defaults, handing out copies', async () => {
    const { settings } = await open();
    const first = await settings.get();
    expect(first).toEqual(SETTINGS_DEFAULTS);
    first.terminal.fontSize = 30;
    first.shortcuts.x = 'Ctrl+X';
    expect(await settings.get()).toEqual(SETTINGS_DEFAULTS);
    expect(SETTINGS_DEFAULTS.terminal.fontSize).toBe(13);
  });

  it('fills in every field a document from an older build lacks', async () => {
    const dir = freshDir();
    mkdirSync(dir);
    writeFileSync(docFile(dir), JSON.stringify({ schemaVersion: 2, hosts: [], profiles: [], settings: { app: { theme: 'dark', terminal: { fontSize: 16 } } } }));
    const { store, settings } = await open(dir);
    expect(store.status().problem).toBeNull();
    expect(await settings.get()).toEqual({ ...SETTINGS_DEFAULTS, theme: 'dark', terminal: { ...SETTINGS_DEFAULTS.terminal, fontSize: 16 } });
  });

  it('merges terminal and connection field by field, replaces shortcuts as a whole, and saves', async () => {
    const { dir, settings } = await open();
    await settings.update({ terminal: { fontSize: 15 }, shortcuts: { newTab: 'Mod+Shift+Y', closeTab: 'Mod+Shift+Q' } });
    const result = await settings.update({ theme: 'light', terminal: { cursorStyle: 'bar' }, connection: { keepaliveIntervalSec: 0 }, shortcuts: { splitRight: 'Mod+Shift+R' } });
    const expected: AppSettings = {
      ...SETTINGS_DEFAULTS,
      theme: 'light',
      terminal: { ...SETTINGS_DEFAULTS.terminal, fontSize: 15, cursorStyle: 'bar' },
      connection: { ...SETTINGS_DEFAULTS.connection, keepaliveIntervalSec: 0 },
      shortcuts: { splitRight: 'Mod+Shift+R' },
    };
    expect(result).toEqual(expected);
    expect(await settings.get()).toEqual(expected);
    expect(JSON.parse(readFileSync(docFile(dir), 'utf8')).settings.app).toEqual(expected);
    // An empty object clears every override; a patch without shortcuts keeps them.
    await settings.update({ sidebarCollapsed: true });
    expect((await settings.get()).shortcuts).toEqual({ splitRight: 'Mod+Shift+R' });
    expect((await settings.update({ shortcuts: {} })).shortcuts).toEqual({});
  });

  it('reads an undefined field of a patch as "leave it", not as "erase it"', async () => {
    const { settings } = await open();
    const patch = { theme: undefined, terminal: { fontSize: undefined, scrollback: 100 } } as unknown as SettingsPatch;
    const result = await settings.update(patch);
    expect(result).toEqual({ ...SETTINGS_DEFAULTS, terminal: { ...SETTINGS_DEFAULTS.terminal, scrollback: 100 } });
  });

  it('persists across a reopen of the document store', async () => {
    const { dir, settings } = await open();
    await settings.update({ theme: 'dark', sessionLogsByDefault: true, terminal: { fontFamily: 'JetBrains Mono' } });
    await settings.saveLayout(layout());
    const again = await open(dir);
    expect(await again.settings.get()).toEqual({ ...SETTINGS_DEFAULTS, theme: 'dark', sessionLogsByDefault: true, terminal: { ...SETTINGS_DEFAULTS.terminal, fontFamily: 'JetBrains Mono' } });
    expect(await again.settings.getLayout()).toEqual(layout());
  });

  it.each<[string, unknown]>([
    ['a font too small', { terminal: { fontSize: 5 } }],
    ['a font too large', { terminal: { fontSize: 41 } }],
    ['a fractional font size', { terminal: { fontSize: 12.5 } }],
    ['too much scrollback', { terminal: { scrollback: 100_001 } }],
    ['a font family over 200', { terminal: { fontFamily: 'f'.repeat(201) } }],
    ['a control character in the font family', { terminal: { fontFamily: 'Mono\u001b[2J' } }],
    ['an unknown theme', { theme: 'neon' }],
    ['an unknown terminal field', { terminal: { ligatures: true } }],
    ['an unknown section', { secrets: { password: 'x' } }],
    ['a negative keepalive', { connection: { keepaliveIntervalSec: -1 } }],
    ['a zero connect timeout', { connection: { connectTimeoutSec: 0 } }],
    ['a shortcut id with a symbol', { shortcuts: { 'new-tab': 'Ctrl+T' } }],
    ['a shortcut id over 64', { shortcuts: { [`a${'b'.repeat(64)}`]: 'Ctrl+T' } }],
    ['a chord with a newline', { shortcuts: { newTab: 'Ctrl+T\n' } }],
    ['a chord over 64', { shortcuts: { newTab: 'x'.repeat(65) } }],
    ['65 shortcuts', { shortcuts: Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`cmd${String.fromCharCode(97 + (i % 26))}${String.fromCharCode(97 + Math.floor(i / 26))}`, 'F1'])) }],
    ['null', null],
  ])('refuses %s with a typed error, saving nothing', async (_what, patch) => {
    const { dir, settings } = await open();
    await settings.update({ theme: 'dark' });
    const before = readFileSync(docFile(dir));
    expect(settingsSchemas.update.safeParse([patch]).success).toBe(false);
    const error = await thrown(settings.update(patch as SettingsPatch));
    expect(error.code).toBe(ErrorCode.INVALID_ARGUMENT);
    expect(error.message).toMatch(/^Settings not saved: /);
    expect(readFileSync(docFile(dir)).equals(before)).toBe(true);
    expect((await settings.get()).theme).toBe('dark');
  });

  it('accepts settings at their bounds', async () => {
    const { settings } = await open();
    const shortcuts = Object.fromEntries(Array.from({ length: 64 }, (_, i) => [`cmd${String.fromCharCode(97 + (i % 26))}${String.fromCharCode(97 + Math.floor(i / 26))}`, '']));
    const result = await settings.update({
      terminal: { fontSize: 40, scrollback: 100_000, fontFamily: 'f'.repeat(200) },
      connection: { keepaliveIntervalSec: 86_400, keepaliveCountMax: 1000, connectTimeoutSec: 3600 },
      shortcuts,
    });
    expect(result.terminal.fontSize).toBe(40);
    expect(Object.keys(result.shortcuts)).toHaveLength(64);
    expect((await settings.update({ terminal: { fontSize: 6, scrollback: 0 } })).terminal).toMatchObject({ fontSize: 6, scrollback: 0 });
  });

  it('fires onDidChange with the full settings after a change, not after an update that changes nothing', async () => {
    const { settings } = await open();
    const seen: AppSettings[] = [];
    settings.onDidChange((s) => seen.push(s));
    await settings.update({ theme: 'dark' });
    await settings.update({ theme: 'dark' });
    await settings.update({ terminal: { fontSize: SETTINGS_DEFAULTS.terminal.fontSize } });
    await settings.saveLayout(layout());
    await settings.update({ terminal: { bell: 'none' } });
    expect(seen).toEqual([
      { ...SETTINGS_DEFAULTS, theme: 'dark' },
      { ...SETTINGS_DEFAULTS, theme: 'dark', terminal: { ...SETTINGS_DEFAULTS.terminal, bell: 'none' } },
    ]);
  });

  it('stops firing once disposed', async () => {
    const { settings } = await open();
    const listener = vi.fn();
    settings.onDidChange(listener);
    settings.dispose();
    await settings.update({ theme: 'light' });
    expect(listener).not.toHaveBeenCalled();
  });
});

describe('SettingsService: layout', () => {
  it('has no layout on first launch, then hands back what was saved, as a copy', async () => {
    const { store, settings } = await open();
    expect(await settings.getLayout()).toBeNull();
    const saved = layout();
    await settings.saveLayout(saved);
    // The caller's object is not kept (nor frozen) by the store.
    expect(Object.isFrozen(saved)).toBe(false);
    expect(store.snapshot().settings.workspace).not.toBe(saved);
    const got = await settings.getLayout();
    expect(got).toEqual(layout());
    got!.panels.extra = { kind: 'settings' };
    expect(await settings.getLayout()).toEqual(layout());
  });

  it('does not write a layout equal to the saved one, whatever its key order', async () => {
    const { dir, store, settings } = await open();
    await settings.saveLayout(layout());
    const mtime = statSync(docFile(dir)).mtimeMs;
    const update = vi.spyOn(store, 'update');
    const { panels, dock, version } = layout();
    const reordered = { panels: Object.fromEntries(Object.entries(panels).reverse()), dock, version } as WorkspaceLayout;
    await settings.saveLayout(reordered);
    await settings.saveLayout(layout());
    expect(update).not.toHaveBeenCalled();
    expect(statSync(docFile(dir)).mtimeMs).toBe(mtime);
    // A real change is written.
    await settings.saveLayout({ ...layout(), panels: { builder: { kind: 'builder', profileId: 'p1' } } });
    expect(update).toHaveBeenCalledTimes(1);
    expect(JSON.parse(readFileSync(docFile(dir), 'utf8')).settings.workspace.panels).toEqual({ builder: { kind: 'builder', profileId: 'p1' } });
  });

  it('writes once for a burst of the same layout', async () => {
    const { store, settings } = await open();
    const commits = vi.fn();
    store.onDidCommit(commits);
    await Promise.all(Array.from({ length: 20 }, () => settings.saveLayout(layout())));
    expect(commits).toHaveBeenCalledTimes(1);
  });

  it('keeps the layout when settings change, and the settings when the layout changes', async () => {
    const { settings } = await open();
    await settings.saveLayout(layout());
    await settings.update({ theme: 'light' });
    await settings.saveLayout({ ...layout(), dock: null });
    expect((await settings.get()).theme).toBe('light');
    expect((await settings.getLayout())!.dock).toBeNull();
  });

  const deep = (depth: number): unknown => {
    let v: unknown = 'x';
    for (let i = 0; i < depth; i++) v = { a: v };
    return v;
  };
  const cyclic = (): unknown => {
    const v: Record<string, unknown> = {};
    v.self = v;
    return v;
  };
  const manyPanels = Object.fromEntries(Array.from({ length: 501 }, (_, i) => [`p${i}`, { kind: 'settings' }]));

  it.each<[string, unknown]>([
    ['a dock over 256 KiB', { ...layout(), dock: { text: 'x'.repeat(MAX_DOCK_BYTES) } }],
    ['a dock over 256 KiB once escaped', { ...layout(), dock: ['"'.repeat(MAX_DOCK_BYTES / 2 + 1)] }],
    ['a dock over 256 KiB in UTF-8', { ...layout(), dock: ['é'.repeat(MAX_DOCK_BYTES / 2 + 1)] }],
    ['a dock nested 33 deep', { ...layout(), dock: deep(33) }],
    ['a cyclic dock', { ...layout(), dock: cyclic() }],
    ['a dock holding a Map', { ...layout(), dock: { m: new Map([[1, 2]]) } }],
    ['a dock holding a Date', { ...layout(), dock: { d: new Date(0) } }],
    ['a dock holding NaN', { ...layout(), dock: { n: Number.NaN } }],
    ['a dock holding a bigint', { ...layout(), dock: { n: 1n } }],
    ['a dock holding undefined', { ...layout(), dock: { u: undefined } }],
    ['a sparse array in the dock', { ...layout(), dock: Object.assign(new Array<unknown>(3), { 0: 1, 2: 3 }) }],
    ['no dock', { version: 1, panels: {} }],
    ['version 2', { ...layout(), version: 2 }],
    ['501 panels', { ...layout(), panels: manyPanels }],
    ['a panel id with a slash', { ...layout(), panels: { 'a/b': { kind: 'settings' } } }],
    ['a panel id over 128', { ...layout(), panels: { [`p${'x'.repeat(128)}`]: { kind: 'settings' } } }],
    ['an unknown panel kind', { ...layout(), panels: { a: { kind: 'files' } } }],
    ['a terminal panel carrying a password', { ...layout(), panels: { t1: { ...layout().panels.t1, password: 'hunter2' } } }],
    ['a title with an escape', { ...layout(), panels: { t1: { ...layout().panels.t1, title: 'prod\u001b]0;pwned\u0007' } } }],
    ['a title over 200', { ...layout(), panels: { t1: { ...layout().panels.t1, title: 't'.repeat(201) } } }],
    ['17 hops', { ...layout(), panels: { t1: { ...layout().panels.t1, hostIds: Array(17).fill('h1') } } }],
    ['a bad host id', { ...layout(), panels: { t1: { ...layout().panels.t1, hostIds: ['../h'] } } }],
    ['a bad terminal id', { ...layout(), panels: { t1: { ...layout().panels.t1, terminalId: 'a b' } } }],
    ['an unknown top-level field', { ...layout(), secret: 'x' }],
  ])('refuses %s with a typed error, saving nothing', async (_what, bad) => {
    const { dir, settings } = await open();
    await settings.saveLayout(layout());
    const before = readFileSync(docFile(dir));
    expect(settingsSchemas.saveLayout.safeParse([bad]).success).toBe(false);
    const error = await thrown(settings.saveLayout(bad as WorkspaceLayout));
    expect(error.code).toBe(ErrorCode.INVALID_ARGUMENT);
    expect(error.message).toMatch(/^Layout not saved: /);
    expect(readFileSync(docFile(dir)).equals(before)).toBe(true);
  });

  it('drops a prototype key as a panel id (zod never copies one), leaving the prototype alone', async () => {
    const parsed = settingsSchemas.saveLayout.safeParse([{ ...layout(), panels: JSON.parse('{"__proto__": {"kind": "settings"}, "builder": {"kind": "settings"}}') }]);
    expect(parsed.success).toBe(true);
    const panels = parsed.data![0].panels;
    expect(Object.getPrototypeOf(panels)).toBe(Object.prototype);
    expect(Object.keys(panels)).toEqual(['builder']);
  });

  it('accepts a layout at its bounds', async () => {
    const { settings } = await open();
    const panels = Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`p${i}`, { kind: 'terminal' as const, terminalId: null, hostIds: Array(16).fill('h1'), profileId: null, title: 't'.repeat(200) }]));
    // Exactly 256 KiB of JSON: `{"text":""}` is 11 bytes.
    const big: WorkspaceLayout = { version: 1, dock: { text: 'x'.repeat(MAX_DOCK_BYTES - 11) }, panels };
    await settings.saveLayout(big);
    await settings.saveLayout({ version: 1, dock: deep(32), panels: {} });
    expect((await settings.getLayout())!.dock).toEqual(deep(32));
  });
});

describe('boundedJsonProblem', () => {
  it('measures JSON as written', () => {
    expect(boundedJsonProblem({ a: [1, 'é', null, true] }, 32, JSON.stringify({ a: [1, 'é', null, true] }).length + 1)).toBeNull();
    expect(boundedJsonProblem('x'.repeat(10), 32, 12)).toBeNull();
    expect(boundedJsonProblem('x'.repeat(11), 32, 12)).toMatch(/larger than 12 bytes/);
    expect(boundedJsonProblem('\ud800', 32, 8)).toBeNull();
    expect(boundedJsonProblem('\ud800', 32, 7)).toMatch(/larger/);
  });

  it('never counts more than JSON writes (its early stop is never wrong)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const exact = Buffer.byteLength(JSON.stringify(value));
        expect(boundedJsonProblem(value, 1000, exact)).toBeNull();
        expect(boundedJsonProblem(value, 1000, exact - 1)).toMatch(/larger/);
      }),
      { numRuns: 500, seed: 7 },
    );
  });

  it('stops early on a value shared many times over (its JSON would be huge)', () => {
    let v: unknown = 'x'.repeat(100);
    for (let i = 0; i < 30; i++) v = [v, v];
    const started = performance.now();
    expect(boundedJsonProblem(v, 32, MAX_DOCK_BYTES)).toMatch(/larger/);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('counts a prototype-named key like any other key', () => {
    expect(boundedJsonProblem(JSON.parse('{"__proto__": {"a": 1}}'), 32, 100)).toBeNull();
    expect(boundedJsonProblem(Object.create(null), 32, 100)).toBeNull();
    expect(boundedJsonProblem(Object.create({ inherited: 1 }), 32, 100)).toMatch(/not JSON/);
  });
});

describe('jsonEqual', () => {
  it('compares JSON values structurally, ignoring key order only', () => {
    expect(jsonEqual({ a: 1, b: [1, { c: null }] }, { b: [1, { c: null }], a: 1 })).toBe(true);
    expect(jsonEqual({ a: 1 }, { a: 1, b: undefined })).toBe(false);
    expect(jsonEqual([1, 2], [2, 1])).toBe(false);
    expect(jsonEqual([], {})).toBe(false);
    expect(jsonEqual(null, {})).toBe(false);
    expect(jsonEqual({ a: '1' }, { a: 1 })).toBe(false);
  });
});

describe('settingsSchemas', () => {
  it('checks the argument lists', () => {
    expect(settingsSchemas.get.safeParse([]).success).toBe(true);
    expect(settingsSchemas.get.safeParse([1]).success).toBe(false);
    expect(settingsSchemas.getLayout.safeParse([]).success).toBe(true);
    expect(settingsSchemas.update.safeParse([{}]).success).toBe(true);
    expect(settingsSchemas.update.safeParse([]).success).toBe(false);
    expect(settingsSchemas.saveLayout.safeParse([layout()]).success).toBe(true);
    expect(settingsSchemas.saveLayout.safeParse([layout(), 1]).success).toBe(false);
  });
});
