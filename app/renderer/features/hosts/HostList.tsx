import type { KeyboardEvent } from 'react';
import type { SecretKind } from '../../../shared/contract/credentials';
import type { HostSummary } from '../../../shared/model/host';
import { HOST_DRAG_TYPE } from '../../components/dragTypes';
import { hostEndpoint, secretBadges } from '../../stores/hostsLogic';
import { SecretBadges } from './SecretBadges';

const PROXY_LABELS = { command: 'ProxyCommand', socks5: 'SOCKS5', http: 'HTTP CONNECT' } as const;

interface HostListProps {
  hosts: HostSummary[];
  kinds: Record<string, SecretKind[]>;
  onAddToCircuit(host: HostSummary): void;
  onEdit(host: HostSummary): void;
}

/** The library: each host can be dragged into the circuit, or added with Enter / "Add to circuit". */
export function HostList({ hosts, kinds, onAddToCircuit, onEdit }: HostListProps) {
  function onKeyDown(event: KeyboardEvent<HTMLLIElement>, host: HostSummary) {
    if (event.target !== event.currentTarget || event.key !== 'Enter') return;
    event.preventDefault();
    onAddToCircuit(host);
  }
  return (
    <ul className="host-list" role="list" aria-label="Hosts">
      {hosts.map((host) => (
        <li
          key={host.id}
          className="host"
          tabIndex={0}
          draggable
          aria-label={host.name}
          aria-keyshortcuts="Enter"
          onKeyDown={(e) => onKeyDown(e, host)}
          onDragStart={(e) => {
            e.dataTransfer.setData(HOST_DRAG_TYPE, host.id);
            e.dataTransfer.effectAllowed = 'copy';
          }}
        >
          <div className="host-head">
            <span className="host-name">{host.name}</span>
            <SecretBadges badges={secretBadges(host, kinds[host.id])} />
          </div>
          <div className="muted">
            {hostEndpoint(host)}
            {host.proxy && ` · via ${PROXY_LABELS[host.proxy.kind]}`}
          </div>
          <div className="actions">
            <button type="button" className="small" onClick={() => onAddToCircuit(host)}>
              Add to circuit
            </button>
            <button type="button" className="secondary small" onClick={() => onEdit(host)}>
              Edit
            </button>
          </div>
        </li>
      ))}
    </ul>
  );
}
