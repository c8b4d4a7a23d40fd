import { describe, expect, it } from 'vitest';
import { checkRequest, isAllowedHost, readCookie, tokenCookieName, tokensMatch } from '../../../../app/main/transports/webGuards';

const PORT = 4321;
const TOKEN = 'secret-token-abc';
const req = (over: Partial<{ host: string | undefined; origin: string | undefined; url: string; cookie: string | undefined }> = {}) => ({
  host: 'host' in over ? over.host : `127.0.0.1:${PORT}`,
  origin: over.origin,
  url: new URL(over.url ?? '/', 'http://x'),
  cookie: over.cookie,
});

describe('web mode guards', () => {
  it('allows only loopback Host headers with our port', () => {
    expect(isAllowedHost(`127.0.0.1:${PORT}`, PORT)).toBe(true);
    expect(isAllowedHost(`localhost:${PORT}`, PORT)).toBe(true);
    for (const host of [undefined, '127.0.0.1', `127.0.0.1:${PORT + 1}`, `evil.example:${PORT}`, `127.0.0.1.evil.example:${PORT}`, `[::1]:${PORT}`, `LOCALHOST:${PORT}x`]) {
      expect(isAllowedHost(host, PORT)).toBe(false);
    }
  });

  it('answers 403 for a rebinding Host before looking at the token', () => {
    expect(checkRequest(req({ host: `attacker.example:${PORT}`, url: `/?token=${TOKEN}` }), PORT, TOKEN, false)).toMatchObject({ ok: false, status: 403 });
  });

  it('answers 403 for a foreign Origin, and for none on a WebSocket upgrade', () => {
    const cookie = `${tokenCookieName(PORT)}=${TOKEN}`;
    expect(checkRequest(req({ origin: 'http://evil.example', cookie }), PORT, TOKEN, false)).toMatchObject({ ok: false, status: 403 });
    expect(checkRequest(req({ origin: `http://localhost:${PORT}`, cookie }), PORT, TOKEN, false)).toMatchObject({ ok: false, status: 403 });
    expect(checkRequest(req({ cookie }), PORT, TOKEN, true)).toMatchObject({ ok: false, status: 403 });
    expect(checkRequest(req({ origin: `http://127.0.0.1:${PORT}`, cookie }), PORT, TOKEN, true)).toEqual({ ok: true, tokenFromQuery: false });
  });

  it('answers 401 for a missing or wrong token, in the query or the cookie', () => {
    expect(checkRequest(req(), PORT, TOKEN, false)).toMatchObject({ ok: false, status: 401 });
    expect(checkRequest(req({ url: '/?token=wrong' }), PORT, TOKEN, false)).toMatchObject({ ok: false, status: 401 });
    expect(checkRequest(req({ url: `/?token=${TOKEN}x` }), PORT, TOKEN, false)).toMatchObject({ ok: false, status: 401 });
    expect(checkRequest(req({ cookie: `${tokenCookieName(PORT + 1)}=${TOKEN}` }), PORT, TOKEN, false)).toMatchObject({ ok: false, status: 401 });
    expect(checkRequest(req({ url: `/?token=${TOKEN}` }), PORT, TOKEN, false)).toEqual({ ok: true, tokenFromQuery: true });
  });

  it('reads cookies and compares tokens exactly', () => {
    expect(readCookie('a=1; hopline_token_1=xyz; b=2', 'hopline_token_1')).toBe('xyz');
    expect(readCookie('xhopline_token_1=xyz', 'hopline_token_1')).toBeNull();
    expect(tokensMatch(null, 'a')).toBe(false);
    expect(tokensMatch('ab', 'abc')).toBe(false);
    expect(tokensMatch('abc', 'abc')).toBe(true);
  });
});
