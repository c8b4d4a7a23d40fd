/**
 * Links in terminal output are remote-controlled text. Only plain web links open: http and
 * https, with a host and without user names or passwords (which could disguise the real host,
 * `https://bank.example@evil.example/`). Everything else (javascript:, file:, data:, custom
 * schemes) is refused. The user confirms the full URL first; in Electron the main side checks
 * it again before the system browser gets it.
 */
export function safeLinkUrl(text: string): string | null {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  if (url.username || url.password || !url.hostname) return null;
  return url.href;
}
