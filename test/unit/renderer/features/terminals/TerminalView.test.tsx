// @vitest-environment happy-dom
/**
 * A terminal view with the real xterm.js in happy-dom (no canvas, no WebGL: the view falls back
 * to the DOM renderer, which is what these tests see) and the fake rpc's terminal streams, driven
 * by the real terminals store. The workspace's dock provides the tabs; here a tiny harness renders
 * one view per tab of the store, the selected tab of each circuit visible.
 */
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { resolveTerminalOptions } from '../../../../../app/renderer/features/terminals/terminalSettings';
import { TerminalView } from '../../../../../app/renderer/features/terminals/TerminalView';
import { effectiveChords, shortcutFor } from '../../../../../app/renderer/stores/shortcuts';
import { activeKey, BACKEND_RESTARTED, ENDED_BY_USER } from '../../../../../app/renderer/stores/terminalsLogic';
import { useAppStore } from '../../../../../app/renderer/stores/useAppStore';
import { useCircuitsStore } from '../../../../../app/renderer/stores/useCircuitsStore';
import { useProfilesStore } from '../../../../../app/renderer/stores/useProfilesStore';
import { useTerminalsStore } from '../../../../../app/renderer/stores/useTerminalsStore';
import type { CircuitSummary } from '../../../../../app/shared/model/hop';
import { TERMINAL_DEFAULTS } from '../../../../../app/shared/model/profile';
import { fake } from '../../fakeRpc';
import { startStores } from '../../../../../app/renderer/stores/startStores';

vi.mock('../../../../../app/renderer/rpc', async () => (await import('../../fakeRpc')).rpcModule);

// The stores' feeds (contract events, the link's state), as main.tsx starts them.
let stopStores: () => void;
beforeAll(() => {
  stopStores = startStores();
});
afterAll(() => stopStores());

let n = 0;
let circuit: CircuitSummary;

/** One view per tab of the store, as the dock would show them: the selected tab of its circuit visible. */
function Harness({ isAppShortcut }: { isAppShortcut?(event: KeyboardEvent): boolean }) {
  const tabs = useTerminalsStore((s) => s.tabs);
  const active = useTerminalsStore((s) => s.active);
  const focus = useTerminalsStore((s) => s.focus);
  const search = useTerminalsStore((s) => s.search);
  const circuits = useCircuitsStore((s) => s.circuits);
  const profiles = useProfilesStore((s) => s.profiles);
  return tabs.map((t) => {
    const c = circuits[t.circuitId];
    const profile = c?.profileId ? profiles.find((p) => p.id === c.profileId) : undefined;
    const names = c?.hopNames ?? [];
    return (
      <TerminalView
        key={t.key}
        tab={t}
        visible={activeKey({ tabs, active }, t.circuitId) === t.key}
        options={resolveTerminalOptions(profile?.terminal)}
        targetName={names[names.length - 1] ?? 'the target'}
        focusNonce={focus?.key === t.key ? focus.n : null}
        searchNonce={search?.key === t.key ? search.n : null}
        label={`Terminal ${t.number}`}
        panelId={`p-${t.key}`}
        {...(isAppShortcut ? { isAppShortcut } : {})}
      />
    );
  });
}

beforeEach(() => {
  vi.clearAllMocks();
  circuit = { id: `view-c${++n}`, hostIds: ['h1', 'h2', 'h3'], profileId: 'p1', hopNames: ['bastion', 'inner', 'target'], state: 'open', error: null };
  useTerminalsStore.setState({ tabs: [], active: {}, ptySizes: {}, focus: null, search: null });
  useProfilesStore.setState({ profiles: [{ id: 'p1', name: 'lab', folder: '', tags: [], hostIds: circuit.hostIds, terminal: { ...TERMINAL_DEFAULTS } }] });
  useCircuitsStore.setState({ circuits: { [circuit.id]: circuit }, hops: {}, currentId: circuit.id, pending: null, openError: null, hostKeyAlerts: [], dismissedAlerts: [] });
});
afterEach(cleanup);

/** The visible view of terminal `number` (hidden views are aria-hidden, so not found by role). */
const panel = (number = 1) => screen.getByRole('region', { name: `Terminal ${number}` });

