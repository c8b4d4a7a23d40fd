// @vitest-environment happy-dom
/**
 * Follow terminal (issue 16): a terminal's OSC 7 reports, kept per tab by the terminals store,
 * move a following files view of the same circuit to the folder its shell moved to last, and leave
 * the keyboard focus where it was. Until a shell of the circuit reports a folder, the toggle is
 * off, cannot be turned on, and says how to make the shell report it.
 */
import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { FilesView } from '../../../../../app/renderer/features/files/FilesView';
import { OSC7_HINT } from '../../../../../app/renderer/features/files/FollowTerminalButton';
import { startStores } from '../../../../../app/renderer/stores/startStores';
import type { TerminalTab } from '../../../../../app/renderer/stores/terminalsLogic';
import { useFilesStore } from '../../../../../app/renderer/stores/useFilesStore';
import { useTerminalsStore } from '../../../../../app/renderer/stores/useTerminalsStore';
import { useTransfersStore } from '../../../../../app/renderer/stores/useTransfersStore';
import { stubElementSizes } from '../../fakeLayout';
import { fake } from '../../fakeRpc';

vi.mock('../../../../../app/renderer/rpc', async () => (await import('../../fakeRpc')).rpcModule);

const files = fake.rpc.files;
stubElementSizes({ clientHeight: 600, clientWidth: 900, offsetHeight: 24, offsetWidth: 900 });
let stopStores: () => void;
beforeAll(() => {
  stopStores = startStores();
});
afterAll(() => stopStores());

const tab = (key: string, circuitId: string, terminalId: string): TerminalTab => ({ key, circuitId, number: 1, status: { kind: 'running', terminalId, streamId: 1 }, session: 1 });
const v = () => useFilesStore.getState().views.c1!;
const terminals = () => useTerminalsStore.getState();

beforeEach(() => {
  useFilesStore.getState().close('c1');
  files.reset();
  useTransfersStore.setState({ byId: {}, order: [], localErrors: {} });
  files.put('/home/bench', { name: 'notes.txt' });
  files.put('/tmp', { name: 'in-tmp.txt' });
  files.put('/var/log', { name: 'syslog' });
  files.put('/srv/other', { name: 'elsewhere' });
  useTerminalsStore.setState({ tabs: [tab('k1', 'c1', 't1'), tab('k2', 'c1', 't2'), tab('k3', 'c2', 't3')], active: {} });
  // Forget every shell's folder from the test before (seqs keep counting up, as in the app).
  useTerminalsStore.setState((s) => ({ cwds: { byTab: {}, last: s.cwds.last } }));
});
afterEach(() => cleanup());

async function openView(): Promise<void> {
  useFilesStore.getState().open('c1');
  await waitFor(() => expect(v().path).toBe('/home/bench'));
  await waitFor(() => expect(v().loading).toBe(false));
}

describe('terminals store: shell folders', () => {
  it('keeps each tab’s last folder; a tab that is not there reports nothing; closing a tab forgets it', async () => {
    terminals().reportCwd('k1', '/tmp');
    terminals().reportCwd('nope', '/etc');
    expect(terminals().cwds.byTab.k1?.path).toBe('/tmp');
    expect(terminals().cwds.byTab.nope).toBeUndefined();
    const before = terminals().cwds;
    terminals().reportCwd('k1', '/tmp');
    expect(terminals().cwds).toBe(before);
    await act(() => terminals().close('k1'));
    expect(terminals().cwds.byTab.k1).toBeUndefined();
  });
});

describe('files store: Follow terminal', () => {
  it('is off by default: a shell moving does not move the view', async () => {
    await openView();
    expect(v().follow).toBe(false);
    act(() => terminals().reportCwd('k1', '/tmp'));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(v().path).toBe('/home/bench');
  });

  it('on, goes at once to where the circuit’s shell last moved, then follows each move of any of its shells', async () => {
    await openView();
    act(() => terminals().reportCwd('k1', '/tmp'));
    act(() => useFilesStore.getState().setFollow('c1', true));
    await waitFor(() => expect(v().path).toBe('/tmp'));
    act(() => terminals().reportCwd('k2', '/var/log'));
    await waitFor(() => expect(v().path).toBe('/var/log'));
    await waitFor(() => expect(v().entries.map((e) => e.name)).toEqual(['syslog']));
    // Another circuit's shell is not followed.
    act(() => terminals().reportCwd('k3', '/srv/other'));
    // k1's prompt says /tmp again: no move, the view stays with k2's.
    act(() => terminals().reportCwd('k1', '/tmp'));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(v().path).toBe('/var/log');
    // Off: moves are no longer followed.
    act(() => useFilesStore.getState().setFollow('c1', false));
    act(() => terminals().reportCwd('k1', '/home/bench'));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(v().path).toBe('/var/log');
  });

  it('a folder SFTP cannot list shows its error and keeps the last listing', async () => {
    await openView();
    act(() => terminals().reportCwd('k1', '/tmp'));
    act(() => useFilesStore.getState().setFollow('c1', true));
    await waitFor(() => expect(v().path).toBe('/tmp'));
    act(() => terminals().reportCwd('k1', '/gone'));
    await waitFor(() => expect(v().error).not.toBeNull());
    expect(v().path).toBe('/tmp');
  });
});

describe('files view: the Follow terminal toggle', () => {
  it('before any shell reports a folder: not pressed, cannot be turned on, and its description says how to enable OSC 7', async () => {
    render(<FilesView circuitId="c1" targetName="target" focusNonce={null} />);
    await openView();
    const button = screen.getByRole('button', { name: 'Follow terminal' });
    expect(button.getAttribute('aria-pressed')).toBe('false');
    expect(button.getAttribute('aria-disabled')).toBe('true');
    const described = document.getElementById(button.getAttribute('aria-describedby')!)!;
    expect(described.textContent).toBe(OSC7_HINT);
    expect(OSC7_HINT).toContain('OSC 7');
    expect(OSC7_HINT).toContain('PROMPT_COMMAND');
    expect(button.getAttribute('title')).toBe(OSC7_HINT);
    fireEvent.click(button);
    expect(v().follow).toBe(false);
  });

  it('once a shell reported: pressed on click, the listing follows, and the focus stays in the terminal', async () => {
    const terminal = document.createElement('textarea');
    terminal.setAttribute('aria-label', 'Terminal input');
    document.body.append(terminal);
    render(<FilesView circuitId="c1" targetName="target" focusNonce={null} />);
    await openView();
    act(() => terminals().reportCwd('k1', '/tmp'));
    const button = screen.getByRole('button', { name: 'Follow terminal' });
    expect(button.getAttribute('aria-disabled')).toBeNull();
    expect(button.getAttribute('aria-describedby')).toBeNull();
    fireEvent.click(button);
    expect(button.getAttribute('aria-pressed')).toBe('true');
    await waitFor(() => expect(screen.getByTestId('files-view').getAttribute('data-path')).toBe('/tmp'));
    terminal.focus();
    act(() => terminals().reportCwd('k2', '/var/log'));
    await waitFor(() => expect(screen.getByTestId('files-view').getAttribute('data-path')).toBe('/var/log'));
    await waitFor(() => expect(screen.getByRole('option', { name: /^syslog,/ })).toBeTruthy());
    expect(document.activeElement).toBe(terminal);
    terminal.remove();
  });
});
