/**
 * Who may talk to the monitor. 1. Without a token it listens on loopback only, and answers
 * only requests whose Host is a loopback name (a DNS-rebinding page cannot reach it). 2. With
 * a token, pages need the cookie that /login?token=… sets, scripts send `Authorization:
 * Bearer`, and /metrics needs either unless metricsPublic. 3. Every POST passes a CSRF check:
 * a browser's Sec-Fetch-Site must be same-origin (or none, typed by hand), else its Origin
 * must be this server's. No Redis key is touched here.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';

export const cookieName = 'hardq_monitor';

/** True for 127.0.0.0/8, ::1 and localhost: the hosts that need no token. */
export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '');
  if (bare === 'localhost' || bare === '::1') return true;
  return isIP(bare) === 4 && bare.startsWith('127.');
}

const digest = (text: string) => createHash('sha256').update(text).digest();

/** Compares in constant time: both sides are hashed first, so their lengths match. */
export function tokenMatches(expected: string, given: string | undefined): boolean {
  return given !== undefined && timingSafeEqual(digest(expected), digest(given));
}

export function cookieToken(request: IncomingMessage): string | undefined {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === cookieName) return decodeURIComponent(value.join('='));
  }
  return undefined;
}

export function bearerToken(request: IncomingMessage): string | undefined {
  return /^Bearer\s+(.+)$/i.exec(request.headers.authorization ?? '')?.[1]?.trim();
}

/** Whether this request carries the token (as a cookie or a Bearer header); always true with no token set. */
export function authorized(request: IncomingMessage, token: string | undefined): boolean {
  if (token === undefined) return true;
  return tokenMatches(token, bearerToken(request)) || tokenMatches(token, cookieToken(request));
}

/** The Host header's name without its port. */
export function hostName(request: IncomingMessage): string {
  const host = request.headers.host ?? '';
  return host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.split(':')[0]!;
}

/**
 * Why a POST looks cross-site, or undefined when it does not. A request with neither header
 * is not from a browser page (curl, a script): CSRF needs a victim's browser, and such a
 * request still needs the token.
 */
export function csrfProblem(request: IncomingMessage): string | undefined {
  const site = request.headers['sec-fetch-site'];
  if (typeof site === 'string') return site === 'same-origin' || site === 'none' ? undefined : `Sec-Fetch-Site is ${site}`;
  const origin = request.headers.origin;
  if (origin === undefined) return undefined;
  try {
    return new URL(origin).host === request.headers.host ? undefined : `Origin ${origin} is not this server`;
  } catch {
    return `Origin ${origin} is not a URL`;
  }
}
