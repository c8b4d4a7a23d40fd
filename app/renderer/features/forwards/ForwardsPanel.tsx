/**
 * A circuit's port forwards (issue 15): each with its route, state, counters and last error, to
 * start, stop, remove or copy; and a form that adds one in ssh's own syntax (`8080:db:5432`).
 * Shown in the terminal panel's circuit details.
 */
import { useEffect, useId, useRef, useState, type RefObject } from 'react';
import type { CircuitSummary } from '../../../shared/model/hop';
import type { ForwardKind, ForwardSpec, ForwardStatus } from '../../../shared/model/forward';
import { bindsLoopbackOnly, FORWARD_FLAGS, formatForwardSpec, parseForwardSpec } from '../../../shared/model/forward';
import { toPlainText } from '../../../shared/model/plainText';
import { describeError } from '../../stores/describeError';
import { copyableAddress, KIND_TEXT, listenAddress, routeText, STATE_TEXT } from '../../stores/forwardsLogic';
import { useForwardsStore } from '../../stores/useForwardsStore';
import './forwards.css';
import { formatBytes } from '../../../shared/model/byteSize';

const NO_FORWARDS: readonly ForwardStatus[] = [];
let fills = 0;

interface ForwardsPanelProps {
  circuitId: string;
  circuitState: CircuitSummary['state'];
}

export function ForwardsPanel({ circuitId, circuitState }: ForwardsPanelProps) {
  const forwards = useForwardsStore((s) => s.byCircuit[circuitId] ?? NO_FORWARDS);
  const reveal = useForwardsStore((s) => (s.reveal?.circuitId === circuitId ? s.reveal : null));
  const headingRef = useRef<HTMLHeadingElement>(null);
  const inputRef = useRef<HTMLInputElement>(null);
  const headingId = useId();
  const canAdd = circuitState === 'open';
  /**
   * The forward the form edits (removed and added again on Save), or null to add one. `fill`
   * changes on each Edit click: the form then takes the forward's text (and not when a refused
   * change puts the old forward back under a new id, so the user's text stays to fix).
   */
  const [editing, setEditing] = useState<{ status: ForwardStatus; fill: number } | null>(null);

  // The palette asked for this circuit's forwards (or its form): bring it into view with the focus.
  useEffect(() => {
    if (!reveal) return;
    const target = reveal.target === 'form' && inputRef.current ? inputRef.current : headingRef.current;
    target?.scrollIntoView({ block: 'nearest' });
    target?.focus();
    useForwardsStore.getState().clearReveal(reveal.n);
  }, [reveal]);

  return (
    <section className="forwards" aria-labelledby={headingId} data-testid="forwards-panel">
      <h3 id={headingId} ref={headingRef} tabIndex={-1}>
        Port forwards
      </h3>
      {forwards.length === 0 ? (
        <p className="muted">No forwards on this circuit.</p>
      ) : (
        <ul className="forward-list" aria-labelledby={headingId}>
          {forwards.map((f) => (
            // The removed row took the focus with it: it goes to the heading, not the page's body.
            <ForwardRow key={f.forwardId} status={f} onRemoved={() => headingRef.current?.focus()} onEdit={canAdd ? () => setEditing({ status: f, fill: ++fills }) : undefined} />
          ))}
        </ul>
      )}
      {canAdd ? (
        <ForwardForm
          circuitId={circuitId}
          inputRef={inputRef}
          editing={editing?.status ?? null}
          fill={editing?.fill ?? 0}
          onEditing={(status) => setEditing((e) => (status && e ? { status, fill: e.fill } : null))}
        />
      ) : (
        <p className="hint">Forwards can be added while the circuit is open.</p>
      )}
    </section>
  );
}

