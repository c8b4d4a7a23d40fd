/**
 * Where the view is: a breadcrumb of the folder's path (each part a button), which becomes a
 * typed path field on Ctrl+L or a click on its free space, as in desktop file managers. Enter
 * goes there, Escape goes back to the breadcrumb.
 */
import { ChevronRight, Pencil } from 'lucide-react';
import { useEffect, useRef, useState } from 'react';
import { displayName } from '../../../shared/model/remoteNames';
import { breadcrumb } from '../../stores/filesLogic';

interface LocationBarProps {
  id: string;
  path: string | null;
  /** Bumped to put the focus in the typed field (Ctrl+L). */
  editNonce: number;
  onNavigate(typed: string): void;
  /** The field closed (Enter or Escape): the view puts the focus back on its list. */
  onDone(): void;
}

export function LocationBar({ id, path, editNonce, onNavigate, onDone }: LocationBarProps) {
  const [editing, setEditing] = useState(false);
  const [text, setText] = useState(path ?? '');
  const inputRef = useRef<HTMLInputElement>(null);
  const crumbsRef = useRef<HTMLOListElement>(null);

  useEffect(() => {
    if (editNonce === 0) return;
    setText(path ?? '');
    setEditing(true);
  }, [editNonce]);

  useEffect(() => {
    if (editing) {
      inputRef.current?.focus();
      inputRef.current?.select();
    }
  }, [editing]);

  // A deep folder shows its last parts: the breadcrumb scrolls to its end, and again when the
  // pane narrows (a window or split resized), so the folder shown is the part still in sight.
  useEffect(() => {
    const el = crumbsRef.current;
    if (!el) return;
    const toEnd = (): void => {
      el.scrollLeft = el.scrollWidth;
    };
    toEnd();
    if (typeof ResizeObserver === 'undefined') return;
    const observer = new ResizeObserver(toEnd);
    observer.observe(el);
    return () => observer.disconnect();
  }, [path, editing]);

  if (editing) {
    return (
      <div className="fv-location">
        <input
          ref={inputRef}
          id={`${id}-path`}
          className="fv-path-input"
          aria-label="Path"
          value={text}
          spellCheck={false}
          autoComplete="off"
          onChange={(event) => setText(event.target.value)}
          onBlur={() => setEditing(false)}
          onKeyDown={(event) => {
            if (event.key === 'Enter') {
              event.preventDefault();
              setEditing(false);
              onNavigate(text);
              onDone();
            } else if (event.key === 'Escape') {
              event.preventDefault();
              event.stopPropagation();
              setEditing(false);
              onDone();
            }
          }}
        />
      </div>
    );
  }

  const crumbs = path ? breadcrumb(path) : [];
  return (
    <div className="fv-location">
      <nav aria-label="Folder path" className="fv-crumbs-nav">
        <ol ref={crumbsRef} className="fv-crumbs" onClick={(event) => event.target === event.currentTarget && setEditing(true)}>
          {crumbs.map((crumb, i) => (
            <li key={crumb.path} className="fv-crumb">
              {i > 1 && <ChevronRight size={12} aria-hidden className="fv-crumb-sep" />}
              <button type="button" className="fv-crumb-button" aria-current={i === crumbs.length - 1 ? 'location' : undefined} onClick={() => onNavigate(crumb.path)}>
                {displayName(crumb.name, 120)}
              </button>
            </li>
          ))}
        </ol>
      </nav>
      <button
        type="button"
        className="icon-button fv-edit-path"
        aria-label="Type a path"
        title="Type a path (Ctrl+L)"
        onClick={() => {
          setText(path ?? '');
          setEditing(true);
        }}
      >
        <Pencil size={13} aria-hidden />
      </button>
    </div>
  );
}
