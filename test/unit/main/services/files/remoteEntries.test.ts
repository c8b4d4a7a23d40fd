import { describe, expect, it } from 'vitest';
import { baseName, childPath, entryType, ownerGroup, toRemoteEntry, unusableName } from '../../../../../app/main/services/files/remoteEntries';

describe('remote entries', () => {
  it('types entries from st_mode, or from the longname when the mode is missing', () => {
    expect(entryType(0o040755)).toBe('directory');
    expect(entryType(0o100644)).toBe('file');
    expect(entryType(0o120777)).toBe('symlink');
    expect(entryType(0o060660)).toBe('other');
    expect(entryType(undefined, 'drwxr-xr-x 2 a b 0 Jan 1 00:00 x')).toBe('directory');
    expect(entryType(undefined, 'lrwxrwxrwx 1 a b 0 Jan 1 00:00 x -> y')).toBe('symlink');
    expect(entryType(undefined, '-rw-r--r-- 1 a b 0 Jan 1 00:00 x')).toBe('file');
    expect(entryType(undefined, '')).toBe('other');
  });

  it('reads owner and group from an ls -l longname, as OpenSSH sftp shows them', () => {
    expect(ownerGroup('-rw-r--r--    1 alice    staff        1234 Jan  1 00:00 name')).toEqual({ owner: 'alice', group: 'staff' });
    expect(ownerGroup('drwxr-s---+   3 www-data www-data     4096 Dec 31  2023 site')).toEqual({ owner: 'www-data', group: 'www-data' });
    expect(ownerGroup('-rw-r--r--.   1 1001     1001            0 Jan  1 00:00 x')).toEqual({ owner: '1001', group: '1001' });
    expect(ownerGroup('not a longname at all')).toEqual({});
    expect(ownerGroup('')).toEqual({});
    expect(ownerGroup(undefined)).toEqual({});
    expect(ownerGroup(`-rw-r--r--    1 ${'u'.repeat(65)} staff 1 Jan  1 00:00 x`)).toEqual({ group: 'staff' });
  });

  it('keeps untrusted numbers finite, whole and safe', () => {
    const e = toRemoteEntry('x', { mode: 0o100644, size: 2 ** 70, mtime: 1_700_000_000, uid: 1000, gid: 1000 });
    expect(e).toMatchObject({ name: 'x', type: 'file', size: Number.MAX_SAFE_INTEGER, mtimeMs: 1_700_000_000_000, mode: 0o100644, uid: 1000, gid: 1000 });
    expect(toRemoteEntry('y', { size: -5, mtime: Number.NaN })).toMatchObject({ size: 0, mtimeMs: 0, mode: 0, uid: -1, gid: -1, type: 'other' });
    expect(toRemoteEntry('z', undefined, '-rw-r--r-- 1 a b 3 Jan 1 00:00 z')).toMatchObject({ type: 'file', owner: 'a', group: 'b' });
  });

  it('finds names that cannot be one entry of a folder', () => {
    for (const bad of ['', '.', '..', 'a/b', '../x', '/abs', 'x\0y', 'n'.repeat(1025)]) expect(unusableName(bad), bad).toBe(true);
    for (const ok of ['a', '...', '.hidden', '..x', 'a\\b', 'invoice\u202Efdp.exe', 'n'.repeat(1024)]) expect(unusableName(ok), ok).toBe(false);
  });

  it('splits and joins remote paths the POSIX way', () => {
    expect(baseName('/a/b')).toBe('b');
    expect(baseName('/a/b/')).toBe('b');
    expect(baseName('/')).toBe('/');
    expect(baseName('rel')).toBe('rel');
    expect(childPath('/', 'x')).toBe('/x');
    expect(childPath('/a', 'x')).toBe('/a/x');
    expect(childPath('/a/', 'x')).toBe('/a/x');
  });
});