function ForwardRow({ status, onRemoved, onEdit }: { status: ForwardStatus; onRemoved(): void; onEdit: (() => void) | undefined }) {
  const start = useForwardsStore((s) => s.start);
  const stop = useForwardsStore((s) => s.stop);
  const remove = useForwardsStore((s) => s.remove);
  const [note, setNote] = useState<string | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);
  const [confirming, setConfirming] = useState(false);
  const routeId = useId();
  const address = copyableAddress(status);
  const running = status.state === 'listening' || status.state === 'starting' || status.state === 'waiting';

  async function act(action: () => Promise<void>) {
    setActionError(null);
    setNote(null);
    try {
      await action();
    } catch (error) {
      setActionError(describeError(error));
    }
  }

  async function copy(text: string) {
    try {
      await navigator.clipboard.writeText(text);
      setNote(`Copied ${text}.`);
    } catch {
      // No clipboard (an insecure origin, or permission refused): the address is on the row to select.
      setNote(`The clipboard is not available; the address is ${text}.`);
    }
  }

  return (
    <li className="forward" data-testid="forward-row" data-forward-id={status.forwardId} data-state={status.state}>
      <div className="forward-head">
        <span className={`forward-kind forward-kind-${status.spec.kind}`}>{KIND_TEXT[status.spec.kind]}</span>
        <span className="forward-route" id={routeId} data-testid="forward-route">
          {toPlainText(routeText(status), 600)}
        </span>
        <span className={`forward-state forward-state-${status.state}`} data-testid="forward-state">
          {STATE_TEXT[status.state]}
        </span>
      </div>
      <p className="forward-counters" data-testid="forward-counters">
        <span>{status.openConnections} open</span> · <span>{status.totalConnections} total</span> · <span>{formatBytes(status.bytesOut)} out</span> ·{' '}
        <span>{formatBytes(status.bytesIn)} in</span>
      </p>
      {status.lastError && (
        <p className="forward-error error" data-testid="forward-error">
          {describeError(status.lastError)}
        </p>
      )}
      <div className="actions">
        {/* One button that changes its word, so the focus stays on it from Stop to Start. */}
        <button type="button" className="secondary small" aria-describedby={routeId} onClick={() => void act(() => (running ? stop(status.forwardId) : start(status.forwardId)))}>
          {running ? 'Stop' : 'Start'}
        </button>
        {onEdit && (
          <button type="button" className="secondary small" aria-describedby={routeId} onClick={onEdit}>
            Edit
          </button>
        )}
        {address && (
          <button type="button" className="secondary small" aria-describedby={routeId} onClick={() => void copy(address)}>
            Copy address
          </button>
        )}
        {confirming ? (
          // Removing ends open connections: asked first, as ConfirmButton does, in the row's small size.
          <span className="confirm">
            <button type="button" className="danger small" autoFocus onClick={() => void act(() => remove(status.circuitId, status.forwardId).then(onRemoved))}>
              End {status.openConnections === 1 ? 'its connection' : `${status.openConnections} connections`} and remove
            </button>
            <button type="button" className="secondary small" onClick={() => setConfirming(false)}>
              Keep
            </button>
          </span>
        ) : (
          <button
            type="button"
            className="secondary danger small"
            aria-describedby={routeId}
            onClick={() => (status.openConnections > 0 ? setConfirming(true) : void act(() => remove(status.circuitId, status.forwardId).then(onRemoved)))}
          >
            Remove
          </button>
        )}
      </div>
      {actionError && (
        <p className="error" role="alert">
          {actionError}
        </p>
      )}
      {note && (
        <p className="hint" role="status">
          {note}
        </p>
      )}
    </li>
  );
}

const KIND_CHOICES: { kind: ForwardKind; label: string; hint: string; example: string; form: string }[] = [
  { kind: 'local', label: 'Local', hint: 'a port here reaches a host the target can reach', example: '8080:db.internal:5432', form: '[bind_address:]port:host:hostport' },
  { kind: 'remote', label: 'Remote', hint: 'a port on the target reaches a host this computer can reach', example: '9000:127.0.0.1:3000', form: '[bind_address:]port:host:hostport' },
  { kind: 'dynamic', label: 'Dynamic (SOCKS)', hint: 'a SOCKS proxy here; names are resolved at the target', example: '1080', form: '[bind_address:]port' },
];

/** The spec the text says, or null while it says nothing usable yet (errors wait for submit). */
function tryParse(kind: ForwardKind, text: string): ForwardSpec | null {
  try {
    return parseForwardSpec(kind, text.trim());
  } catch {
    return null;
  }
}

interface ForwardFormProps {
  circuitId: string;
  inputRef: RefObject<HTMLInputElement | null>;
  editing: ForwardStatus | null;
  /** Changes when the form should take the edited forward's text. */
  fill: number;
  /** The forward now edited (the old one put back under a new id), or null: editing is over. */
  onEditing(status: ForwardStatus | null): void;
}

