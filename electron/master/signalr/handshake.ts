import { RECORD_SEPARATOR, RECORD_SEPARATOR_CODE } from './protocols/json.js';
import type { HubProtocol } from './protocols/hub-protocol.js';
import { InvalidDataError, MessageTooLargeError } from './messages.js';

export interface HandshakeRequest {
  protocol: string;
  version: number;
}

export type HandshakeOutcome =
  | { kind: 'incomplete' }
  | { kind: 'accepted'; protocol: HubProtocol; version: number; rest: Buffer }
  | { kind: 'rejected'; error: string };

/**
 * Reads the handshake record (always JSON text ending in 0x1E, whatever hub protocol is asked for).
 * Bytes after the separator belong to the hub protocol: clients send a Ping right behind it.
 */
export class HandshakeReader {
  private pending: Buffer = Buffer.alloc(0);

  constructor(
    private readonly protocols: readonly HubProtocol[],
    private readonly maxMessageSize: number,
  ) {}

  read(chunk: Buffer): HandshakeOutcome {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const end = this.pending.indexOf(RECORD_SEPARATOR_CODE);
    if (end === -1) {
      if (this.pending.length > this.maxMessageSize) {
        throw new MessageTooLargeError('The handshake request exceeds the maximum message size.');
      }
      return { kind: 'incomplete' };
    }
    const request = parseHandshakeRequest(this.pending.toString('utf8', 0, end));
    const rest = this.pending.subarray(end + 1);
    this.pending = Buffer.alloc(0);
    const protocol = this.protocols.find((p) => p.name === request.protocol);
    if (!protocol) return { kind: 'rejected', error: `The protocol '${request.protocol}' is not supported.` };
    if (request.version < 1 || request.version > protocol.maxVersion) {
      return { kind: 'rejected', error: `The server does not support version ${request.version} of the '${request.protocol}' protocol.` };
    }
    return { kind: 'accepted', protocol, version: request.version, rest };
  }
}

function parseHandshakeRequest(text: string): HandshakeRequest {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new InvalidDataError('The handshake request is not valid JSON.');
  }
  const request = value as Partial<HandshakeRequest> | null;
  if (typeof request !== 'object' || request === null) throw new InvalidDataError('The handshake request must be a JSON object.');
  if (typeof request.protocol !== 'string') throw new InvalidDataError("Missing required property 'protocol'.");
  if (typeof request.version !== 'number' || !Number.isInteger(request.version)) {
    throw new InvalidDataError("Missing required property 'version'.");
  }
  return { protocol: request.protocol, version: request.version };
}

export const HANDSHAKE_OK = '{}' + RECORD_SEPARATOR;

export function handshakeError(message: string): string {
  return JSON.stringify({ error: message }) + RECORD_SEPARATOR;
}
