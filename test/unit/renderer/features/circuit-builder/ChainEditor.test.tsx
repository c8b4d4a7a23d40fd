// @vitest-environment happy-dom
import { act, cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HOP_DRAG_TYPE, HOST_DRAG_TYPE } from '../../../../../app/renderer/components/dragTypes';
import { ChainEditor } from '../../../../../app/renderer/features/circuit-builder/ChainEditor';
import { useBuilderStore } from '../../../../../app/renderer/stores/useBuilderStore';
import { dragData } from '../../dragData';

const NAMES: Record<string, string> = { a: 'bastion', b: 'bastion-key', c: 'target', x: 'extra' };

/** The editor wired to the real builder store, as CircuitBuilder wires it (without the hosts store). */
function Harness() {
  const hostIds = useBuilderStore((s) => s.hostIds);
  const announcement = useBuilderStore((s) => s.announcement);
  const setChain = useBuilderStore((s) => s.setChain);
  const addHost = useBuilderStore((s) => s.addHost);
  return (
    <ChainEditor
      hops={hostIds.map((id) => ({ hostId: id, name: NAMES[id] ?? id, detail: `ops@${id}`, problems: [] }))}
      announcement={announcement}
      onChange={setChain}
      onInsertHost={(id, index) => addHost(id, NAMES[id] ?? id, index)}
    />
  );
}

function hopNames(): string[] {
  const list = screen.getByRole('list', { name: 'Circuit hops' });
  return within(list)
    .getAllByRole('listitem')
    .map((li) => li.querySelector('.hop-name')?.textContent ?? '');
}

function announcement(): string {
  return screen.getByTestId('builder-announcement').textContent ?? '';
}

beforeEach(() => useBuilderStore.setState({ hostIds: ['a', 'b', 'c'], profile: null, announcement: '' }));
afterEach(cleanup);

describe('ChainEditor drag and drop', () => {
  it('inserts a host dragged from the library at the gap it is dropped on', () => {
    render(<Harness />);
    const zone = screen.getByTestId('drop-zone-1');
    const data = dragData({ [HOST_DRAG_TYPE]: 'x' });
    fireEvent.dragEnter(zone, { dataTransfer: data });
    fireEvent.dragOver(zone, { dataTransfer: data });
    fireEvent.drop(zone, { dataTransfer: data });
    expect(hopNames()).toEqual(['bastion', 'extra', 'bastion-key', 'target']);
    expect(announcement()).toBe('extra added at position 2 of 4');
  });

  it('accepts the drag only for Hopline types (dragover is cancelled to allow the drop)', () => {
    render(<Harness />);
    const zone = screen.getByTestId('drop-zone-0');
    expect(fireEvent.dragOver(zone, { dataTransfer: dragData({ [HOST_DRAG_TYPE]: 'x' }) })).toBe(false);
    expect(fireEvent.dragOver(zone, { dataTransfer: dragData({ 'text/plain': 'x' }) })).toBe(true);
  });

  it('inserts at the front and at the end', () => {
    render(<Harness />);
    fireEvent.drop(screen.getByTestId('drop-zone-0'), { dataTransfer: dragData({ [HOST_DRAG_TYPE]: 'x' }) });
    expect(hopNames()[0]).toBe('extra');
    fireEvent.drop(screen.getByTestId('drop-zone-4'), { dataTransfer: dragData({ [HOST_DRAG_TYPE]: 'x' }) });
    expect(hopNames()).toEqual(['extra', 'bastion', 'bastion-key', 'target', 'extra']);
  });

  it('reorders a hop dragged to another gap', () => {
    render(<Harness />);
    const data = dragData();
    const first = screen.getByRole('listitem', { name: 'Hop 1 of 3: bastion' });
    fireEvent.dragStart(first, { dataTransfer: data });
    expect(data.getData(HOP_DRAG_TYPE)).toBe('0');
    fireEvent.dragOver(screen.getByTestId('drop-zone-3'), { dataTransfer: data });
    fireEvent.drop(screen.getByTestId('drop-zone-3'), { dataTransfer: data });
    expect(hopNames()).toEqual(['bastion-key', 'target', 'bastion']);
    expect(announcement()).toBe('bastion moved to position 3 of 3');
  });

  it('offers one drop zone with a hint when the chain is empty', () => {
    useBuilderStore.setState({ hostIds: [] });
    render(<Harness />);
    expect(screen.getByTestId('drop-zone-0').textContent).toMatch(/Drag a host here/);
    fireEvent.drop(screen.getByTestId('drop-zone-0'), { dataTransfer: dragData({ [HOST_DRAG_TYPE]: 'a' }) });
    expect(hopNames()).toEqual(['bastion']);
  });
});

describe('ChainEditor keyboard', () => {
  it('moves the focused hop with Alt+Arrow keys, announces it, and keeps focus on it', () => {
    render(<Harness />);
    const hop = screen.getByRole('listitem', { name: 'Hop 2 of 3: bastion-key' });
    act(() => hop.focus());
    fireEvent.keyDown(hop, { key: 'ArrowUp', altKey: true });
    expect(hopNames()).toEqual(['bastion-key', 'bastion', 'target']);
    expect(announcement()).toBe('bastion-key moved to position 1 of 3');
    expect(document.activeElement).toBe(screen.getByRole('listitem', { name: 'Hop 1 of 3: bastion-key' }));

    fireEvent.keyDown(document.activeElement!, { key: 'ArrowRight', altKey: true });
    fireEvent.keyDown(document.activeElement!, { key: 'ArrowDown', altKey: true });
    expect(hopNames()).toEqual(['bastion', 'target', 'bastion-key']);
    expect(announcement()).toBe('bastion-key moved to position 3 of 3');

    fireEvent.keyDown(document.activeElement!, { key: 'ArrowLeft', altKey: true });
    expect(hopNames()).toEqual(['bastion', 'bastion-key', 'target']);
    expect(announcement()).toBe('bastion-key moved to position 2 of 3');
  });

  it('says so instead of moving past the ends', () => {
    render(<Harness />);
    fireEvent.keyDown(screen.getByRole('listitem', { name: 'Hop 1 of 3: bastion' }), { key: 'ArrowUp', altKey: true });
    expect(hopNames()).toEqual(['bastion', 'bastion-key', 'target']);
    expect(announcement()).toMatch(/bastion is already first/);
  });

  it('does not move without Alt', () => {
    render(<Harness />);
    fireEvent.keyDown(screen.getByRole('listitem', { name: 'Hop 1 of 3: bastion' }), { key: 'ArrowDown' });
    expect(hopNames()).toEqual(['bastion', 'bastion-key', 'target']);
  });

  it('removes the focused hop with Delete or Backspace', () => {
    render(<Harness />);
    fireEvent.keyDown(screen.getByRole('listitem', { name: 'Hop 2 of 3: bastion-key' }), { key: 'Delete' });
    expect(hopNames()).toEqual(['bastion', 'target']);
    expect(announcement()).toBe('bastion-key removed; 2 hops left');
    fireEvent.keyDown(screen.getByRole('listitem', { name: 'Hop 1 of 2: bastion' }), { key: 'Backspace' });
    expect(hopNames()).toEqual(['target']);
  });

  it('removes with the Remove button', () => {
    render(<Harness />);
    fireEvent.click(screen.getByRole('button', { name: 'Remove target from circuit' }));
    expect(hopNames()).toEqual(['bastion', 'bastion-key']);
  });
});
