/**
 * A DataTransfer stand-in for fireEvent drag events: data by type, `types` listing what was set.
 * dropEffect/effectAllowed are left to the DOM's own DataTransfer, since testing-library copies
 * this object's own properties as read-only values.
 */
export function dragData(initial: Record<string, string> = {}) {
  const data = new Map(Object.entries(initial));
  return {
    get types(): string[] {
      return [...data.keys()];
    },
    getData: (type: string) => data.get(type) ?? '',
    setData: (type: string, value: string) => void data.set(type, value),
    clearData: () => data.clear(),
  };
}
