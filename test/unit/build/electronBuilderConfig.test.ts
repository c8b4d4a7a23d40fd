import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const config = parse(readFileSync('electron-builder.yml', 'utf8')) as Record<string, unknown>;
const require = createRequire(import.meta.url);

/**
 * Every fuse the installed Electron tooling knows (@electron/fuses' wire, which electron-builder
 * flips), in the yml's camelCase. A fuse added by a future Electron shows up here, and the test
 * below then fails until the yml decides its value.
 */
function knownFuses(): string[] {
  const { FuseV1Options } = require('@electron/fuses') as { FuseV1Options: Record<string, string | number> };
  return Object.keys(FuseV1Options)
    .filter((k) => Number.isNaN(Number(k)))
    .map((k) => k[0]!.toLowerCase() + k.slice(1));
}

describe('electron-builder.yml', () => {
  it('sets every security fuse, and nothing else, to its safe value', () => {
    expect(config.electronFuses).toEqual({
      // No ELECTRON_RUN_AS_NODE, NODE_OPTIONS or --inspect: the packaged binary cannot be turned
      // into a plain Node that runs someone else's code with the app's keychain access.
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      // App code comes only from the asar, checked against the hash embedded in the binary.
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      // Pages are served from app://, so file:// needs none of its legacy privileges.
      grantFileProtocolExtraPrivileges: false,
      // Cookies on disk encrypted with the OS key store (the app sets none, but Chromium may).
      enableCookieEncryption: true,
      // Not a security fuse; stated so that every fuse has a decided value.
      loadBrowserProcessSpecificV8Snapshot: false,
    });
    expect(config.asar).toBe(true);
  });

  it('decides every fuse the installed Electron tooling knows, each one accepted by electron-builder', () => {
    const fuses = Object.keys(config.electronFuses as object).sort();
    expect(fuses).toEqual(knownFuses().sort());
    const schema = JSON.parse(readFileSync(require.resolve('app-builder-lib/scheme.json'), 'utf8')) as { definitions: { FuseOptionsV1: { properties: Record<string, unknown> } } };
    for (const fuse of fuses) expect(Object.keys(schema.definitions.FuseOptionsV1.properties)).toContain(fuse);
  });

  it('targets Linux, macOS and Windows', () => {
    expect((config.linux as { target: string[] }).target).toEqual(expect.arrayContaining(['AppImage', 'deb']));
    expect((config.mac as { target: string[] }).target).toContain('dmg');
    expect((config.win as { target: string[] }).target).toContain('nsis');
  });

  it('ships the built app only, never sources or maps', () => {
    expect(config.files).toEqual(['dist/**/*', '!dist/**/*.map', 'package.json']);
  });
});
