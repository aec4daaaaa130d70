import { MessageTooLargeError } from '../messages.js';

/**
 * Collects incoming chunks until whole records can be cut out of them. Transports usually deliver
 * whole records per frame or request; the buffer only matters when they do not.
 */
export class RecordBuffer {
  private pending: Buffer | null = null;

  constructor(private readonly maxMessageSize: number) {}

  /** The bytes to scan: what was left over, followed by `chunk`. */
  take(chunk: Buffer): Buffer {
    if (this.pending === null) return chunk;
    const joined = Buffer.concat([this.pending, chunk]);
    this.pending = null;
    return joined;
  }

  /** Keeps an incomplete tail for the next chunk; a tail already over the limit can never become a valid message. */
  keep(rest: Buffer): void {
    if (rest.length === 0) return;
    if (rest.length > this.maxMessageSize) {
      throw new MessageTooLargeError(`Message exceeds the maximum size of ${this.maxMessageSize} bytes.`);
    }
    this.pending = Buffer.from(rest);
  }
}
