import { create } from 'zustand';

/** An action the command palette offers. Features and App.tsx register their own. */
export interface PaletteCommand {
  /** Unique: registering an id again replaces the earlier command. */
  id: string;
  title: string;
  /** Heading it is listed under ("Workspace", "Terminal", …). */
  group: string;
  /** More words it is found by. */
  keywords?: string[];
  /** The chord as shown to the user ("Ctrl+Shift+E"). */
  shortcut?: string;
  /** Asked each time the palette lists commands; false hides the command. */
  enabled?: () => boolean;
  run: () => void | Promise<void>;
}

interface PaletteState {
  open: boolean;
  /** In registration order. */
  commands: PaletteCommand[];
  show(): void;
  hide(): void;
  toggle(): void;
  /** Adds commands; the function returned removes exactly these again (for an effect's cleanup). */
  register(commands: PaletteCommand[]): () => void;
}

export const usePaletteStore = create<PaletteState>((set) => ({
  open: false,
  commands: [],
  show() {
    set({ open: true });
  },
  hide() {
    set({ open: false });
  },
  toggle() {
    set((s) => ({ open: !s.open }));
  },
  register(commands) {
    const added = [...commands];
    const ids = new Set(added.map((c) => c.id));
    set((s) => ({ commands: [...s.commands.filter((c) => !ids.has(c.id)), ...added] }));
    return () => set((s) => ({ commands: s.commands.filter((c) => !added.includes(c)) }));
  },
}));
