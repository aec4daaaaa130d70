import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/**
 * Bearer-token check for every hub route. Browsers cannot set headers on WebSocket or EventSource
 * requests, so the token is also accepted from the `access_token` query parameter.
 */
export class BearerAuth {
  private readonly expectedDigest: Buffer | null;

  constructor(token: string | undefined) {
    this.expectedDigest = token ? digest(token) : null;
  }

  get enabled(): boolean {
    return this.expectedDigest !== null;
  }

  isAuthorized(req: IncomingMessage, url: URL): boolean {
    if (!this.expectedDigest) return true;
    const presented = presentedToken(req, url);
    if (presented === undefined) return false;
    // Hashing first gives equal-length inputs, so the comparison time says nothing about the token.
    return timingSafeEqual(digest(presented), this.expectedDigest);
  }
}

function presentedToken(req: IncomingMessage, url: URL): string | undefined {
  const header = req.headers.authorization;
  if (header) {
    const match = /^Bearer\s+(.+)$/i.exec(header);
    if (match) return match[1]!.trim();
  }
  return url.searchParams.get('access_token') ?? undefined;
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}
