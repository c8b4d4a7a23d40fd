import { hostCertificateFacts } from '../../../shared/model/hostCertificateFacts';
import { toPlainText } from '../../../shared/model/plainText';
import { HopStateBadge } from '../../components/HopStateBadge';
import type { HopRow } from '../../stores/circuitsLogic';
import { formatHopTimings } from '../../stores/hopTimingsText';

/** The live chain: each hop's state and timings as the engine reports them. */
export function HopStatusList({ rows }: { rows: HopRow[] }) {
  return (
    <ol className="chain live" role="list" aria-label="Hop status">
      <li className="hop local" role="presentation" aria-hidden="true">
        This computer
      </li>
      {rows.map((row) => (
        <li key={row.index} className={`hop hop-${row.state}${row.failing ? ' failing' : ''}`} aria-label={`Hop ${row.index + 1} of ${rows.length}: ${toPlainText(row.name, 200)}, ${row.state}`}>
          <span className="hop-position">{row.index === rows.length - 1 ? 'target' : `hop ${row.index + 1}`}</span>
          <span className="hop-name">{toPlainText(row.name, 200)}</span>
          <HopStateBadge state={row.state} testId={`hop-state-${row.index}`} />
          {row.shared && (
            <span className="marker" title="Already open for another circuit: this one joined it">
              shared
            </span>
          )}
          {row.authMethod && <span className="muted">via {row.authMethod}</span>}
          {row.hostCertificate && (
            <span className="muted host-certified" data-testid={`hop-certified-${row.index}`} title={hostCertificateFacts(row.hostCertificate)}>
              certified by CA {toPlainText(row.hostCertificate.ca, 100)}, valid until {toPlainText(row.hostCertificate.validBefore, 40)}
            </span>
          )}
          <HopTimingsText row={row} />
        </li>
      ))}
    </ol>
  );
}

/** The network's and server's time, then the user's own waiting, kept apart (see hopTimingsText). */
function HopTimingsText({ row }: { row: HopRow }) {
  const t = formatHopTimings(row.timings);
  return (
    <span className="timings" data-testid={`hop-timings-${row.index}`}>
      {t.machine}
      {t.wait && (
        <>
          {t.machine && ' · '}
          <span className="timing-wait" data-testid={`hop-wait-${row.index}`} title="Time spent on dialogs (host keys, passwords, codes): not counted in the handshake or auth times">
            {t.wait}
          </span>
        </>
      )}
      {t.total && `${t.machine || t.wait ? ' · ' : ''}${t.total}`}
    </span>
  );
}
