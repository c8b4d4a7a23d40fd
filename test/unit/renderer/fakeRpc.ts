/**
 * An in-memory stand-in for app/renderer/rpc: every method a vi.fn with a harmless default,
 * every event an Emitter the test fires. Tests that render connected components mock the rpc
 * module with `rpcModule` (one instance per test file, shared with the test through `fake`).
 */
import { vi } from 'vitest';
import type { PongEvent } from '../../../app/shared/contract/app';
import type { CircuitPreview } from '../../../app/shared/contract/circuits';
import type { CredentialStatus, SecretKind } from '../../../app/shared/contract/credentials';
import type { ForwardSpec, ForwardStatus } from '../../../app/shared/contract/forwards';
import type { GatewaySession, SshConfigBlock } from '../../../app/shared/contract/gateway';
import type { HostInput, HostSummary, ImportReport, RemoveHostOptions } from '../../../app/shared/contract/hosts';
import type { ProfileInput, ProfileSummary, StoreStatus } from '../../../app/shared/contract/profiles';
import type { TerminalOpenRequest, TerminalSummary } from '../../../app/shared/contract/terminals';
import type { WireError } from '../../../app/shared/model/errors';
import { Emitter } from '../../../app/shared/model/event';
import type { CircuitSummary, HopStateEvent } from '../../../app/shared/model/hop';
import type { PromptRequest } from '../../../app/shared/model/prompt';
import type { StreamListener } from '../../../app/shared/rpc/terminalStreams';
import { LINK_UP, type ConnectionState, type LinkProgress } from '../../../app/renderer/rpc/webSocketTransport';
import { FakeFilesService } from './fakeFiles';
import { fakeSettings } from './fakeSettings';

