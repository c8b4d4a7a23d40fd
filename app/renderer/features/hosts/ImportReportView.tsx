import type { ImportOutcome, ImportReport, ImportReportNote } from '../../../shared/contract/hosts';
import { appliesTo, outcomeCounts } from '../../../shared/model/importReport';
import { toPlainText } from '../../../shared/model/plainText';
import './importReport.css';

const SHOWN_HOSTS = 3;

/** The note's hosts: the one it names (reports from before grouping), or all it applies to. */
function hostsOf(note: ImportReportNote): string[] {
  return note.hosts ?? (note.host !== undefined ? [note.host] : []);
}

function NoteItem({ note }: { note: ImportReportNote }) {
  const hosts = hostsOf(note).map((h) => toPlainText(h, 200));
  return (
    <li className={`note-${note.severity}`}>
      <span className="severity">{note.severity}</span> <span className="where">{toPlainText(`${note.file}:${note.line}`, 500)}</span> {toPlainText(note.message)}
      {hosts.length > 0 && <span className="muted"> — {appliesTo(hosts, SHOWN_HOSTS)}</span>}
      {hosts.length > SHOWN_HOSTS && (
        <details className="note-hosts">
          <summary>All {hosts.length} hosts</summary>
          {hosts.join(', ')}
        </details>
      )}
    </li>
  );
}

const OUTCOME_LABEL: Record<ImportOutcome, string> = { new: 'new', unchanged: 'unchanged', updated: 'updated' };

/**
 * What an import did (new, unchanged, updated: a re-import of the same file adds nothing), and
 * every line it did not act on, once per line with the hosts it applies to: nothing is dropped silently.
 */
function Items({ label, items }: { label: string; items: { alias: string; outcome?: ImportOutcome }[] }) {
  return (
    <ul aria-label={label} className="import-items">
      {items.map((item) => (
        <li key={item.alias}>
          {toPlainText(item.alias, 200)}
          {item.outcome && <span className={`outcome outcome-${item.outcome}`}> {OUTCOME_LABEL[item.outcome]}</span>}
        </li>
      ))}
    </ul>
  );
}

/**
 * What an import did (new, unchanged, updated: a re-import of the same file adds nothing), and
 * every line it did not act on, once per line with the hosts it applies to: nothing is dropped silently.
 */
export function ImportReportView({ report }: { report: ImportReport }) {
  const { counts } = report;
  return (
    <div className="import-report" role="status" aria-label="Import report">
      {counts ? (
        <>
          <p className="import-counts">Hosts: {outcomeCounts(counts.hosts)}.</p>
          {report.imported.length > 0 && <Items label="Imported hosts" items={report.imported} />}
          {report.profiles.length > 0 && (
            <>
              <p className="import-counts">Profiles for jump chains: {outcomeCounts(counts.profiles)}.</p>
              <Items label="Profiles made" items={report.profiles} />
            </>
          )}
        </>
      ) : (
        <>
          <p>
            Imported {report.imported.length} {report.imported.length === 1 ? 'host' : 'hosts'}
            {report.profiles.length > 0 && ` and made ${report.profiles.length} ${report.profiles.length === 1 ? 'profile' : 'profiles'}`}.
          </p>
          {report.imported.length > 0 && <Items label="Imported hosts" items={report.imported} />}
          {report.profiles.length > 0 && <Items label="Profiles made" items={report.profiles} />}
        </>
      )}
      {report.notes.length > 0 && (
        <>
          <h4>Not imported or worth knowing ({report.notes.length})</h4>
          <ul role="list" aria-label="Import notes" className="import-notes">
            {report.notes.map((note, i) => (
              <NoteItem key={i} note={note} />
            ))}
          </ul>
        </>
      )}
    </div>
  );
}
