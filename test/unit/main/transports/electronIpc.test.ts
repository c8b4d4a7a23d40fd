import { describe, expect, it, vi } from 'vitest';
import { attachElectronIpc, isTrustedSender, type IpcInvokeEventLike, type IpcMainLike } from '../../../../app/main/transports/electronIpc';
import { appService } from '../../../../app/shared/contract/app';
import { channelTable } from '../../../../app/shared/contract/channels';
import { register, RpcServer } from '../../../../app/shared/rpc/server';
import { appSchemas } from '../../../../app/shared/schema/app';
import { AppService } from '../../../../app/main/services/app/appService';

/** An in-memory ipcMain: records handlers so the test can invoke them as Electron would. */
class FakeIpcMain implements IpcMainLike {
  handlers = new Map<string, (event: IpcInvokeEventLike, ...args: unknown[]) => unknown>();
  handle(channel: string, listener: (event: IpcInvokeEventLike, ...args: unknown[]) => unknown) {
    if (this.handlers.has(channel)) throw new Error(`second handler for ${channel}`);
    this.handlers.set(channel, listener);
  }
  removeHandler(channel: string) {
    this.handlers.delete(channel);
  }
}

const top = (url: string): IpcInvokeEventLike => ({ senderFrame: { url, parent: null } });

describe('Electron IPC transport', () => {
  it('trusts only the top frame of app://hopline', () => {
    expect(isTrustedSender(top('app://hopline/index.html'))).toBe(true);
    expect(isTrustedSender(top('app://evil/index.html'))).toBe(false);
    expect(isTrustedSender(top('https://hopline/index.html'))).toBe(false);
    expect(isTrustedSender(top('file:///index.html'))).toBe(false);
    expect(isTrustedSender(top('not a url'))).toBe(false);
    expect(isTrustedSender({ senderFrame: null })).toBe(false);
    expect(isTrustedSender({ senderFrame: { url: 'app://hopline/x', parent: { url: 'app://hopline/', parent: null } } })).toBe(false);
  });

  it('registers one handler per method channel, answers trusted callers and refuses others', async () => {
    const ipc = new FakeIpcMain();
    const rpc = new RpcServer([register(appService, new AppService({ version: '1.2.3', transport: 'electron', dataDir: '/d' }), appSchemas)]);
    const refused = vi.fn();
    const sent: [string, unknown][] = [];
    const disposable = attachElectronIpc(ipc, rpc, () => [{ isDestroyed: () => false, send: (c, d) => sent.push([c, d]) }], refused);
    expect([...ipc.handlers.keys()].sort()).toEqual(channelTable.filter((e) => e.kind === 'method').map((e) => e.channel).sort());

    const version = ipc.handlers.get('app:version')!;
    await expect(version(top('app://hopline/index.html'), [])).resolves.toEqual({ ok: true, value: '1.2.3' });
    await expect(version(top('https://evil.example/'), [])).resolves.toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(refused).toHaveBeenCalledWith('app:version');

    await ipc.handlers.get('app:ping')!(top('app://hopline/'), [{ nonce: 'n' }]);
    expect(sent).toEqual([['app:onDidPong', expect.objectContaining({ nonce: 'n' })]]);
    await expect(ipc.handlers.get('app:ping')!(top('app://hopline/'), [{ nonce: 5 }])).resolves.toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT' } });

    disposable.dispose();
    expect(ipc.handlers.size).toBe(0);
  });
});
