/**
 * The saved workspace layout's panel refs: a files view (issue 16) is saved with its circuit and
 * folder, strictly and within a path's bounds, under the panel id that names the same circuit;
 * layouts saved before files views were kept still load.
 */
import { describe, expect, it } from 'vitest';
import { filesPanelId } from '../../../../app/shared/model/settings';
import { MAX_PATH_LENGTH } from '../../../../app/shared/schema/files';
import { panelRefSchema, workspaceLayoutSchema } from '../../../../app/shared/schema/settings';

const CIRCUIT = '8f0c2a51-3c7e-4f7a-9d8e-2b1f0a6c4d21';
const dock = { grid: { root: { type: 'branch', data: [] }, width: 800, height: 600, orientation: 'HORIZONTAL' }, panels: {} };
const layout = (panels: Record<string, unknown>) => ({ version: 1, dock, panels });
const files = (path: string | null, circuitId = CIRCUIT) => ({ kind: 'files', circuitId, path });

describe('files panel refs', () => {
  it('accepts a circuit id and a folder, or no folder yet', () => {
    expect(panelRefSchema.safeParse(files('/home/bench/logs')).success).toBe(true);
    expect(panelRefSchema.safeParse(files(null)).success).toBe(true);
    // Folder names are the server's: spaces and non-ASCII are ordinary.
    expect(panelRefSchema.safeParse(files('/srv/Données partagées')).success).toBe(true);
    expect(panelRefSchema.safeParse(files('x'.repeat(MAX_PATH_LENGTH))).success).toBe(true);
  });

  it('rejects a path no server could have given, a bad circuit id, and anything extra', () => {
    expect(panelRefSchema.safeParse(files('')).success).toBe(false);
    expect(panelRefSchema.safeParse(files('/tmp/a\0b')).success).toBe(false);
    expect(panelRefSchema.safeParse(files('x'.repeat(MAX_PATH_LENGTH + 1))).success).toBe(false);
    expect(panelRefSchema.safeParse(files('/tmp', '')).success).toBe(false);
    expect(panelRefSchema.safeParse(files('/tmp', '../etc')).success).toBe(false);
    expect(panelRefSchema.safeParse(files('/tmp', 'x'.repeat(129))).success).toBe(false);
    expect(panelRefSchema.safeParse({ kind: 'files', circuitId: CIRCUIT }).success).toBe(false);
    expect(panelRefSchema.safeParse({ ...files('/tmp'), hostIds: ['h1'] }).success).toBe(false);
  });
});

describe('workspace layout', () => {
  it('saves a files view under its own panel id, beside terminals, the builder and settings', () => {
    const parsed = workspaceLayoutSchema.safeParse(
      layout({
        k1: { kind: 'terminal', terminalId: 'T1', hostIds: ['h1'], profileId: null, title: 'Lab' },
        builder: { kind: 'builder', profileId: null },
        settings: { kind: 'settings' },
        [filesPanelId(CIRCUIT)]: files('/home/bench'),
      }),
    );
    expect(parsed.success).toBe(true);
    expect(parsed.data?.panels[filesPanelId(CIRCUIT)]).toEqual(files('/home/bench'));
  });

  it('still loads a layout saved before files views were kept', () => {
    const old = layout({ k1: { kind: 'terminal', terminalId: null, hostIds: [], profileId: null, title: 'x' }, settings: { kind: 'settings' } });
    expect(workspaceLayoutSchema.safeParse(old).success).toBe(true);
  });

  it('rejects a files ref under an id that names another circuit or none, and a files: id for anything else', () => {
    expect(workspaceLayoutSchema.safeParse(layout({ [filesPanelId('other')]: files('/tmp') })).success).toBe(false);
    expect(workspaceLayoutSchema.safeParse(layout({ k1: files('/tmp') })).success).toBe(false);
    expect(workspaceLayoutSchema.safeParse(layout({ [filesPanelId(CIRCUIT)]: { kind: 'settings' } })).success).toBe(false);
  });

  it('rejects panel ids that are neither an id nor files:<id>', () => {
    for (const id of ['files:', 'files:files:x', 'files:../x', 'file:x', '', 'a b']) {
      expect(workspaceLayoutSchema.safeParse(layout({ [id]: { kind: 'settings' } })).success, id).toBe(false);
    }
  });
});