/** Terminal `number` (numbers are per circuit; these tests use one circuit at a time, which a Reconnect replaces). */
function tabOf(number: number) {
  return useTerminalsStore.getState().tabs.find((t) => t.number === number)!;
}

function streamOf(number: number): number {
  const tab = tabOf(number);
  if (tab.status.kind !== 'running') throw new Error(`tab ${number} is ${tab.status.kind}`);
  return tab.status.streamId;
}

function terminalIdOf(number: number): string {
  const tab = tabOf(number);
  if (tab.status.kind !== 'running') throw new Error(`tab ${number} is ${tab.status.kind}`);
  return tab.status.terminalId;
}

/** Opens a terminal on the circuit and waits until it runs; returns its number. */
async function openTerminal(): Promise<number> {
  let key = '';
  act(() => void (key = useTerminalsStore.getState().openTab(circuit.id)));
  const number = useTerminalsStore.getState().tabs.find((t) => t.key === key)!.number;
  await waitFor(() => expect(panel(number).getAttribute('data-status')).toBe('running'));
  return number;
}

function textarea(number = 1): HTMLTextAreaElement {
  return panel(number).querySelector('textarea.xterm-helper-textarea')!;
}

function paste(text: string): void {
  const data = new DataTransfer();
  data.setData('text/plain', text);
  const event = new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true });
  act(() => void textarea().dispatchEvent(event));
}

const decoded = () => fake.terminalStreams.input.mock.calls.map(([, bytes]) => new TextDecoder().decode(bytes)).join('');

