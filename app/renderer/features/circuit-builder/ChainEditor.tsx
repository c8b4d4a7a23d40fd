import { useEffect, useId, useRef, useState, type DragEvent, type KeyboardEvent } from 'react';
import { toPlainText } from '../../../shared/model/plainText';
import { HOP_DRAG_TYPE, HOST_DRAG_TYPE, hasDragType } from '../../components/dragTypes';
import { moveItem, positionMessage, removeAt, targetOfGap } from '../../stores/draftChain';

export interface ChainHopView {
  hostId: string;
  name: string;
  /** user@address:port, or why it cannot be shown. */
  detail: string;
  problems: string[];
}

interface ChainEditorProps {
  hops: ChainHopView[];
  /** Read out by the aria-live region after each change. */
  announcement: string;
  /** A reorder or removal: the new chain of host ids and what to announce. */
  onChange(hostIds: string[], announcement: string): void;
  /** A host dropped from the library at gap `index` (0 = before hop 1). */
  onInsertHost(hostId: string, index: number): void;
}

/**
 * The chain "This computer → hop 1 → … → target", edited by drag and drop (drop zones in every
 * gap) or from the keyboard (Alt+Arrow moves the focused hop, Delete removes it).
 */
export function ChainEditor({ hops, announcement, onChange, onInsertHost }: ChainEditorProps) {
  const id = useId();
  const items = useRef<(HTMLLIElement | null)[]>([]);
  // Set by a keyboard change so focus follows the hop to its new place after re-render.
  const focusAfterRender = useRef<number | null>(null);
  const [activeGap, setActiveGap] = useState<number | null>(null);
  const ids = hops.map((h) => h.hostId);

  useEffect(() => {
    if (focusAfterRender.current === null) return;
    items.current[focusAfterRender.current]?.focus();
    focusAfterRender.current = null;
  });

  function move(from: number, to: number) {
    const name = hops[from]?.name ?? 'Hop';
    if (to < 0 || to >= hops.length || to === from) {
      onChange(ids, `${name} is already ${to < 0 ? 'first' : 'last'}, position ${from + 1} of ${hops.length}`);
      return;
    }
    focusAfterRender.current = to;
    onChange(moveItem(ids, from, to), positionMessage(name, 'moved to', to, hops.length));
  }

  function remove(index: number) {
    const name = hops[index]?.name ?? 'Hop';
    const left = hops.length - 1;
    focusAfterRender.current = left > 0 ? Math.min(index, left - 1) : null;
    onChange(removeAt(ids, index), `${name} removed; ${left} ${left === 1 ? 'hop' : 'hops'} left`);
  }

  function onHopKeyDown(event: KeyboardEvent<HTMLLIElement>, index: number) {
    // Keys typed on the hop's own buttons keep their usual meaning.
    if (event.target !== event.currentTarget) return;
    const earlier = event.key === 'ArrowUp' || event.key === 'ArrowLeft';
    const later = event.key === 'ArrowDown' || event.key === 'ArrowRight';
    if (event.altKey && (earlier || later)) {
      event.preventDefault();
      move(index, index + (earlier ? -1 : 1));
    } else if (earlier || later) {
      // Plain arrows walk between hops, so the chain is one stop in the Tab order's sense of place.
      event.preventDefault();
      items.current[index + (earlier ? -1 : 1)]?.focus();
    } else if (event.key === 'Delete' || event.key === 'Backspace') {
      event.preventDefault();
      remove(index);
    }
  }

  function onDragOver(event: DragEvent, gap: number) {
    const fromLibrary = hasDragType(event.dataTransfer, HOST_DRAG_TYPE);
    if (!fromLibrary && !hasDragType(event.dataTransfer, HOP_DRAG_TYPE)) return;
    event.preventDefault(); // accept the drop
    event.dataTransfer.dropEffect = fromLibrary ? 'copy' : 'move';
    if (activeGap !== gap) setActiveGap(gap);
  }

  function onDrop(event: DragEvent, gap: number) {
    event.preventDefault();
    setActiveGap(null);
    const hostId = event.dataTransfer.getData(HOST_DRAG_TYPE);
    if (hostId) {
      onInsertHost(hostId, gap);
      return;
    }
    const from = Number.parseInt(event.dataTransfer.getData(HOP_DRAG_TYPE), 10);
    if (Number.isInteger(from) && from >= 0 && from < hops.length) move(from, targetOfGap(from, gap));
  }

  function dropZone(gap: number) {
    return (
      <li
        role="presentation"
        aria-hidden="true"
        key={`gap-${gap}`}
        data-testid={`drop-zone-${gap}`}
        className={`drop-zone${activeGap === gap ? ' active' : ''}${hops.length === 0 ? ' empty' : ''}`}
        onDragOver={(e) => onDragOver(e, gap)}
        onDragLeave={() => setActiveGap((g) => (g === gap ? null : g))}
        onDrop={(e) => onDrop(e, gap)}
      >
        {hops.length === 0 ? 'Drag a host here from the library, or choose one below' : null}
      </li>
    );
  }

  return (
    <div className="chain-editor">
      <div className="chain-row">
        <div className="hop local" aria-hidden="true">
          This computer
        </div>
        <ol className="chain" role="list" aria-label="Circuit hops" aria-describedby={`${id}-keys`}>
          {dropZone(0)}
          {hops.flatMap((hop, index) => [
            <li
              key={`${index}:${hop.hostId}`}
              ref={(el) => {
                items.current[index] = el;
              }}
              role="listitem"
              tabIndex={0}
              draggable
              aria-label={`Hop ${index + 1} of ${hops.length}: ${toPlainText(hop.name, 200)}`}
              aria-describedby={hop.problems.length > 0 ? `${id}-problems-${index}` : undefined}
              className={`hop${hop.problems.length > 0 ? ' invalid' : ''}${index === hops.length - 1 ? ' target' : ''}`}
              onKeyDown={(e) => onHopKeyDown(e, index)}
              onDragStart={(e) => {
                e.dataTransfer.setData(HOP_DRAG_TYPE, String(index));
                e.dataTransfer.effectAllowed = 'move';
              }}
            >
              <span className="hop-position">{index === hops.length - 1 ? 'target' : `hop ${index + 1}`}</span>
              <span className="hop-name">{toPlainText(hop.name, 200)}</span>
              <span className="hop-detail">{toPlainText(hop.detail, 300)}</span>
              {hop.problems.length > 0 && (
                <div id={`${id}-problems-${index}`} className="hop-problems">
                  {hop.problems.map((problem, i) => (
                    <p key={i}>{problem}</p>
                  ))}
                </div>
              )}
              <button type="button" className="secondary small" aria-label={`Remove ${toPlainText(hop.name, 200)} from circuit`} onClick={() => remove(index)}>
                Remove
              </button>
            </li>,
            dropZone(index + 1),
          ])}
        </ol>
      </div>
      <p id={`${id}-keys`} className="hint">
        Drag hosts into the gaps. On a focused hop: Alt+Arrow keys move it, Delete removes it.
      </p>
      <p role="status" aria-live="polite" className="sr-only" data-testid="builder-announcement">
        {announcement}
      </p>
    </div>
  );
}
