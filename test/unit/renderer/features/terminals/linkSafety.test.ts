import { describe, expect, it } from 'vitest';
import { safeLinkUrl } from '../../../../../app/renderer/features/terminals/linkSafety';

describe('links from terminal output', () => {
  it('opens http and https links, normalised', () => {
    expect(safeLinkUrl('https://example.com/a?b=c#d')).toBe('https://example.com/a?b=c#d');
    expect(safeLinkUrl('http://EXAMPLE.com')).toBe('http://example.com/');
  });

  it('refuses every other scheme', () => {
    for (const url of ['javascript:alert(1)', 'file:///etc/passwd', 'data:text/html,<script>x</script>', 'ssh://host', 'vscode://x', 'mailto:a@b', 'ftp://x']) {
      expect(safeLinkUrl(url), url).toBeNull();
    }
  });

  it('refuses embedded credentials, which disguise the real host, and non-URLs', () => {
    expect(safeLinkUrl('https://bank.example@evil.example/')).toBeNull();
    expect(safeLinkUrl('https://user:pw@example.com/')).toBeNull();
    expect(safeLinkUrl('not a url')).toBeNull();
    expect(safeLinkUrl('')).toBeNull();
  });
});
