import { useEffect, useRef, useState, type KeyboardEvent as ReactKeyboardEvent } from 'react';
import type { TerminalOptions } from '../../../shared/model/profile';
import type { TerminalAppearance } from '../../../shared/model/settings';
import { describeError } from '../../stores/describeError';
import type { TerminalTab } from '../../stores/terminalsLogic';
import { useAppStore } from '../../stores/useAppStore';
import { openLink, terminalIo, useTerminalsStore } from '../../stores/useTerminalsStore';
import { LinkDialog } from './LinkDialog';
import { startNewShellScreen } from './newShellScreen';
import { PasteConfirmDialog } from './PasteConfirmDialog';
import { needsPasteConfirmation, sanitizePaste } from './pasteSafety';
import { TerminalBanner } from './TerminalBanner';
import { FONT_FAMILY, terminalShortcut, zoomFontSize, type TerminalShortcut } from './terminalSettings';
import { typing, XtermFeed } from './xtermFeed';
import { XtermHost, type RendererKind } from './xtermHost';

/** How long the container's size must hold still before the terminal refits and the PTY is resized. */
export const RESIZE_DEBOUNCE_MS = 80;
const COPY_ON_SELECT_DELAY_MS = 150;

interface TerminalViewProps {
  tab: TerminalTab;
  /** Shown (the selected tab of the circuit on screen); hidden views keep running and keep their size. */
  visible: boolean;
  options: TerminalOptions;
  /** The circuit's target, for "Starting a shell on …". */
  targetName: string;
  /** Bumped when this tab should take the keyboard focus. */
  focusNonce: number | null;
  /** Bumped when the tab strip's Find button asks this tab to search. */
  searchNonce: number | null;
  /** The terminal region's accessible name. */
  label: string;
  panelId: string;
  /** A key the app takes even from a focused terminal (tab and pane commands): xterm leaves it alone, and it bubbles to the window. */
  isAppShortcut?(event: KeyboardEvent): boolean;
  /** App-wide look: font family, cursor, bell. */
  appearance?: Pick<TerminalAppearance, 'fontFamily' | 'cursorStyle' | 'cursorBlink' | 'bell'>;
}

/** A short, quiet tone for the terminal bell (no audio file to load). */
function ringBell(): void {
  try {
    const audio = new AudioContext();
    const tone = audio.createOscillator();
    const gain = audio.createGain();
    gain.gain.value = 0.05;
    tone.frequency.value = 880;
    tone.connect(gain).connect(audio.destination);
    tone.start();
    tone.stop(audio.currentTime + 0.08);
    tone.onended = () => void audio.close();
  } catch {
    // No audio here: the bell stays silent.
  }
}

/** onBinary data: one byte per UTF-16 unit (xterm sends some mouse reports this way). */
function latin1(text: string): Uint8Array {
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i) & 0xff;
  return bytes;
}

/**
 * One tab's terminal: xterm.js on the tab's stream. Output is acked only from xterm's write
 * callback (after parsing); keystrokes go out at once; pastes are sanitised and, with line
 * breaks, confirmed; the PTY follows the container's size.
 */
