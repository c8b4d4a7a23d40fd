import { describe, expect, it } from 'vitest';
import {
  buildLibraryRows,
  firstItemIndex,
  folderKey,
  folderSegments,
  indexLibrary,
  matches,
  nextRowStartingWith,
  parentIndex,
  sectionKey,
  statusOfHost,
  statusOfProfile,
  type LibraryRow,
} from '../../../../app/renderer/stores/libraryLogic';
import type { CircuitSummary } from '../../../../app/shared/model/hop';
import { TERMINAL_DEFAULTS, type ProfileSummary } from '../../../../app/shared/model/profile';
import { hostSummary } from '../hosts';

const profile = (name: string, hostIds: string[], over: Partial<ProfileSummary> = {}): ProfileSummary => ({ id: `p-${name}`, name, folder: '', tags: [], hostIds, terminal: TERMINAL_DEFAULTS, ...over });
const circuit = (id: string, hostIds: string[], profileId: string | null, state: CircuitSummary['state']): CircuitSummary => ({ id, hostIds, profileId, hopNames: hostIds, state, error: null });

const hosts = [
  hostSummary('bastion', { address: '203.0.113.7', user: 'jump', folder: 'edge' }),
  hostSummary('db', { address: '10.0.0.5', folder: 'prod/eu', tags: ['postgres'] }),
  hostSummary('web', { folder: 'prod' }),
  hostSummary('lab'),
];
const profiles = [
  profile('prod db', ['bastion', 'db'], { folder: 'prod', tags: ['critical'], color: 'red' }),
  profile('prod web', ['bastion', 'web'], { folder: 'prod' }),
  profile('lab box', ['lab']),
];

const labels = (rows: readonly LibraryRow[]) => rows.map((r) => `${'  '.repeat(r.depth)}${r.kind}:${r.label}`);
const build = (query = '', collapsed: string[] = [], circuits: CircuitSummary[] = []) => buildLibraryRows({ profiles, hosts, circuits, query, collapsed });

describe('buildLibraryRows', () => {
  it('lays out both sections with folders first (nested by "/"), entries by name', () => {
    expect(labels(build())).toEqual([
      'section:Circuits',
      '  folder:prod',
      '    profile:prod db',
      '    profile:prod web',
      '  profile:lab box',
      'section:Hosts',
      '  folder:edge',
      '    host:bastion',
      '  folder:prod',
      '    folder:eu',
      '      host:db',
      '    host:web',
      '  host:lab',
    ]);
  });

  it('gives rows what the tree needs: level, position among siblings, counts, route, colour', () => {
    const rows = build();
    const prod = rows.find((r) => r.kind === 'folder' && r.section === 'hosts' && r.path === 'prod');
    expect(prod).toMatchObject({ count: 2, expanded: true, posinset: 2, setsize: 3, depth: 1 });
    expect(rows.find((r) => r.label === 'prod db')).toMatchObject({ kind: 'profile', detail: 'bastion → db', color: 'red', tags: ['critical'], posinset: 1, setsize: 2 });
    expect(rows.find((r) => r.label === 'db')).toMatchObject({ kind: 'host', detail: 'ops@10.0.0.5', tags: ['postgres'] });
    expect(rows.filter((r) => r.kind === 'section').map((r) => r.kind === 'section' && r.count)).toEqual([3, 4]);
    expect(new Set(rows.map((r) => r.key)).size).toBe(rows.length);
  });

  it('shows a deleted hop as such in the route', () => {
    const rows = buildLibraryRows({ profiles: [profile('orphan', ['gone', 'lab'])], hosts, circuits: {}, query: '', collapsed: [] });
    expect(rows.find((r) => r.label === 'orphan')).toMatchObject({ detail: '(deleted host) → lab' });
  });

  it('collapses sections and folders by key', () => {
    expect(labels(build('', [folderKey('circuits', 'prod'), sectionKey('hosts')]))).toEqual(['section:Circuits', '  folder:prod', '  profile:lab box', 'section:Hosts']);
    const rows = build('', [folderKey('hosts', 'prod/eu')]);
    expect(rows.find((r) => r.kind === 'folder' && r.path === 'prod/eu')).toMatchObject({ expanded: false, count: 1 });
    expect(rows.some((r) => r.label === 'db')).toBe(false);
    expect(build('', [], []).every((r) => r.kind !== 'folder' || r.expanded)).toBe(true);
  });

  it('finds a profile by the address, user or name of any of its hops', () => {
    expect(labels(build('203.0.113')).filter((l) => l.includes('profile'))).toEqual(['    profile:prod db', '    profile:prod web']);
    expect(labels(build('10.0.0.5'))).toEqual(['section:Circuits', '  folder:prod', '    profile:prod db', 'section:Hosts', '  folder:prod', '    folder:eu', '      host:db']);
    expect(labels(build('jump@')).filter((l) => l.includes('profile:'))).toEqual(['    profile:prod db', '    profile:prod web']);
  });

  it('searches folder and tags, every word must match, case-insensitively', () => {
    expect(labels(build('POSTGRES'))).toEqual(['section:Hosts', '  folder:prod', '    folder:eu', '      host:db']);
    expect(labels(build('critical'))).toEqual(['section:Circuits', '  folder:prod', '    profile:prod db']);
    expect(labels(build('edge'))).toEqual(['section:Hosts', '  folder:edge', '    host:bastion']);
    expect(labels(build('prod web'))).toEqual(['section:Circuits', '  folder:prod', '    profile:prod web', 'section:Hosts', '  folder:prod', '    host:web']);
    expect(build('nothing-like-this')).toEqual([]);
  });

  it('shows every match while searching, even in collapsed folders and sections', () => {
    const rows = build('db', [folderKey('circuits', 'prod'), sectionKey('hosts')]);
    expect(labels(rows)).toEqual(['section:Circuits', '  folder:prod', '    profile:prod db', 'section:Hosts', '  folder:prod', '    folder:eu', '      host:db']);
    expect(rows.filter((r) => r.kind === 'folder' || r.kind === 'section').every((r) => 'expanded' in r && r.expanded)).toBe(true);
    expect(rows[firstItemIndex(rows)]!.label).toBe('prod db');
  });

  it('filters 2,000 profiles by a hop address correctly', () => {
    const many = Array.from({ length: 2000 }, (_, i) => profile(`p${String(i).padStart(4, '0')}`, i === 1234 ? ['bastion', 'db'] : ['lab'], { folder: `f${i % 20}` }));
    const rows = buildLibraryRows({ profiles: many, hosts, circuits: {}, query: '10.0.0.5', collapsed: [] });
    expect(rows.filter((r) => r.kind === 'profile').map((r) => r.label)).toEqual(['p1234']);
    expect(buildLibraryRows({ profiles: many, hosts, circuits: {}, query: '', collapsed: [] }).filter((r) => r.kind === 'profile')).toHaveLength(2000);
    // The index is computed once per (profiles, hosts) pair.
    expect(indexLibrary(many, hosts)).toBe(indexLibrary(many, hosts));
    expect(indexLibrary(many, [...hosts])).not.toBe(indexLibrary(many, hosts));
  });
});

