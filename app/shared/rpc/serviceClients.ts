import { serviceDescriptors, type ServiceName, type Services } from '../contract/channels';
import type { ServiceDescriptor } from '../contract/service';
import { createClient, type RpcTransport } from './client';

/**
 * A client for every service of the contract over one transport: the renderer's `rpc`, and the
 * tests' against web mode.
 */
export function createServiceClients(transport: RpcTransport): Services {
  const clients: Partial<Record<ServiceName, unknown>> = {};
  for (const name of Object.keys(serviceDescriptors) as ServiceName[]) {
    clients[name] = createClient(serviceDescriptors[name] as ServiceDescriptor<unknown>, transport);
  }
  return clients as Services;
}