function createFake() {
  const events = {
    pong: new Emitter<PongEvent>(),
    hostsChanged: new Emitter<HostSummary[]>(),
    profilesChanged: new Emitter<ProfileSummary[]>(),
    hopState: new Emitter<HopStateEvent>(),
    circuitChanged: new Emitter<CircuitSummary>(),
    circuitFailed: new Emitter<{ circuitId: string; error: WireError }>(),
    promptRequested: new Emitter<PromptRequest>(),
    promptSettled: new Emitter<{ promptId: string }>(),
    credentialStatus: new Emitter<CredentialStatus>(),
    credentialKinds: new Emitter<{ hostId: string; kinds: SecretKind[] }>(),
    connection: new Emitter<ConnectionState>(),
    linkProgress: new Emitter<LinkProgress>(),
    terminalExited: new Emitter<{ terminalId: string; exitCode: number | null; signal: string | null }>(),
    terminalEnded: new Emitter<{ terminalId: string; reason: WireError }>(),
    terminalResized: new Emitter<{ terminalId: string; cols: number; rows: number }>(),
    forwardChanged: new Emitter<ForwardStatus>(),
    forwardRemoved: new Emitter<{ forwardId: string; circuitId: string }>(),
    gatewaySessions: new Emitter<GatewaySession[]>(),
  };
  let nextTerminal = 1;
  /** Listeners of attached streams: `terminalStreams.emit(streamId, bytes)` plays output to them. */
  const attached = new Map<number, StreamListener>();
  const terminalStreams = {
    attach: vi.fn((streamId: number, onData: StreamListener) => {
      attached.set(streamId, onData);
      return { dispose: () => terminalStreams.detach(streamId) };
    }),
    detach: vi.fn((streamId: number) => {
      attached.delete(streamId);
    }),
    ack: vi.fn((_streamId: number, _bytes: number) => undefined),
    input: vi.fn((_streamId: number, _bytes: Uint8Array) => undefined),
    reattachAll: vi.fn(() => undefined),
    emit(streamId: number, bytes: Uint8Array): boolean {
      const listener = attached.get(streamId);
      // `processed` acks as the real TerminalStreams does, so tests see acks made from it.
      listener?.(bytes, () => terminalStreams.ack(streamId, bytes.byteLength));
      return listener !== undefined;
    },
    get attachedStreams(): number[] {
      return [...attached.keys()];
    },
  };
  const rpc = {
    app: {
      version: vi.fn(async () => '0.0.0'),
      info: vi.fn(async () => ({ name: 'Hopline', version: '0.0.0', transport: 'web' as const, platform: 'test', arch: 'x', dataDir: '/d', versions: { node: '20', electron: null, chrome: null }, instanceId: 'backend-1' })),
      ping: vi.fn(async ({ nonce }: { nonce: string }) => ({ nonce, at: 1 })),
      openExternal: vi.fn(async (_url: string) => undefined),
      onDidPong: events.pong.event,
    },
    hosts: {
      list: vi.fn(async (): Promise<HostSummary[]> => []),
      save: vi.fn(async (host: HostInput): Promise<HostSummary> => ({ hasPassword: false, hasPassphrase: false, hasTotp: false, hasAnswers: false, ...host, id: host.id ?? `host-${host.name}` })),
      duplicate: vi.fn(async (_id: string): Promise<HostSummary> => {
        throw new Error('not faked');
      }),
      remove: vi.fn(async (_id: string, _options?: RemoveHostOptions) => undefined),
      importSshConfig: vi.fn(async (): Promise<ImportReport> => ({ imported: [], profiles: [], notes: [] })),
      onDidChange: events.hostsChanged.event,
    },
    profiles: {
      list: vi.fn(async (): Promise<ProfileSummary[]> => []),
      save: vi.fn(async (profile: ProfileInput): Promise<ProfileSummary> => ({ ...profile, id: profile.id ?? `profile-${profile.name}` })),
      remove: vi.fn(async (_id: string) => undefined),
      storeStatus: vi.fn(async (): Promise<StoreStatus> => ({ setAsidePath: null, problem: null })),
      onDidChange: events.profilesChanged.event,
    },
    circuits: {
      open: vi.fn(async (request: { hostIds: string[]; profileId?: string }): Promise<CircuitSummary> => ({ id: 'c1', hostIds: request.hostIds, profileId: request.profileId ?? null, hopNames: request.hostIds, state: 'open', error: null })),
      repair: vi.fn(async (id: string): Promise<CircuitSummary> => ({ id, hostIds: [], profileId: null, hopNames: [], state: 'open', error: null })),
      close: vi.fn(async (_id: string) => undefined),
      list: vi.fn(async (): Promise<CircuitSummary[]> => []),
      eventLog: vi.fn(async (_id: string): Promise<string[]> => []),
      preview: vi.fn(async (): Promise<CircuitPreview> => ({ sshCommand: null, sshConfig: null, problems: [] })),
      onDidChangeHopState: events.hopState.event,
      onDidChange: events.circuitChanged.event,
      onDidFail: events.circuitFailed.event,
    },
    prompts: {
      outstanding: vi.fn(async (): Promise<PromptRequest[]> => []),
      answer: vi.fn(async (_id: string, _answers: string[], _remember: boolean[]) => undefined),
      decideHostKey: vi.fn(async (_id: string, _decision: string) => undefined),
      cancel: vi.fn(async (_id: string) => undefined),
      onDidRequest: events.promptRequested.event,
      onDidSettle: events.promptSettled.event,
    },
    credentials: {
      status: vi.fn(async (): Promise<CredentialStatus> => ({ backend: 'keychain', unavailableReason: null })),
      listKinds: vi.fn(async (): Promise<{ hostId: string; kinds: SecretKind[] }[]> => []),
      forget: vi.fn(async (_id: string) => undefined),
      setTotp: vi.fn(async (_id: string, _request: { secret: string; promptPattern?: string }) => undefined),
      onDidChangeStatus: events.credentialStatus.event,
      onDidChangeKinds: events.credentialKinds.event,
    },
    terminals: {
      open: vi.fn(async (_request: TerminalOpenRequest) => {
        const n = nextTerminal++;
        return { terminalId: `t${n}`, streamId: n };
      }),
      resize: vi.fn(async (_id: string, _cols: number, _rows: number) => undefined),
      close: vi.fn(async (_id: string) => undefined),
      list: vi.fn(async (): Promise<TerminalSummary[]> => []),
      onDidExit: events.terminalExited.event,
      onDidEnd: events.terminalEnded.event,
      onDidResize: events.terminalResized.event,
    },
    settings: fakeSettings.settings,
    forwards: {
      list: vi.fn(async (): Promise<ForwardStatus[]> => []),
      add: vi.fn(async (circuitId: string, spec: ForwardSpec, _options?: { start?: boolean }): Promise<ForwardStatus> => ({ forwardId: 'f1', circuitId, spec, state: 'listening', boundAddress: '127.0.0.1', boundPort: spec.bindPort, openConnections: 0, totalConnections: 0, bytesOut: 0, bytesIn: 0 })),
      start: vi.fn(async (_id: string): Promise<ForwardStatus | undefined> => undefined),
      stop: vi.fn(async (_id: string): Promise<ForwardStatus | undefined> => undefined),
      remove: vi.fn(async (_id: string) => undefined),
      onDidChange: events.forwardChanged.event,
      onDidRemove: events.forwardRemoved.event,
    },
    // The files service (issue 16): an in-memory tree and a queue the test drives (fakeFiles.ts).
    files: new FakeFilesService(),
    gateway: {
      sessions: vi.fn(async (): Promise<GatewaySession[]> => []),
      sshConfigFor: vi.fn(async (profileId: string): Promise<SshConfigBlock> => ({ text: `Host ${profileId}\n`, hostAlias: profileId })),
      onDidChangeSessions: events.gatewaySessions.event,
    },
  };
  const openExternalLink = vi.fn(async (_url: string) => undefined);
  // Starts 'connecting' so no store loads until a test says the link is open.
  function onConnectionState(listener: (state: ConnectionState) => void): () => void {
    listener('connecting');
    const sub = events.connection.event(listener);
    return () => sub.dispose();
  }
  function onLinkProgress(listener: (progress: LinkProgress) => void): () => void {
    listener(LINK_UP);
    const sub = events.linkProgress.event(listener);
    return () => sub.dispose();
  }
  const retryLinkNow = vi.fn(() => undefined);
  return { rpc, events, onConnectionState, onLinkProgress, retryLinkNow, terminalStreams, openExternalLink };
}

export const fake = createFake();

/** The shape of app/renderer/rpc for vi.mock. */
export const rpcModule = { rpc: fake.rpc, onConnectionState: fake.onConnectionState, onLinkProgress: fake.onLinkProgress, retryLinkNow: fake.retryLinkNow, terminalStreams: fake.terminalStreams, openExternalLink: fake.openExternalLink };
