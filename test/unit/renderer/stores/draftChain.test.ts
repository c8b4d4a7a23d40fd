import { describe, expect, it } from 'vitest';
import { insertAt, moveItem, positionMessage, removeAt, targetOfGap } from '../../../../app/renderer/stores/draftChain';

describe('draft chain operations', () => {
  it('inserts at a position, clamped to the ends', () => {
    expect(insertAt(['a', 'b'], 1, 'x')).toEqual(['a', 'x', 'b']);
    expect(insertAt(['a', 'b'], 9, 'x')).toEqual(['a', 'b', 'x']);
    expect(insertAt(['a', 'b'], -1, 'x')).toEqual(['x', 'a', 'b']);
  });

  it('moves and removes', () => {
    expect(moveItem(['a', 'b', 'c'], 0, 2)).toEqual(['b', 'c', 'a']);
    expect(moveItem(['a', 'b', 'c'], 2, 0)).toEqual(['c', 'a', 'b']);
    expect(removeAt(['a', 'b', 'c'], 1)).toEqual(['a', 'c']);
  });

  it('maps a drop gap to the final index of a dragged item', () => {
    // Dragging hop 0 to the gap after hop 2 (gap 3) ends at index 2.
    expect(targetOfGap(0, 3)).toBe(2);
    expect(targetOfGap(2, 0)).toBe(0);
    expect(targetOfGap(1, 1)).toBe(1);
  });

  it('words positions from 1', () => {
    expect(positionMessage('bastion-key', 'moved to', 1, 3)).toBe('bastion-key moved to position 2 of 3');
  });
});
