/**
 * Byte counts for people, in binary units as ls -h and OpenSSH's sftp progress meter count:
 * "812 B", "1.5 KiB", "64 MiB" (one decimal under 10). One formatter for the files view, the
 * transfer queue, the forwards panel, the gateway panel and the CLI.
 */
const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '?';
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  if (unit === 0) return `${Math.round(bytes)} B`;
  return `${value < 10 ? value.toFixed(1) : Math.round(value).toString()} ${UNITS[unit]}`;
}