export function TerminalView({ tab, visible, options, targetName, focusNonce, searchNonce, label, panelId, isAppShortcut, appearance }: TerminalViewProps) {
  const containerRef = useRef<HTMLDivElement>(null);
  const hostRef = useRef<XtermHost | null>(null);
  const feedRef = useRef<XtermFeed | null>(null);
  const visibleRef = useRef(visible);
  const statusRef = useRef(tab.status);
  const optionsRef = useRef(options);
  const appShortcutRef = useRef(isAppShortcut);
  const appearanceRef = useRef(appearance);
  const fontSizeRef = useRef(options.fontSize);
  const sessionRef = useRef(tab.session);
  const focusedNonce = useRef<number | null>(null);
  const searchInputRef = useRef<HTMLInputElement>(null);
  const [renderer, setRenderer] = useState<RendererKind | null>(null);
  const [searchOpen, setSearchOpen] = useState(false);
  const [query, setQuery] = useState('');
  const [results, setResults] = useState<{ index: number; count: number } | null>(null);
  const [pendingPaste, setPendingPaste] = useState<{ text: string; removed: number } | null>(null);
  const [pendingLink, setPendingLink] = useState<string | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const reportSize = useTerminalsStore((s) => s.reportSize);
  const reconnect = useTerminalsStore((s) => s.reconnect);
  const reportCwd = useTerminalsStore((s) => s.reportCwd);
  // The link to the backend is down: keystrokes would go nowhere (frames are not queued), so none
  // are taken, and the terminal lets go of the focus so its cursor stops looking live.
  const linkDown = useAppStore((s) => s.backendDown);
  const linkDownRef = useRef(linkDown);
  const key = tab.key;

  useEffect(() => {
    statusRef.current = tab.status;
    optionsRef.current = options;
    appShortcutRef.current = isAppShortcut;
  });

  // The terminal itself: made once per tab, disposed with it.
  useEffect(() => {
    const container = containerRef.current!;
    const host = new XtermHost(container, {
      options: optionsRef.current,
      onLink: (uri) => setPendingLink(uri),
      onRendererChange: setRenderer,
      // Where the shell is (OSC 7): kept per tab for a files view that follows the terminal.
      onCwd: (cwd) => reportCwd(key, cwd.path),
    });
    hostRef.current = host;
    const term = host.term;
    const feed = new XtermFeed(host);
    feed.setHidden(!visibleRef.current);
    feedRef.current = feed;
    const encoder = new TextEncoder();
    const send = (bytes: Uint8Array): void => {
      // Hidden terminals hold their output while the user types (xtermFeed.ts).
      typing.note();
      const status = statusRef.current;
      if (status.kind === 'running' && !linkDownRef.current && bytes.byteLength > 0) terminalIo.input(status.streamId, bytes);
    };
    let copyTimer: ReturnType<typeof setTimeout> | undefined;
    const subs = [
      term.onData((text) => send(encoder.encode(text))),
      term.onBinary((text) => send(latin1(text))),
      term.onSelectionChange(() => {
        if (!optionsRef.current.copyOnSelect) return;
        clearTimeout(copyTimer);
        copyTimer = setTimeout(() => {
          if (term.hasSelection()) void navigator.clipboard?.writeText(term.getSelection()).catch(() => undefined);
        }, COPY_ON_SELECT_DELAY_MS);
      }),
      host.search.onDidChangeResults(({ resultIndex, resultCount }) => setResults({ index: resultIndex, count: resultCount })),
    ];

    const refit = (): void => {
      const size = host.fit();
      if (size) reportSize(key, size.cols, size.rows);
    };
    const runShortcut = (shortcut: TerminalShortcut): void => {
      if (shortcut.kind === 'find') {
        setSearchOpen(true);
        // Already open: take the focus back to the box.
        searchInputRef.current?.focus();
      } else if (shortcut.kind === 'copy') {
        if (term.hasSelection()) void navigator.clipboard?.writeText(term.getSelection()).catch(() => undefined);
      } else {
        const next = zoomFontSize(fontSizeRef.current, shortcut.action, optionsRef.current.fontSize);
        fontSizeRef.current = next;
        term.options.fontSize = next;
        refit();
      }
    };
    term.attachCustomKeyEventHandler((event) => {
      // Left to bubble to the window's shortcut handler, never sent to the shell.
      if (appShortcutRef.current?.(event)) return false;
      const shortcut = terminalShortcut(event);
      if (!shortcut) return true;
      // Kept from the shell (and from the browser's own zoom) on every phase of the key.
      event.preventDefault();
      if (event.type === 'keydown') runShortcut(shortcut);
      return false;
    });

    // Paste: taken in the capture phase, before xterm's own handler on its textarea, so every
    // paste (keys, context menu, middle click) passes the checks.
    const onPaste = (event: ClipboardEvent): void => {
      event.preventDefault();
      event.stopPropagation();
      const raw = event.clipboardData?.getData('text/plain') ?? '';
      const clean = sanitizePaste(raw);
      if (!clean.text || statusRef.current.kind !== 'running' || linkDownRef.current) return;
      if (needsPasteConfirmation(clean.text, optionsRef.current.confirmMultilinePaste)) setPendingPaste(clean);
      else term.paste(clean.text);
    };
    container.addEventListener('paste', onPaste, true);

    // Another window may show this terminal too and have resized the PTY to its own size: the
    // one the user turns to (focus, a click) claims it back.
    const claimSize = (): void => {
      const size = host.fit();
      if (size) reportSize(key, size.cols, size.rows, true);
    };
    container.addEventListener('focusin', claimSize);
    container.addEventListener('pointerdown', claimSize);

    // The first size: fitted if the container is laid out. A shell waiting to start needs one
    // either way (xterm's 80x24 until the container has a size).
    const first = host.fit();
    if (first) reportSize(key, first.cols, first.rows);
    else if (statusRef.current.kind === 'starting') reportSize(key, term.cols, term.rows);

    // Every later size, once it holds still.
    let resizeTimer: ReturnType<typeof setTimeout> | undefined;
    const observer =
      typeof ResizeObserver === 'undefined'
        ? null
        : new ResizeObserver(() => {
            clearTimeout(resizeTimer);
            resizeTimer = setTimeout(refit, RESIZE_DEBOUNCE_MS);
          });
    observer?.observe(container);

    return () => {
      observer?.disconnect();
      clearTimeout(resizeTimer);
      clearTimeout(copyTimer);
      container.removeEventListener('paste', onPaste, true);
      container.removeEventListener('focusin', claimSize);
      container.removeEventListener('pointerdown', claimSize);
      for (const sub of subs) sub.dispose();
      feed.dispose();
      feedRef.current = null;
      host.dispose();
      hostRef.current = null;
    };
  }, [key, reportSize, reportCwd]);

  // The app-wide look (settings): font family, cursor; the bell as a flash or a short tone.
  useEffect(() => {
    appearanceRef.current = appearance;
    const term = hostRef.current?.term;
    if (!term || !appearance) return;
    const family = appearance.fontFamily.trim() ? `${appearance.fontFamily}, ${FONT_FAMILY}` : FONT_FAMILY;
    let refit = false;
    if (term.options.fontFamily !== family) {
      term.options.fontFamily = family;
      refit = true;
    }
    if (term.options.cursorStyle !== appearance.cursorStyle) term.options.cursorStyle = appearance.cursorStyle;
    if (term.options.cursorBlink !== appearance.cursorBlink) term.options.cursorBlink = appearance.cursorBlink;
    if (refit) {
      const size = hostRef.current?.fit();
      if (size) reportSize(key, size.cols, size.rows);
    }
  }, [appearance, key, reportSize]);
  useEffect(() => {
    const term = hostRef.current?.term;
    const container = containerRef.current;
    if (!term || !container) return;
    const sub = term.onBell(() => {
      const bell = appearanceRef.current?.bell ?? 'visual';
      if (bell === 'visual') {
        container.classList.remove('terminal-bell');
        void container.offsetWidth;
        container.classList.add('terminal-bell');
      } else if (bell === 'sound') ringBell();
    });
    return () => sub.dispose();
  }, [key]);

  const focusLostToLinkRef = useRef(false);
  useEffect(() => {
    linkDownRef.current = linkDown;
    const term = hostRef.current?.term;
    if (!term) return;
    if (linkDown) {
      focusLostToLinkRef.current = containerRef.current?.contains(document.activeElement) ?? false;
      term.blur();
    } else if (focusLostToLinkRef.current) {
      // Back: the terminal the user was typing in takes the keyboard again.
      focusLostToLinkRef.current = false;
      if (!document.activeElement || document.activeElement === document.body) term.focus();
    }
    term.options.disableStdin = linkDown;
  }, [linkDown]);

  // A hidden terminal parses only when the page has nothing more urgent to do (xtermFeed.ts).
  useEffect(() => {
    visibleRef.current = visible;
    feedRef.current?.setHidden(!visible);
  }, [visible]);

  // Output of the running shell: acked only once xterm has parsed it. A view that did not start
  // its shell (adopted after a reload, or shown in another window) and has nothing on screen yet
  // asks for the terminal's screen first; one that started it has no earlier output to get.
  const startedHereRef = useRef(tab.status.kind !== 'running');
  const wroteRef = useRef(false);
  useEffect(() => {
    if (tab.status.kind !== 'running') startedHereRef.current = true;
  }, [tab.status.kind]);
  const streamId = tab.status.kind === 'running' ? tab.status.streamId : null;
  useEffect(() => {
    const feed = feedRef.current;
    if (streamId === null || !feed) return;
    const replay = !startedHereRef.current && !wroteRef.current;
    const sub = terminalIo.attach(
      streamId,
      (bytes, processed) => {
        wroteRef.current = true;
        feed.write(bytes, processed);
      },
      { replay },
    );
    return () => sub.dispose();
  }, [streamId, key]);

  // Another window resized the PTY: show its size (so lines wrap as the remote wraps them)
  // until the user turns to this view, which claims the PTY back at its own fitted size.
  const terminalId = tab.status.kind === 'running' ? tab.status.terminalId : null;
  const ptySize = useTerminalsStore((s) => (terminalId ? s.ptySizes[terminalId] : undefined));
  const [sizedElsewhere, setSizedElsewhere] = useState<{ cols: number; rows: number } | null>(null);
  useEffect(() => {
    const host = hostRef.current;
    if (!host || !ptySize) return;
    const fitted = host.proposeSize();
    const elsewhere = !fitted || fitted.cols !== ptySize.cols || fitted.rows !== ptySize.rows;
    if (ptySize.cols !== host.term.cols || ptySize.rows !== host.term.rows) host.term.resize(ptySize.cols, ptySize.rows);
    setSizedElsewhere(elsewhere && visible ? ptySize : null);
  }, [ptySize, visible]);

  // A new shell in this tab (Reconnect): the old screen goes up whole into the scrollback under
  // a separator, its modes do not stay, and the new shell starts on a clean screen (newShellScreen.ts).
  useEffect(() => {
    const feed = feedRef.current;
    const host = hostRef.current;
    if (!feed || !host || tab.session === sessionRef.current) return;
    sessionRef.current = tab.session;
    startNewShellScreen(host.term, feed, () => !host.isDisposed);
  }, [tab.session]);

  // Profile changes: a new base font size resets the zoom; scrollback applies at once.
  useEffect(() => {
    const host = hostRef.current;
    if (!host) return;
    if (host.term.options.scrollback !== options.scrollback) host.term.options.scrollback = options.scrollback;
    if (fontSizeRef.current !== options.fontSize) {
      fontSizeRef.current = options.fontSize;
      host.term.options.fontSize = options.fontSize;
      const size = host.fit();
      if (size) reportSize(key, size.cols, size.rows);
    }
  }, [options.fontSize, options.scrollback, key, reportSize]);

  // Focus when asked (a new tab, a click on its tab), as soon as it is on screen. The dock may
  // still be revealing the panel (its container hidden for a frame or two), where focus() does
  // nothing: try again on the next frames until the focus is really here. A dialog that holds the
  // focus (a host key, an MFA code) keeps it: the terminal waits until the dialog is gone.
  useEffect(() => {
    if (focusNonce === null || !visible || focusedNonce.current === focusNonce) return;
    let tries = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let frame = 0;
    const attempt = (): void => {
      if (document.activeElement?.closest('[aria-modal="true"], [role="dialog"], [role="alertdialog"]')) {
        timer = setTimeout(attempt, 100);
        return;
      }
      hostRef.current?.term.focus();
      if (containerRef.current?.contains(document.activeElement) || ++tries >= 20) {
        focusedNonce.current = focusNonce;
        return;
      }
      frame = requestAnimationFrame(attempt);
    };
    attempt();
    return () => {
      cancelAnimationFrame(frame);
      clearTimeout(timer);
    };
  }, [focusNonce, visible]);

  // The tab strip's Find button: open the box (or take the focus back to it).
  const searchedNonce = useRef<number | null>(null);
  useEffect(() => {
    if (searchNonce === null || searchedNonce.current === searchNonce) return;
    searchedNonce.current = searchNonce;
    setSearchOpen(true);
    searchInputRef.current?.focus();
  }, [searchNonce]);

  // A view that comes back on screen fits whatever happened while it was away.
  useEffect(() => {
    if (!visible) return;
    const size = hostRef.current?.fit();
    if (size) reportSize(key, size.cols, size.rows);
  }, [visible, key, reportSize]);

  function closeSearch() {
    setSearchOpen(false);
    setResults(null);
    hostRef.current?.search.clearDecorations();
    hostRef.current?.term.focus();
  }

  function find(backwards: boolean) {
    const host = hostRef.current;
    if (!host || !query) return;
    const found = backwards ? host.findPrevious(query) : host.findNext(query);
    if (!found) setResults({ index: -1, count: 0 });
  }

  function onSearchKey(event: ReactKeyboardEvent<HTMLInputElement>) {
    if (event.key === 'Enter') {
      event.preventDefault();
      find(event.shiftKey);
    } else if (event.key === 'Escape') {
      event.preventDefault();
      closeSearch();
    }
  }

  function confirmPaste() {
    const paste = pendingPaste;
    setPendingPaste(null);
    const term = hostRef.current?.term;
    if (paste && term && statusRef.current.kind === 'running') term.paste(paste.text);
    term?.focus();
  }

  function cancelPaste() {
    setPendingPaste(null);
    hostRef.current?.term.focus();
  }

  function open(url: string) {
    setPendingLink(null);
    openLink(url).then(
      () => setNote(null),
      (error: unknown) => setNote(`The link could not be opened: ${describeError(error)}`),
    );
  }

  const resultText = results === null ? '' : results.count === 0 ? 'No matches' : results.index < 0 ? `${results.count} matches` : `${results.index + 1} of ${results.count}`;

  return (
    <div
      id={panelId}
      role="region"
      aria-label={label}
      className={`terminal-panel${visible ? '' : ' terminal-hidden'}`}
      // Hidden views stay mounted (and laid out, visibility: hidden) but are not there for anyone.
      aria-hidden={visible ? undefined : true}
      data-status={tab.status.kind}
      data-link={linkDown ? 'down' : 'up'}
      data-renderer={renderer ?? undefined}
      data-session={tab.session}
    >
      <TerminalBanner status={tab.status} targetName={targetName} onReconnect={() => void reconnect(key)} />
      {sizedElsewhere && (
        <p className="terminal-size-note" role="status">
          Sized {sizedElsewhere.cols}×{sizedElsewhere.rows} by another window. Click the terminal to fit it here.
        </p>
      )}
      {note && (
        <p role="alert" className="error terminal-note">
          {note}{' '}
          <button type="button" className="secondary small" onClick={() => setNote(null)}>
            Dismiss
          </button>
        </p>
      )}
      {searchOpen && (
        <div className="terminal-search" role="search">
          <input
            ref={searchInputRef}
            type="search"
            aria-label="Find in terminal"
            placeholder="Find in terminal"
            autoFocus
            value={query}
            onChange={(e) => {
              setQuery(e.target.value);
              if (e.target.value) hostRef.current?.findIncremental(e.target.value);
              else {
                hostRef.current?.search.clearDecorations();
                setResults(null);
              }
            }}
            onKeyDown={onSearchKey}
          />
          <span className="muted terminal-search-results" role="status">
            {resultText}
          </span>
          <button type="button" className="secondary small" onClick={() => find(true)} disabled={!query}>
            Previous match
          </button>
          <button type="button" className="secondary small" onClick={() => find(false)} disabled={!query}>
            Next match
          </button>
          <button type="button" className="secondary small" onClick={closeSearch}>
            Close search
          </button>
        </div>
      )}
      <div ref={containerRef} className="terminal-xterm" data-testid="terminal-xterm" />
      {pendingPaste && <PasteConfirmDialog text={pendingPaste.text} removed={pendingPaste.removed} onPaste={confirmPaste} onCancel={cancelPaste} />}
      {pendingLink !== null && <LinkDialog uri={pendingLink} onOpen={open} onCancel={() => setPendingLink(null)} />}
    </div>
  );
}