describe('statuses', () => {
  it('profile: connected if any circuit of it is open, connecting if opening, failed if its latest failed', () => {
    expect(statusOfProfile('p-a', {})).toBe('idle');
    expect(statusOfProfile('p-a', [circuit('1', ['x'], 'p-a', 'failed'), circuit('2', ['x'], 'p-a', 'open')])).toBe('connected');
    expect(statusOfProfile('p-a', [circuit('1', ['x'], 'p-a', 'open'), circuit('2', ['x'], 'p-a', 'opening')])).toBe('connected');
    expect(statusOfProfile('p-a', [circuit('1', ['x'], 'p-a', 'closed'), circuit('2', ['x'], 'p-a', 'opening')])).toBe('connecting');
    expect(statusOfProfile('p-a', [circuit('1', ['x'], 'p-a', 'closed'), circuit('2', ['x'], 'p-a', 'failed')])).toBe('failed');
    expect(statusOfProfile('p-a', [circuit('1', ['x'], 'p-a', 'failed'), circuit('2', ['x'], 'p-a', 'closed')])).toBe('idle');
    expect(statusOfProfile('p-a', [circuit('1', ['x'], 'p-b', 'open')])).toBe('idle');
  });

  it('host: only circuits without a profile whose last hop is the host', () => {
    const circuits = { a: circuit('a', ['bastion', 'db'], null, 'open'), b: circuit('b', ['db', 'web'], 'p-x', 'open'), c: circuit('c', ['lab'], null, 'failed') };
    expect(statusOfHost('db', circuits)).toBe('connected');
    expect(statusOfHost('bastion', circuits)).toBe('idle');
    expect(statusOfHost('web', circuits)).toBe('idle');
    expect(statusOfHost('lab', circuits)).toBe('failed');
  });

  it('reaches the rows', () => {
    const rows = build('', [], [circuit('1', ['bastion', 'db'], 'p-prod db', 'open'), circuit('2', ['lab'], null, 'opening'), circuit('3', ['bastion', 'web'], 'p-prod web', 'failed')]);
    const status = (label: string) => rows.find((r) => r.label === label && (r.kind === 'profile' || r.kind === 'host'));
    expect(status('prod db')).toMatchObject({ status: 'connected' });
    expect(status('prod web')).toMatchObject({ status: 'failed' });
    expect(status('lab')).toMatchObject({ status: 'connecting' });
    expect(status('lab box')).toMatchObject({ status: 'idle' });
    expect(status('db')).toMatchObject({ status: 'idle' });
  });
});

describe('helpers', () => {
  it('matches every word', () => {
    expect(matches('a b', 'xx a yy b')).toBe(true);
    expect(matches('a c', 'xx a yy b')).toBe(false);
    expect(matches('', 'anything')).toBe(true);
  });

  it('splits folders', () => {
    expect(folderSegments(' prod / eu ')).toEqual(['prod', 'eu']);
    expect(folderSegments('')).toEqual([]);
    expect(folderSegments(undefined)).toEqual([]);
  });

  it('navigates: parent, first entry, typeahead', () => {
    const rows = build();
    const db = rows.findIndex((r) => r.label === 'db');
    expect(rows[parentIndex(rows, db)]).toMatchObject({ kind: 'folder', path: 'prod/eu' });
    expect(parentIndex(rows, 0)).toBe(-1);
    expect(rows[firstItemIndex(rows)]!.label).toBe('prod db');
    expect(rows[nextRowStartingWith(rows, 0, 'l')]!.label).toBe('lab box');
    expect(rows[nextRowStartingWith(rows, rows.length - 1, 'c')]!.label).toBe('Circuits');
    expect(nextRowStartingWith(rows, 0, 'zz')).toBe(-1);
  });
});
