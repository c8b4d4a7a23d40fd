/** The connect deadline that does not count time spent waiting for a person (pausableDeadline.ts). */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PausableDeadline } from '../../../../../app/main/services/engine/pausableDeadline';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('PausableDeadline', () => {
  it('expires after its time, not counting paused time', () => {
    const expired = vi.fn();
    const deadline = new PausableDeadline(1000, expired);
    vi.advanceTimersByTime(600);
    deadline.pause();
    vi.advanceTimersByTime(60_000);
    expect(expired).not.toHaveBeenCalled();
    deadline.resume();
    vi.advanceTimersByTime(399);
    expect(expired).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(expired).toHaveBeenCalledOnce();
  });

  it('runs again only when every overlapping pause has ended', () => {
    const expired = vi.fn();
    const deadline = new PausableDeadline(100, expired);
    deadline.pause();
    deadline.pause();
    deadline.resume();
    vi.advanceTimersByTime(1000);
    expect(expired).not.toHaveBeenCalled();
    deadline.resume();
    vi.advanceTimersByTime(100);
    expect(expired).toHaveBeenCalledOnce();
  });

  it('never fires once cleared, even if a pause ends after', () => {
    const expired = vi.fn();
    const deadline = new PausableDeadline(100, expired);
    deadline.pause();
    deadline.clear();
    deadline.resume();
    vi.advanceTimersByTime(1000);
    expect(expired).not.toHaveBeenCalled();
  });
});
