/**
 * happy-dom does no layout. For the tests of a file, every element gets a size, so a virtual list
 * sees a 600 px viewport of 28 px rows.
 */
import { afterAll, beforeAll } from 'vitest';

export function stubElementSizes(sizes: Record<string, number> = { clientHeight: 600, clientWidth: 280, offsetHeight: 28, offsetWidth: 280 }): void {
  const saved = new Map<string, PropertyDescriptor | undefined>();
  beforeAll(() => {
    for (const [name, value] of Object.entries(sizes)) {
      saved.set(name, Object.getOwnPropertyDescriptor(HTMLElement.prototype, name));
      Object.defineProperty(HTMLElement.prototype, name, { configurable: true, get: () => value });
    }
  });
  afterAll(() => {
    for (const [name, descriptor] of saved) if (descriptor) Object.defineProperty(HTMLElement.prototype, name, descriptor);
  });
}
