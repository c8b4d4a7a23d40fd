/**
 * Composition root: builds the main-side services once and hands them, as one RpcServer,
 * to whichever transport is running (Electron IPC or the web-mode WebSocket).
 */
import { mkdirSync } from 'node:fs';
import { userInfo } from 'node:os';
import path from 'node:path';
import { appService } from '../shared/contract/app';
import { circuitsService } from '../shared/contract/circuits';
import { credentialsService } from '../shared/contract/credentials';
import { filesService } from '../shared/contract/files';
import { forwardsService } from '../shared/contract/forwards';
import { gatewayService } from '../shared/contract/gateway';
import { hostsService } from '../shared/contract/hosts';
import { profilesService } from '../shared/contract/profiles';
import { promptsService } from '../shared/contract/prompts';
import { settingsService } from '../shared/contract/settings';
import { terminalsService } from '../shared/contract/terminals';
import { Emitter } from '../shared/model/event';
import { register, RpcServer } from '../shared/rpc/server';
import { appSchemas } from '../shared/schema/app';
import { circuitsSchemas } from '../shared/schema/circuits';
import { credentialsSchemas } from '../shared/schema/credentials';
import { filesSchemas } from '../shared/schema/files';
import { forwardsSchemas } from '../shared/schema/forwards';
import { gatewaySchemas } from '../shared/schema/gateway';
import { hostsSchemas } from '../shared/schema/hosts';
import { profilesSchemas } from '../shared/schema/profiles';
import { promptsSchemas } from '../shared/schema/prompts';
import { settingsSchemas } from '../shared/schema/settings';
import { terminalsSchemas } from '../shared/schema/terminals';
import { AppService, type AppFacts } from './services/app/appService';
import { CircuitsService } from './services/circuits/circuitsService';
import { CredentialStore, type CredentialStoreOptions } from './services/credentials/credentialStore';
import { CircuitEngine } from './services/engine/circuitEngine';
import { defaultHostKeyFiles, type HostKeyFiles } from './services/engine/hostKeyPolicy';
import { FilesService } from './services/files/filesService';
import { SftpSessions } from './services/files/sftpSessions';
import { TransferQueue, type FileTicketRedeemer } from './services/files/transferQueue';
import { ForwardsService } from './services/forwards/forwardsService';
import { startSavedForwards } from './services/forwards/savedForwards';
import { PromptBroker } from './services/engine/promptBroker';
import { log } from './services/log';
import { DocumentStore } from './services/profiles/documentStore';
import { hopSpecsForHostIds } from './services/profiles/hostToHop';
import { defaultHostsEnvironment, HostsService, type HostsEnvironment } from './services/profiles/hostsService';
import { ProfilesService } from './services/profiles/profilesService';
import { SettingsService } from './services/settings/settingsService';
import { type TerminalFrameHub } from './services/terminals/streamRouter';
import { TerminalsService } from './services/terminals/terminalsService';
import { GatewayService } from './services/gateway/gatewayService';
import { GatewayContractService } from './services/gateway/gatewayContract';
import { appCliCommand, runningEntryFile } from './services/gateway/hoplineCommand';

export interface ComposeOptions {
  credentials?: CredentialStoreOptions;
  /** Whose ~/.ssh is read (config, known_hosts, `~/` key paths). */
  hostsEnvironment?: HostsEnvironment;
  hostKeyFiles?: HostKeyFiles;
}

export interface Composed {
  rpc: RpcServer;
  /** The saved document, for the Electron shell's window bounds. */
  documents: DocumentStore;
  /** Terminal frames, for the transports to carry (web mode's WebSocket, Electron IPC). */
  terminalFrames: TerminalFrameHub;
  /** Ends every circuit (hops close target first) and waits for pending saves. */
  dispose(): Promise<void>;
  /** The control socket for `hopline proxy`: sessions() says which external sessions ride which circuit. */
  gateway: GatewayService;
  /** Web mode's file byte routes redeem the transfer queue's tickets here. */
  fileTickets: FileTicketRedeemer;
}

/** A file under <data dir>/session-logs for a terminal whose profile opted in, else null. */
function sessionLogPath(dataDir: string, documents: DocumentStore, engine: CircuitEngine, circuitId: string, streamId: number): string | null {
  const profileId = engine.list().find((c) => c.id === circuitId)?.profileId;
  const profile = profileId ? documents.snapshot().profiles.find((p) => p.id === profileId) : undefined;
  if (!profile?.terminal.sessionLog) return null;
  const dir = path.join(dataDir, 'session-logs');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  return path.join(dir, `${profile.name.replace(/[^\w.-]+/g, '_').slice(0, 80)}-${stamp}-${streamId}.log`);
}

