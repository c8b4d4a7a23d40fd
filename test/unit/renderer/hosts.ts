import { HOST_DEFAULTS, type HostSummary } from '../../../app/shared/model/host';

/** A saved host as the hosts service would return it. */
export function hostSummary(name: string, over: Partial<HostSummary> = {}): HostSummary {
  return { ...HOST_DEFAULTS, id: name, name, address: `${name}.example`, user: 'ops', hasPassword: false, hasPassphrase: false, hasTotp: false, hasAnswers: false, ...over };
}