describe('TerminalView', () => {
  it('is a region named by its label; the shell starts at the view\'s size, on the DOM renderer here', async () => {
    render(<Harness />);
    await openTerminal();
    const view = panel();
    expect(view.id).toBe(`p-${tabOf(1).key}`);
    expect(view.getAttribute('role')).toBe('region');
    // The shell started at the view's size (xterm's 80x24 here: happy-dom lays nothing out).
    expect(fake.rpc.terminals.open).toHaveBeenCalledWith({ circuitId: circuit.id, cols: 80, rows: 24 });
    // The WebGL renderer cannot start here: the DOM renderer stays.
    await waitFor(() => expect(panel().getAttribute('data-renderer')).toBe('dom'));
  });

  it('says it is starting a shell on the target while its circuit comes up', () => {
    const opening = { ...circuit, state: 'opening' as const };
    useCircuitsStore.setState({ circuits: { [circuit.id]: opening } });
    render(<Harness />);
    act(() => void useTerminalsStore.getState().openTab(circuit.id));
    expect(panel().getAttribute('data-status')).toBe('starting');
    expect(within(panel()).getByRole('status').textContent).toBe('Starting a shell on target…');
    expect(fake.rpc.terminals.open).not.toHaveBeenCalled();
  });

  it('writes output to xterm and acks it only once xterm has processed it', async () => {
    render(<Harness />);
    await openTerminal();
    const streamId = streamOf(1);
    expect(fake.terminalStreams.attachedStreams).toContain(streamId);
    const bytes = new TextEncoder().encode('hello from the target\r\n');
    act(() => void fake.terminalStreams.emit(streamId, bytes));
    // Not synchronously: xterm parses in its own time.
    expect(fake.terminalStreams.ack).not.toHaveBeenCalled();
    await waitFor(() => expect(fake.terminalStreams.ack).toHaveBeenCalledWith(streamId, bytes.length));
    await waitFor(() => expect(panel().querySelector('.xterm-rows')?.textContent).toContain('hello from the target'));
  });

  it('shows the size another window gave the PTY, until the PTY has this view\'s size again', async () => {
    render(<Harness />);
    await openTerminal();
    const terminalId = terminalIdOf(1);
    const cells = () => panel().querySelectorAll('.xterm-rows > div').length;
    const own = cells();
    act(() => fake.events.terminalResized.fire({ terminalId, cols: 50, rows: 7 }));
    // Rows as the remote now wraps them, and a word on why.
    await waitFor(() => expect(cells()).toBe(7));
    expect(within(panel()).getByRole('status').textContent).toContain('Sized 50×7 by another window');
    // (Clicking claims the PTY with the view's fitted size; happy-dom lays nothing out, so that
    // path is covered by the store test and in Chromium.) The PTY back at this view's size:
    act(() => fake.events.terminalResized.fire({ terminalId, cols: 80, rows: own }));
    await waitFor(() => expect(cells()).toBe(own));
  });

  it('sends keystrokes at once', async () => {
    render(<Harness />);
    await openTerminal();
    fireEvent.keyDown(textarea(), { key: 'l', code: 'KeyL', keyCode: 76 });
    fireEvent.keyDown(textarea(), { key: 'Enter', code: 'Enter', keyCode: 13 });
    expect(decoded()).toBe('l\r');
    expect(fake.terminalStreams.input.mock.calls.every(([id]) => id === streamOf(1))).toBe(true);
  });

  it('leaves the app\'s shortcuts to the app: they never reach the shell, the shell\'s keys still do', async () => {
    // The workspace's own test: the default chords, as seen from inside a terminal.
    const isAppShortcut = vi.fn((event: KeyboardEvent) => shortcutFor(event, effectiveChords({}), { mac: false, inTerminal: true }) !== null);
    const atWindow = vi.fn((_event: KeyboardEvent) => undefined);
    window.addEventListener('keydown', atWindow);
    try {
      render(<Harness isAppShortcut={isAppShortcut} />);
      await openTerminal();
      fireEvent.keyDown(textarea(), { key: 'T', code: 'KeyT', keyCode: 84, ctrlKey: true, shiftKey: true });
      expect(isAppShortcut).toHaveReturnedWith(true);
      // F6 is a key xterm would send (see below): claimed by the app, it is not sent either.
      fireEvent.keyDown(textarea(), { key: 'F6', code: 'F6', keyCode: 117 });
      expect(fake.terminalStreams.input).not.toHaveBeenCalled();
      // Left to bubble to the window's shortcut handler.
      expect(atWindow).toHaveBeenCalledWith(expect.objectContaining({ code: 'KeyT', ctrlKey: true, shiftKey: true }));
      expect(atWindow).toHaveBeenCalledWith(expect.objectContaining({ code: 'F6' }));
      // Ctrl+C, and Ctrl+K (the palette outside a terminal, readline's kill-line in one), go to the shell.
      fireEvent.keyDown(textarea(), { key: 'c', code: 'KeyC', keyCode: 67, ctrlKey: true });
      fireEvent.keyDown(textarea(), { key: 'k', code: 'KeyK', keyCode: 75, ctrlKey: true });
      expect(decoded()).toBe('\x03\x0b');
    } finally {
      window.removeEventListener('keydown', atWindow);
    }
  });

  it('sends every key to the shell when the app claims none', async () => {
    // The counterpart of the test above: the same F6 does reach the shell without isAppShortcut.
    render(<Harness />);
    await openTerminal();
    fireEvent.keyDown(textarea(), { key: 'F6', code: 'F6', keyCode: 117 });
    expect(decoded()).toBe('\x1b[17~');
  });

  it('pastes sanitised text: ESC and other controls never reach the shell', async () => {
    render(<Harness />);
    await openTerminal();
    paste('echo hi\x1b[201~; rm -rf ~\x07');
    expect(decoded()).toBe('echo hi[201~; rm -rf ~');
  });

  it('asks before a multi-line paste: Cancel sends nothing, Paste sends it', async () => {
    render(<Harness />);
    await openTerminal();
    paste('echo one\necho two\n');
    const dialog = screen.getByRole('alertdialog', { name: 'Paste 2 lines into the terminal?' });
    expect(within(dialog).getByLabelText('Text to paste').textContent).toBe('echo one\necho two\n');
    fireEvent.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(screen.queryByRole('alertdialog')).toBeNull();
    expect(fake.terminalStreams.input).not.toHaveBeenCalled();
    paste('echo one\x1b\necho two');
    fireEvent.click(screen.getByRole('button', { name: 'Paste' }));
    // xterm sends line breaks as CR, as a keyboard would.
    expect(decoded()).toBe('echo one\recho two');
  });

  it('pastes multi-line text without asking when the profile says so', async () => {
    useProfilesStore.setState({ profiles: [{ id: 'p1', name: 'lab', folder: '', tags: [], hostIds: circuit.hostIds, terminal: { ...TERMINAL_DEFAULTS, confirmMultilinePaste: false } }] });
    render(<Harness />);
    await openTerminal();
    paste('a\nb');
    expect(screen.queryByRole('alertdialog')).toBeNull();
    expect(decoded()).toBe('a\rb');
  });

  it('shows a lost connection with the failing hop, and Reconnect repairs the same circuit', async () => {
    render(<Harness />);
    await openTerminal();
    const key = tabOf(1).key;
    const terminalId = terminalIdOf(1);
    const lost = { code: 'HOP_LOST' as const, message: 'Hop 2 (inner) closed the connection', hop: { index: 1, name: 'inner' } };
    act(() => fake.events.terminalEnded.fire({ terminalId, reason: lost }));
    act(() => useCircuitsStore.setState((s) => ({ circuits: { ...s.circuits, [circuit.id]: { ...circuit, state: 'failed', error: lost } } })));
    expect(panel().getAttribute('data-status')).toBe('ended');
    const banner = within(panel()).getByRole('alert');
    expect(banner.textContent).toContain('Connection lost at hop 2 (inner)');
    expect(within(banner).getByTestId('terminal-end-message').getAttribute('data-code')).toBe('HOP_LOST');
    expect(within(banner).getByTestId('terminal-end-message').querySelector('.error-sentence')!.textContent).toBe('Hop 2 (inner) closed the connection.');
    // Input after the end goes nowhere.
    fireEvent.keyDown(textarea(), { key: 'x', code: 'KeyX', keyCode: 88 });
    expect(fake.terminalStreams.input).not.toHaveBeenCalled();

    fake.rpc.circuits.repair.mockImplementationOnce(async (id: string) => ({ ...circuit, id, state: 'open' as const, error: null }));
    fireEvent.click(within(banner).getByRole('button', { name: 'Reconnect' }));
    // The failed circuit is repaired under its own id (the engine reuses the hops still up).
    await waitFor(() => expect(fake.rpc.circuits.repair).toHaveBeenCalledWith(circuit.id));
    expect(fake.rpc.circuits.open).not.toHaveBeenCalled();
    await waitFor(() => expect(panel().getAttribute('data-status')).toBe('running'));
    // The same view (same tab, same circuit), with its second shell.
    expect(panel().getAttribute('data-session')).toBe('2');
    expect(useTerminalsStore.getState().tabs).toEqual([expect.objectContaining({ key, circuitId: circuit.id, number: 1 })]);
    expect(screen.getAllByRole('region')).toHaveLength(1);
    // The new shell's stream is the one attached.
    expect(fake.terminalStreams.attachedStreams).toContain(streamOf(1));
  });

  it('shows the remote exit status above the terminal, with a new shell on offer', async () => {
    render(<Harness />);
    await openTerminal();
    act(() => fake.events.terminalExited.fire({ terminalId: terminalIdOf(1), exitCode: 3, signal: null }));
    expect(panel().getAttribute('data-status')).toBe('exited');
    expect(within(panel()).getByRole('status').textContent).toContain('The shell exited with status 3.');
    fireEvent.click(within(panel()).getByRole('button', { name: 'Start a new shell' }));
    // The circuit is still open: a new shell on it, without opening the circuit again.
    await waitFor(() => expect(panel().getAttribute('data-status')).toBe('running'));
    expect(panel().getAttribute('data-session')).toBe('2');
    expect(fake.rpc.circuits.open).not.toHaveBeenCalled();
    expect(fake.rpc.terminals.open).toHaveBeenCalledTimes(2);
  });

  it('keeps a hidden terminal mounted: showing it again finds its screen intact', async () => {
    render(<Harness />);
    await openTerminal();
    act(() => void fake.terminalStreams.emit(streamOf(1), new TextEncoder().encode('first screen')));
    await openTerminal();
    // The second is selected: the first is hidden (and aria-hidden), not gone.
    expect(screen.queryByRole('region', { name: 'Terminal 1' })).toBeNull();
    expect(document.querySelectorAll('.terminal-panel')).toHaveLength(2);
    expect(document.querySelectorAll('.terminal-panel.terminal-hidden')).toHaveLength(1);
    act(() => useTerminalsStore.getState().activate(tabOf(1).key));
    await waitFor(() => expect(panel(1).querySelector('.xterm-rows')?.textContent).toContain('first screen'));
    expect(panel(1).className).not.toContain('terminal-hidden');
    expect(screen.queryByRole('region', { name: 'Terminal 2' })).toBeNull();
  });

  it('opens the find box when asked (searchNonce)', async () => {
    render(<Harness />);
    await openTerminal();
    expect(screen.queryByRole('searchbox')).toBeNull();
    act(() => useTerminalsStore.getState().requestSearch(tabOf(1).key));
    const box = within(panel()).getByRole('searchbox', { name: 'Find in terminal' });
    fireEvent.change(box, { target: { value: 'needle' } });
    expect(within(panel()).getByRole('button', { name: 'Next match' })).toHaveProperty('disabled', false);
    fireEvent.click(within(panel()).getByRole('button', { name: 'Close search' }));
    expect(screen.queryByRole('searchbox')).toBeNull();
    // The same nonce does not open it again; a new request does.
    act(() => useTerminalsStore.setState((s) => ({ tabs: [...s.tabs] })));
    expect(screen.queryByRole('searchbox')).toBeNull();
    act(() => useTerminalsStore.getState().requestSearch(tabOf(1).key));
    expect(screen.getByRole('searchbox', { name: 'Find in terminal' })).toBeTruthy();
  });
});

