import type { ImportReport } from '../../../shared/contract/hosts';
import { toPlainText } from '../../../shared/model/plainText';

/** What an import did, and every line it did not act on with the reason: nothing is dropped silently. */
export function ImportReportView({ report }: { report: ImportReport }) {
  return (
    <div className="import-report" role="status" aria-label="Import report">
      <p>
        Imported {report.imported.length} {report.imported.length === 1 ? 'host' : 'hosts'}
        {report.profiles.length > 0 && ` and made ${report.profiles.length} ${report.profiles.length === 1 ? 'profile' : 'profiles'}`}.
      </p>
      {report.imported.length > 0 && (
        <ul aria-label="Imported hosts">
          {report.imported.map((item) => (
            <li key={item.hostId}>{toPlainText(item.alias, 200)}</li>
          ))}
        </ul>
      )}
      {report.profiles.length > 0 && (
        <ul aria-label="Profiles made">
          {report.profiles.map((item) => (
            <li key={item.profileId}>{toPlainText(item.alias, 200)}</li>
          ))}
        </ul>
      )}
      {report.notes.length > 0 && (
        <>
          <h4>Not imported or worth knowing ({report.notes.length})</h4>
          <ul role="list" aria-label="Import notes" className="import-notes">
            {report.notes.map((note, i) => (
              <li key={i} className={`note-${note.severity}`}>
                <span className="severity">{note.severity}</span> <span className="where">{toPlainText(`${note.file}:${note.line}`, 500)}</span>
                {note.host && <span className="muted"> ({toPlainText(note.host, 200)})</span>}: {toPlainText(note.message)}
              </li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}
