import { Field } from './Field';
import type { FormErrors, HostFormState, ProxyKind } from './hostFormModel';

const DEFAULT_PORTS: Record<'socks5' | 'http', string> = { socks5: '1080', http: '3128' };

/** How hop 1 is reached when it is not by direct TCP. Used only when this host is the first hop. */
export function ProxyFields({ idPrefix, form, errors, onChange }: { idPrefix: string; form: HostFormState; errors: FormErrors; onChange(patch: Partial<HostFormState>): void }) {
  function setKind(kind: ProxyKind) {
    const keepPort = form.proxyPort && !Object.values(DEFAULT_PORTS).includes(form.proxyPort);
    onChange({ proxyKind: kind, ...(kind === 'socks5' || kind === 'http' ? { proxyPort: keepPort ? form.proxyPort : DEFAULT_PORTS[kind] } : {}) });
  }
  return (
    <fieldset className="proxy">
      <legend>First-hop proxy</legend>
      <label htmlFor={`${idPrefix}-proxy-kind`}>Proxy</label>
      <select id={`${idPrefix}-proxy-kind`} value={form.proxyKind} onChange={(e) => setKind(e.target.value as ProxyKind)}>
        <option value="none">None (direct)</option>
        <option value="command">ProxyCommand</option>
        <option value="socks5">SOCKS5</option>
        <option value="http">HTTP CONNECT</option>
      </select>
      <p className="hint">Only used when this host is hop 1; later hops are reached through the hop before.</p>
      {form.proxyKind === 'command' && (
        <Field id={`${idPrefix}-proxy-command`} label="Proxy command" value={form.proxyCommand} spellCheck={false} placeholder="nc -X connect -x proxy:3128 %h %p" error={errors.proxyCommand} onChange={(e) => onChange({ proxyCommand: e.target.value })} />
      )}
      {(form.proxyKind === 'socks5' || form.proxyKind === 'http') && (
        <>
          <Field id={`${idPrefix}-proxy-host`} label="Proxy host" value={form.proxyHost} spellCheck={false} error={errors.proxyHost} onChange={(e) => onChange({ proxyHost: e.target.value })} />
          <Field id={`${idPrefix}-proxy-port`} label="Proxy port" value={form.proxyPort} inputMode="numeric" error={errors.proxyPort} onChange={(e) => onChange({ proxyPort: e.target.value })} />
          <Field id={`${idPrefix}-proxy-username`} label="Proxy username (optional)" value={form.proxyUsername} spellCheck={false} onChange={(e) => onChange({ proxyUsername: e.target.value })} />
        </>
      )}
    </fieldset>
  );
}
