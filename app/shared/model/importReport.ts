/** Words for an ssh_config import report, the same in the CLI and the app. */

/** `applies to 8 hosts: a, b, c…`: up to `shown` names, every host counted. */
export function appliesTo(hosts: readonly string[], shown = 3): string {
  if (hosts.length === 0) return 'applies to no imported host';
  const names = hosts.slice(0, shown).join(', ') + (hosts.length > shown ? '…' : '');
  return `applies to ${hosts.length} ${hosts.length === 1 ? 'host' : 'hosts'}: ${names}`;
}

/** `0 new, 5 unchanged, 1 updated`. */
export function outcomeCounts(counts: { new: number; unchanged: number; updated: number }): string {
  return `${counts.new} new, ${counts.unchanged} unchanged, ${counts.updated} updated`;
}