/** The -J default user, as the CLI takes it; a uid without a passwd entry falls back to $USER. */
function localUserName(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? '';
  }
}

export async function composeServices(facts: AppFacts, options: ComposeOptions = {}): Promise<Composed> {
  Emitter.onListenerError = (error) => log.error('event listener failed', error);
  const env = options.hostsEnvironment ?? defaultHostsEnvironment();
  const documents = await DocumentStore.open(facts.dataDir);
  const startProblem = documents.status().problem;
  if (startProblem) log.warn(startProblem);

  const credentials = new CredentialStore(options.credentials);
  // The log keeps the raw cause too: whoever reads it is debugging, not deciding what to do.
  credentials.onDidChangeStatus((s) => s.unavailableReason && log.warn(s.unavailableDetail ? `${s.unavailableReason} (${s.unavailableDetail})` : s.unavailableReason));
  const prompts = new PromptBroker();
  // The app shows a changed key beside the saved one and lets the person replace it (the CLI refuses, as ssh does).
  const engine = new CircuitEngine({ hostKeyFiles: { replaceChangedKeys: true, ...(options.hostKeyFiles ?? defaultHostKeyFiles(facts.dataDir)) }, prompts, secrets: credentials });
  const hosts = new HostsService(documents, credentials, env);
  const profiles = new ProfilesService(documents);
  const settings = new SettingsService(documents);
  const circuits = new CircuitsService({
    engine,
    hopSpecs: (hostIds) => hopSpecsForHostIds(documents.snapshot().hosts, hostIds, env.homeDir),
    savedForwards: (profileId) => {
      const profile = documents.snapshot().profiles.find((p) => p.id === profileId);
      return profile ? (profile.forwards ?? []) : null;
    },
  });
  const terminals = new TerminalsService({ engine, closeCircuit: (circuitId) => circuits.close(circuitId), sessionLogPath: (circuitId, streamId) => sessionLogPath(facts.dataDir, documents, engine, circuitId, streamId) });
  // Forwards ride the circuits' target connections; a circuit's close removes its forwards.
  const forwards = new ForwardsService({ engine });
  // Files ride the circuits' target connections too: one SFTP session per circuit, shared by listings and transfers.
  const sessions = new SftpSessions(engine);
  const transferQueue = new TransferQueue({ sessions });
  const files = new FilesService({ sessions, transfers: transferQueue });
  // A profile's forwards marked "start with the circuit" start when its circuit opens.
  const savedForwards = startSavedForwards(engine, forwards, (profileId) => documents.snapshot().profiles.find((p) => p.id === profileId)?.forwards ?? [], (error) => log.warn(`a saved forward did not start: ${error instanceof Error ? error.message : String(error)}`));
  // Served by web mode and Electron alike: `hopline proxy` rides the hops this process holds.
  const gateway = await GatewayService.start({ dataDir: facts.dataDir, liveChains: () => engine.liveChains(), library: () => documents.snapshot(), localUser: localUserName(), log });
  // The app's view of it: sessions riding circuits, and each profile's ssh_config block naming the CLI bundled beside this app.
  const gatewayContract = new GatewayContractService({
    gateway,
    library: () => documents.snapshot(),
    dataDir: facts.dataDir,
    homeDir: env.homeDir,
    command: () => appCliCommand({ entryFile: runningEntryFile(), execPath: process.execPath, electron: process.versions.electron !== undefined }),
  });

  const rpc = new RpcServer(
    [
      register(appService, new AppService(facts), appSchemas),
      register(hostsService, hosts, hostsSchemas),
      register(profilesService, profiles, profilesSchemas),
      register(circuitsService, circuits, circuitsSchemas),
      register(promptsService, prompts, promptsSchemas),
      register(credentialsService, credentials, credentialsSchemas),
      register(terminalsService, terminals, terminalsSchemas),
      register(settingsService, settings, settingsSchemas),
      register(forwardsService, forwards, forwardsSchemas),
      register(filesService, files, filesSchemas),
      register(gatewayService, gatewayContract, gatewaySchemas),
    ],
    (error, channel) => log.error(`call ${channel} failed`, error),
  );
  return {
    rpc,
    documents,
    terminalFrames: terminals,
    gateway,
    fileTickets: transferQueue,
    async dispose() {
      gatewayContract.dispose();
      await gateway.dispose();
      terminals.dispose();
      savedForwards.dispose();
      await forwards.dispose();
      files.dispose();
      await transferQueue.dispose();
      sessions.dispose();
      await circuits.dispose();
      hosts.dispose();
      profiles.dispose();
      settings.dispose();
      await documents.whenIdle();
    },
  };
}
