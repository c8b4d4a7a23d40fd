import { describe, expect, it } from 'vitest';
import { AppService, safeExternalUrl } from '../../../../../app/main/services/app/appService';

describe('links leaving the app', () => {
  it('lets only plain http(s) links through', () => {
    expect(safeExternalUrl('https://example.com/a?b=c#d')).toBe('https://example.com/a?b=c#d');
    expect(safeExternalUrl('http://10.0.0.1:8080/')).toBe('http://10.0.0.1:8080/');
    for (const bad of ['file:///etc/passwd', 'javascript:alert(1)', 'smb://host/share', 'ms-settings:', 'https://user:pw@example.com/', 'not a url', 'data:text/html,x', 'vscode://x']) {
      expect(safeExternalUrl(bad), bad).toBeNull();
    }
  });

  it('opens through the shell in Electron, re-validated in main; web mode says the page must open it', async () => {
    const opened: string[] = [];
    const electron = new AppService({ version: '1', transport: 'electron', dataDir: '/d', openExternal: async (u) => void opened.push(u) });
    await electron.openExternal('https://example.com');
    await expect(electron.openExternal('file:///etc/passwd')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(opened).toEqual(['https://example.com/']);
    const web = new AppService({ version: '1', transport: 'web', dataDir: '/d' });
    await expect(web.openExternal('https://example.com')).rejects.toMatchObject({ code: 'NOT_AVAILABLE' });
  });
});