function ForwardForm({ circuitId, inputRef, editing, fill, onEditing }: ForwardFormProps) {
  const add = useForwardsStore((s) => s.add);
  const remove = useForwardsStore((s) => s.remove);
  const [kind, setKind] = useState<ForwardKind>('local');
  const [text, setText] = useState('');
  const [allowOthers, setAllowOthers] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const checkboxRef = useRef<HTMLInputElement>(null);
  const id = useId();
  const choice = KIND_CHOICES.find((c) => c.kind === kind)!;
  const parsed = tryParse(kind, text);
  const exposed = parsed !== null && !bindsLoopbackOnly(parsed);

  // Edit fills the form with the forward as ssh would write it, and puts the focus there.
  const editingRef = useRef(editing);
  editingRef.current = editing;
  useEffect(() => {
    const editing = editingRef.current;
    if (!fill || !editing) return;
    setKind(editing.spec.kind);
    setText(formatForwardSpec(editing.spec));
    // The user chose the exposure when adding it; an edit keeps that choice until they change it.
    setAllowOthers(!bindsLoopbackOnly(editing.spec));
    setError(null);
    setDone(null);
    inputRef.current?.scrollIntoView({ block: 'nearest' });
    inputRef.current?.focus();
  }, [fill, inputRef]);

  function reset() {
    setText('');
    setAllowOthers(false);
  }

  /** The edited forward replaced: removed first (it may hold the port), put back if the new one fails. */
  async function replace(old: ForwardStatus, spec: ForwardSpec): Promise<ForwardStatus> {
    await remove(old.circuitId, old.forwardId);
    try {
      return await add(circuitId, spec);
    } catch (failure) {
      const restored = await add(circuitId, old.spec).catch(() => null);
      onEditing(restored);
      throw failure;
    }
  }

  async function submit() {
    setDone(null);
    let spec: ForwardSpec;
    try {
      if (text.trim() === '') throw new Error(`Type the forward as ssh ${FORWARD_FLAGS[kind]} takes it, for example ${choice.example}.`);
      spec = parseForwardSpec(kind, text.trim());
    } catch (problem) {
      setError(problem instanceof Error ? problem.message : String(problem));
      inputRef.current?.focus();
      return;
    }
    if (!bindsLoopbackOnly(spec) && !allowOthers) {
      setError('This forward would accept connections from other machines: tick the box to allow it, or leave out the bind address to listen on 127.0.0.1 only.');
      checkboxRef.current?.focus();
      return;
    }
    setError(null);
    setBusy(true);
    try {
      const status = editing ? await replace(editing, spec) : await add(circuitId, spec);
      reset();
      setDone(`${editing ? 'Changed' : 'Added'}: ${KIND_TEXT[status.spec.kind].toLowerCase()} forward on ${listenAddress(status)}, ${STATE_TEXT[status.state]}.`);
      if (editing) onEditing(null);
    } catch (failure) {
      setError(editing ? `Not changed: ${describeError(failure)}` : describeError(failure));
    } finally {
      setBusy(false);
      inputRef.current?.focus();
    }
  }

  return (
    <form
      className="forward-form"
      aria-labelledby={`${id}-title`}
      noValidate
      onSubmit={(event) => {
        event.preventDefault();
        void submit();
      }}
    >
      <h4 id={`${id}-title`}>{editing ? 'Edit the forward' : 'Add a forward'}</h4>
      <fieldset className="forward-kinds">
        <legend>Kind</legend>
        {KIND_CHOICES.map((c) => (
          <label key={c.kind} className="radio">
            <input type="radio" name={`${id}-kind`} value={c.kind} checked={kind === c.kind} onChange={() => setKind(c.kind)} />
            <span>
              {c.label} <span className="muted">({FORWARD_FLAGS[c.kind]}): {c.hint}</span>
            </span>
          </label>
        ))}
      </fieldset>
      <label htmlFor={`${id}-spec`}>Forward, as ssh {FORWARD_FLAGS[kind]} takes it</label>
      <input
        id={`${id}-spec`}
        ref={inputRef}
        className="forward-spec"
        value={text}
        placeholder={choice.example}
        spellCheck={false}
        autoComplete="off"
        autoCapitalize="off"
        aria-invalid={error ? true : undefined}
        aria-describedby={`${id}-hint${error ? ` ${id}-error` : ''}`}
        onChange={(event) => {
          setText(event.target.value);
          setError(null);
          setDone(null);
        }}
      />
      <p id={`${id}-hint`} className="hint">
        {choice.form}.{kind === 'remote' ? ' Port 0 lets the target pick a free port.' : ''} Without a bind address it listens on 127.0.0.1 only.
      </p>
      {exposed && (
        <div className="warning forward-warning" data-testid="forward-exposed-warning">
          <p>
            {kind === 'remote'
              ? `The target will listen on ${listenAddress({ spec: parsed })} (if its sshd allows GatewayPorts): other machines that reach the target can connect through it to this side.`
              : `This listens on ${listenAddress({ spec: parsed })}: other machines that reach this computer can connect through it, as you.`}
          </p>
          <label className="checkbox">
            <input ref={checkboxRef} type="checkbox" checked={allowOthers} onChange={(event) => setAllowOthers(event.target.checked)} />
            Allow connections from other machines
          </label>
        </div>
      )}
      {error && (
        <p id={`${id}-error`} className="error" role="alert">
          {error}
        </p>
      )}
      {done && (
        <p className="hint" role="status">
          {done}
        </p>
      )}
      <div className="actions">
        <button type="submit" disabled={busy}>
          {busy ? 'Saving…' : editing ? 'Save and restart' : 'Add and start'}
        </button>
        {editing && (
          <button
            type="button"
            className="secondary"
            onClick={() => {
              reset();
              setError(null);
              onEditing(null);
            }}
          >
            Cancel edit
          </button>
        )}
      </div>
    </form>
  );
}
