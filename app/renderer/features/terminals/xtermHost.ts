/**
 * One xterm.js terminal with its addons, opened in a container: fit, search, web links,
 * Unicode 11 widths, and the WebGL renderer when the GPU allows it (falling back to xterm's
 * DOM renderer if it cannot start or its context is lost later). Queries whose replies would
 * "type" for the remote host are silenced (querySilencer.ts); the shell's OSC 7 working-directory
 * reports are parsed (osc7.ts) and handed on.
 *
 * Not React: TerminalView owns one of these per mounted tab.
 */
import { FitAddon } from '@xterm/addon-fit';
import { SearchAddon, type ISearchOptions } from '@xterm/addon-search';
import { Unicode11Addon } from '@xterm/addon-unicode11';
import { WebLinksAddon } from '@xterm/addon-web-links';
import type { WebglAddon } from '@xterm/addon-webgl';
import { Terminal, type IDisposable } from '@xterm/xterm';
import '@xterm/xterm/css/xterm.css';
import type { TerminalOptions } from '../../../shared/model/profile';
import { spaceFloodFrames } from './floodFrames';
import { watchShellCwd, type ShellCwd } from './osc7';
import { silenceQueries } from './querySilencer';
import { xtermOptions } from './terminalSettings';

export type RendererKind = 'webgl' | 'dom';

export interface XtermHostOptions {
  options: TerminalOptions;
  /** A link was activated (detected in the output, or an OSC 8 hyperlink): the URI as the remote wrote it. */
  onLink(uri: string): void;
  /** Which renderer draws: told once the WebGL attempt settles, and again if WebGL loses its context. */
  onRendererChange?(kind: RendererKind): void;
  /** The shell said where it is (OSC 7, parsed and checked by osc7.ts). */
  onCwd?(cwd: ShellCwd): void;
}

const SEARCH_DECORATIONS: ISearchOptions['decorations'] = {
  matchBackground: '#5a4a16',
  matchOverviewRuler: '#c9a227',
  activeMatchBackground: '#b07d12',
  activeMatchColorOverviewRuler: '#f5c15c',
};

export class XtermHost implements IDisposable {
  readonly term: Terminal;
  private readonly fitAddon = new FitAddon();
  readonly search = new SearchAddon({ highlightLimit: 1000 });
  private readonly subs: IDisposable[] = [];
  private webgl: WebglAddon | null = null;
  private disposed = false;
  private _renderer: RendererKind = 'dom';
  private readonly floodFrames: ReturnType<typeof spaceFloodFrames>;

  constructor(private readonly container: HTMLElement, private readonly host: XtermHostOptions) {
    this.term = new Terminal(xtermOptions(host.options, { activate: (_event, uri) => host.onLink(uri), allowNonHttpProtocols: false }));
    this.term.loadAddon(this.fitAddon);
    this.term.loadAddon(this.search);
    this.term.loadAddon(new WebLinksAddon((_event, uri) => host.onLink(uri)));
    this.term.loadAddon(new Unicode11Addon());
    this.term.unicode.activeVersion = '11';
    this.subs.push(silenceQueries(this.term.parser));
    this.subs.push(watchShellCwd(this.term.parser, (cwd) => host.onCwd?.(cwd)));
    this.term.open(container);
    this.floodFrames = spaceFloodFrames(this.term);
    this.subs.push(this.term.onData(() => this.floodFrames?.typed()), this.term.onBinary(() => this.floodFrames?.typed()));
    this.tryWebgl();
  }

  /** Output for xterm (the feed's only way in), counted for the DOM renderer's flood frames. */
  write(data: Uint8Array | string, callback?: () => void): void {
    // WebGL draws a frame for little: only the DOM renderer's frames are spaced out.
    if (this._renderer === 'dom') this.floodFrames?.written(data.length);
    this.term.write(data, callback);
  }

  get renderer(): RendererKind {
    return this._renderer;
  }

  /**
   * WebGL when available; any failure leaves xterm's DOM renderer in place. The addon is its own
   * chunk, loaded on first use: the terminal renders with the DOM renderer until it is in.
   */
  private tryWebgl(): void {
    import('@xterm/addon-webgl').then(
      ({ WebglAddon }) => {
        if (!this.disposed) this.loadWebgl(() => new WebglAddon());
      },
      () => {
        if (!this.disposed) this.host.onRendererChange?.('dom');
      },
    );
  }

  private loadWebgl(create: () => WebglAddon): void {
    let addon: WebglAddon | null = null;
    try {
      addon = create();
      const loaded = addon;
      this.subs.push(
        loaded.onContextLoss(() => {
          // The GPU went away (driver reset, too many contexts): back to the DOM renderer for good.
          this.dropWebgl();
        }),
      );
      this.term.loadAddon(loaded);
      this.webgl = loaded;
      this._renderer = 'webgl';
      this.host.onRendererChange?.('webgl');
    } catch {
      // No WebGL2 (headless, --disable-gpu, blocklisted driver): the DOM renderer stays.
      try {
        addon?.dispose();
      } catch {
        // Half-activated: nothing more to undo.
      }
      this.webgl = null;
      this._renderer = 'dom';
      this.host.onRendererChange?.('dom');
    }
  }

  private dropWebgl(): void {
    const addon = this.webgl;
    this.webgl = null;
    this._renderer = 'dom';
    try {
      addon?.dispose();
    } catch {
      // Already torn down with its context.
    }
    this.host.onRendererChange?.('dom');
  }

  /** The size that fits the container now, or null when it has none (hidden, not laid out). */
  proposeSize(): { cols: number; rows: number } | null {
    // A hidden or collapsed container would "fit" one row: no size is not a size.
    if (this.container.clientWidth === 0 || this.container.clientHeight === 0) return null;
    const dims = this.fitAddon.proposeDimensions();
    if (!dims || !Number.isFinite(dims.cols) || !Number.isFinite(dims.rows) || dims.cols < 2 || dims.rows < 1) return null;
    return { cols: dims.cols, rows: dims.rows };
  }

  /** Fits the terminal to its container; returns the size, or null if the container has none. */
  fit(): { cols: number; rows: number } | null {
    const size = this.proposeSize();
    if (!size) return null;
    if (size.cols !== this.term.cols || size.rows !== this.term.rows) this.term.resize(size.cols, size.rows);
    return size;
  }

  findNext(query: string): boolean {
    return this.search.findNext(query, { decorations: SEARCH_DECORATIONS });
  }

  /** As the query is typed: stays on the current match while it still matches. */
  findIncremental(query: string): boolean {
    return this.search.findNext(query, { incremental: true, decorations: SEARCH_DECORATIONS });
  }

  findPrevious(query: string): boolean {
    return this.search.findPrevious(query, { decorations: SEARCH_DECORATIONS });
  }

  /** True once the view closed: a late write callback must leave the terminal alone. */
  get isDisposed(): boolean {
    return this.disposed;
  }

  dispose(): void {
    this.disposed = true;
    this.floodFrames?.dispose();
    for (const sub of this.subs.splice(0)) sub.dispose();
    this.webgl = null;
    this.term.dispose();
  }
}