describe('TerminalView when things go wrong', () => {
  afterEach(() => useAppStore.setState({ backendDown: false }));

  it('takes no keystrokes or pastes while the backend is unreachable, lets go of the focus, and takes them again once it is back', async () => {
    render(<Harness />);
    await openTerminal();
    textarea().focus();
    act(() => useAppStore.setState({ backendDown: true }));
    expect(panel().getAttribute('data-link')).toBe('down');
    // The cursor stops looking live: the terminal no longer holds the focus.
    expect(document.activeElement).not.toBe(textarea());
    fireEvent.keyDown(textarea(), { key: 'l', code: 'KeyL', keyCode: 76 });
    paste('echo lost');
    expect(fake.terminalStreams.input).not.toHaveBeenCalled();
    act(() => useAppStore.setState({ backendDown: false }));
    expect(panel().getAttribute('data-link')).toBe('up');
    // The terminal the user was typing in has the keyboard again.
    expect(document.activeElement).toBe(textarea());
    fireEvent.keyDown(textarea(), { key: 'l', code: 'KeyL', keyCode: 76 });
    expect(decoded()).toBe('l');
  });

  it('a Disconnect by the user ends the tab plainly ("you disconnected"), not as an error', async () => {
    render(<Harness />);
    await openTerminal();
    const key = tabOf(1).key;
    act(() => useTerminalsStore.setState((s) => ({ tabs: s.tabs.map((t) => (t.key === key ? { ...t, status: { kind: 'ended' as const, terminalId: 'x', reason: ENDED_BY_USER, cause: 'user' as const } } : t)) })));
    expect(within(panel()).queryByRole('alert')).toBeNull();
    expect(within(panel()).getByRole('status').textContent).toMatch(/^You disconnected this terminal; its shell has ended\./);
    expect(within(panel()).queryByText('DISCONNECTED')).toBeNull();
    expect(within(panel()).getByRole('button', { name: 'Reconnect' })).toBeTruthy();
  });

  it('a shell lost to a backend restart says so, with Reconnect', async () => {
    render(<Harness />);
    await openTerminal();
    const key = tabOf(1).key;
    act(() => useTerminalsStore.setState((s) => ({ tabs: s.tabs.map((t) => (t.key === key ? { ...t, status: { kind: 'ended' as const, terminalId: 'x', reason: BACKEND_RESTARTED, cause: 'backend-restarted' as const } } : t)) })));
    const alert = within(panel()).getByRole('alert');
    expect(alert.textContent).toMatch(/Hopline’s backend restarted, so this shell ended\./);
    fake.rpc.circuits.open.mockReturnValueOnce(new Promise(() => undefined));
    useCircuitsStore.setState((s) => ({ circuits: { ...s.circuits, [circuit.id]: { ...circuit, state: 'closed' } } }));
    fireEvent.click(within(alert).getByRole('button', { name: 'Reconnect' }));
    expect(fake.rpc.circuits.open).toHaveBeenCalledWith(expect.objectContaining({ hostIds: circuit.hostIds, profileId: 'p1' }));
    // The new shell's screen is prepared from xterm's write callback: let it run before the view goes.
    await act(async () => {
      await new Promise((resolve) => setTimeout(resolve, 50));
    });
  });
});
