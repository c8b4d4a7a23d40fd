import type { HostAuthMethod } from '../../../shared/model/host';
import { moveItem, removeAt } from '../../stores/draftChain';
import { AUTH_LABELS, withKind } from './hostFormModel';

const KINDS = Object.keys(AUTH_LABELS) as HostAuthMethod['kind'][];

/** The key method with this certificate path as typed; emptied, the field leaves no certificate behind. */
function withCertificate(method: Extract<HostAuthMethod, { kind: 'publickey' }>, certificateFile: string): HostAuthMethod {
  const { certificateFile: _previous, ...key } = method;
  return certificateFile === '' ? key : { ...key, certificateFile };
}

/** Authentication methods in the order they are tried, each with its key file (and a certificate for it) where it has one. */
export function AuthMethodsEditor({ idPrefix, methods, error, onChange }: { idPrefix: string; methods: HostAuthMethod[]; error?: string; onChange(methods: HostAuthMethod[]): void }) {
  const replace = (index: number, method: HostAuthMethod) => onChange(methods.map((m, i) => (i === index ? method : m)));
  return (
    <fieldset className="auth-methods" aria-describedby={error ? `${idPrefix}-auth-error` : undefined}>
      <legend>Authentication, tried in order</legend>
      <ol>
        {methods.map((method, index) => (
          <li key={index} className="auth-method">
            <label htmlFor={`${idPrefix}-auth-${index}`} className="sr-only">
              Method {index + 1}
            </label>
            <select id={`${idPrefix}-auth-${index}`} value={method.kind} onChange={(e) => replace(index, withKind(e.target.value as HostAuthMethod['kind']))}>
              {KINDS.map((kind) => (
                <option key={kind} value={kind}>
                  {AUTH_LABELS[kind]}
                </option>
              ))}
            </select>
            {method.kind === 'publickey' && (
              <>
                <label htmlFor={`${idPrefix}-key-${index}`} className="sr-only">
                  Key file path for method {index + 1}
                </label>
                <input
                  id={`${idPrefix}-key-${index}`}
                  value={method.keyFile}
                  placeholder="~/.ssh/id_ed25519"
                  spellCheck={false}
                  onChange={(e) => replace(index, { ...method, keyFile: e.target.value })}
                />
                {/* Right after its key in the Tab order: a user certificate for that key (CertificateFile). */}
                <div className="auth-certificate">
                  <label htmlFor={`${idPrefix}-cert-${index}`}>
                    Certificate file<span className="sr-only"> for method {index + 1}</span>
                  </label>
                  <input
                    id={`${idPrefix}-cert-${index}`}
                    value={method.certificateFile ?? ''}
                    placeholder="optional: KEY-cert.pub beside the key is found anyway"
                    spellCheck={false}
                    autoComplete="off"
                    onChange={(e) => replace(index, withCertificate(method, e.target.value))}
                  />
                </div>
              </>
            )}
            <span className="row-buttons">
              <button type="button" className="secondary small" aria-label={`Move method ${index + 1} up`} disabled={index === 0} onClick={() => onChange(moveItem(methods, index, index - 1))}>
                ↑
              </button>
              <button type="button" className="secondary small" aria-label={`Move method ${index + 1} down`} disabled={index === methods.length - 1} onClick={() => onChange(moveItem(methods, index, index + 1))}>
                ↓
              </button>
              <button type="button" className="secondary small" aria-label={`Remove method ${index + 1}`} onClick={() => onChange(removeAt(methods, index))}>
                ✕
              </button>
            </span>
          </li>
        ))}
      </ol>
      <button type="button" className="secondary small" onClick={() => onChange([...methods, withKind('agent')])}>
        Add method
      </button>
      {error && (
        <p id={`${idPrefix}-auth-error`} className="error">
          {error}
        </p>
      )}
    </fieldset>
  );
}
