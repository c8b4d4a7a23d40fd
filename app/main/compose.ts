/**
 * Composition root: builds the main-side services once and hands them, as one RpcServer,
 * to whichever transport is running (Electron IPC or the web-mode WebSocket).
 */
import { appService } from '../shared/contract/app';
import { Emitter } from '../shared/model/event';
import { register, RpcServer } from '../shared/rpc/server';
import { appSchemas } from '../shared/schema/app';
import { AppService, type AppFacts } from './services/app/appService';
import { log } from './services/log';

export function composeServices(facts: AppFacts): RpcServer {
  Emitter.onListenerError = (error) => log.error('event listener failed', error);
  const app = new AppService(facts);
  return new RpcServer([register(appService, app, appSchemas)], (error, channel) => log.error(`call ${channel} failed`, error));
}
