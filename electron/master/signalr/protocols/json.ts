import {
  InvalidDataError,
  MessageTooLargeError,
  MessageType,
  type HubMessage,
  type InvocationMessage,
} from '../messages.js';
import type { HubProtocol, MessageReader } from './hub-protocol.js';
import { RecordBuffer } from './record-buffer.js';

export const RECORD_SEPARATOR = '\x1e';
export const RECORD_SEPARATOR_CODE = 0x1e;

/** The JSON hub protocol: each message is a JSON object followed by 0x1E, carried in text frames. */
export const jsonHubProtocol: HubProtocol = {
  name: 'json',
  maxVersion: 2,
  transferFormat: 'Text',
  createReader: (maxMessageSize) => new JsonMessageReader(maxMessageSize),
  write: writeJsonMessage,
};

class JsonMessageReader implements MessageReader {
  private readonly buffer: RecordBuffer;

  constructor(private readonly maxMessageSize: number) {
    this.buffer = new RecordBuffer(maxMessageSize);
  }

  read(chunk: Buffer): HubMessage[] {
    const data = this.buffer.take(chunk);
    const messages: HubMessage[] = [];
    let start = 0;
    for (;;) {
      const end = data.indexOf(RECORD_SEPARATOR_CODE, start);
      if (end === -1) break;
      if (end - start > this.maxMessageSize) {
        throw new MessageTooLargeError(`Message exceeds the maximum size of ${this.maxMessageSize} bytes.`);
      }
      messages.push(parseJsonMessage(data.toString('utf8', start, end)));
      start = end + 1;
    }
    if (start < data.length) this.buffer.keep(data.subarray(start));
    return messages;
  }
}

export function parseJsonMessage(text: string): HubMessage {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new InvalidDataError(`Invalid JSON message: ${(error as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidDataError('A hub message must be a JSON object.');
  }
  return toHubMessage(value as Record<string, unknown>);
}

function toHubMessage(m: Record<string, unknown>): HubMessage {
  const headers = optionalHeaders(m.headers);
  switch (m.type) {
    case MessageType.Invocation: {
      // The hot path: built field by field, without spreads, since every hub call passes here.
      const message: InvocationMessage = {
        type: MessageType.Invocation,
        target: requiredString(m.target, 'target'),
        arguments: requiredArray(m.arguments, 'arguments'),
      };
      const invocationId = optionalString(m.invocationId, 'invocationId');
      if (invocationId !== undefined) message.invocationId = invocationId;
      if (headers) message.headers = headers;
      if (m.streamIds !== undefined) message.streamIds = stringArray(m.streamIds, 'streamIds');
      return message;
    }
    case MessageType.StreamInvocation:
      return {
        type: MessageType.StreamInvocation,
        ...(headers && { headers }),
        invocationId: requiredString(m.invocationId, 'invocationId'),
        target: requiredString(m.target, 'target'),
        arguments: requiredArray(m.arguments, 'arguments'),
        ...(m.streamIds !== undefined && { streamIds: stringArray(m.streamIds, 'streamIds') }),
      };
    case MessageType.StreamItem:
      return {
        type: MessageType.StreamItem,
        ...(headers && { headers }),
        invocationId: requiredString(m.invocationId, 'invocationId'),
        item: m.item,
      };
    case MessageType.Completion: {
      const hasResult = 'result' in m;
      const error = optionalString(m.error, 'error');
      if (hasResult && error !== undefined) {
        throw new InvalidDataError("The 'error' and 'result' properties are mutually exclusive.");
      }
      return {
        type: MessageType.Completion,
        ...(headers && { headers }),
        invocationId: requiredString(m.invocationId, 'invocationId'),
        ...(hasResult && { result: m.result, hasResult: true }),
        ...(error !== undefined && { error }),
      };
    }
    case MessageType.CancelInvocation:
      return {
        type: MessageType.CancelInvocation,
        ...(headers && { headers }),
        invocationId: requiredString(m.invocationId, 'invocationId'),
      };
    case MessageType.Ping:
      return { type: MessageType.Ping };
    case MessageType.Close: {
      const error = optionalString(m.error, 'error');
      return {
        type: MessageType.Close,
        ...(error !== undefined && { error }),
        ...(m.allowReconnect === true && { allowReconnect: true }),
      };
    }
    case MessageType.Ack:
      return { type: MessageType.Ack, sequenceId: requiredInteger(m.sequenceId, 'sequenceId') };
    case MessageType.Sequence:
      return { type: MessageType.Sequence, sequenceId: requiredInteger(m.sequenceId, 'sequenceId') };
    default:
      throw new InvalidDataError(`Unknown message type '${String(m.type)}'.`);
  }
}

export function writeJsonMessage(message: HubMessage): string {
  if (message.type === MessageType.Completion) {
    // hasResult is internal bookkeeping, not a wire field.
    const { hasResult: _ignored, ...wire } = message;
    return JSON.stringify(wire) + RECORD_SEPARATOR;
  }
  return JSON.stringify(message) + RECORD_SEPARATOR;
}

function requiredString(value: unknown, field: string): string {
  if (typeof value !== 'string') throw new InvalidDataError(`Expected '${field}' to be of type string.`);
  return value;
}

function optionalString(value: unknown, field: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  return requiredString(value, field);
}

function requiredArray(value: unknown, field: string): unknown[] {
  if (!Array.isArray(value)) throw new InvalidDataError(`Expected '${field}' to be an array.`);
  return value;
}

function stringArray(value: unknown, field: string): string[] {
  const array = requiredArray(value, field);
  for (const item of array) if (typeof item !== 'string') throw new InvalidDataError(`Expected '${field}' to hold strings.`);
  return array as string[];
}

function requiredInteger(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) throw new InvalidDataError(`Expected '${field}' to be an integer.`);
  return value;
}

function optionalHeaders(value: unknown): Record<string, string> | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) throw new InvalidDataError("Expected 'headers' to be an object.");
  for (const v of Object.values(value)) if (typeof v !== 'string') throw new InvalidDataError("Expected 'headers' values to be strings.");
  return value as Record<string, string>;
}
