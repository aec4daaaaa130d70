import { Decoder, Encoder } from '@msgpack/msgpack';
import {
  InvalidDataError,
  MessageTooLargeError,
  MessageType,
  type HubMessage,
} from '../messages.js';
import type { HubProtocol, MessageReader } from './hub-protocol.js';
import { RecordBuffer } from './record-buffer.js';

const CompletionKind = { Error: 1, Void: 2, Result: 3 } as const;

// One encoder/decoder pair for the process: both are synchronous and keep no state between calls.
const encoder = new Encoder();
const decoder = new Decoder();

/** The MessagePack hub protocol: each message is a VarInt length followed by a MessagePack array, in binary frames. */
export const messagePackHubProtocol: HubProtocol = {
  name: 'messagepack',
  maxVersion: 2,
  transferFormat: 'Binary',
  createReader: (maxMessageSize) => new MessagePackReader(maxMessageSize),
  write: writeMessagePackMessage,
};

class MessagePackReader implements MessageReader {
  private readonly buffer: RecordBuffer;

  constructor(private readonly maxMessageSize: number) {
    this.buffer = new RecordBuffer(maxMessageSize);
  }

  read(chunk: Buffer): HubMessage[] {
    const data = this.buffer.take(chunk);
    const messages: HubMessage[] = [];
    let offset = 0;
    while (offset < data.length) {
      const prefix = readVarInt(data, offset);
      if (prefix === null) break;
      if (prefix.value > this.maxMessageSize) {
        throw new MessageTooLargeError(`Message exceeds the maximum size of ${this.maxMessageSize} bytes.`);
      }
      const start = offset + prefix.bytes;
      const end = start + prefix.value;
      if (end > data.length) break;
      messages.push(parseMessagePackMessage(data.subarray(start, end)));
      offset = end;
    }
    if (offset < data.length) this.buffer.keep(data.subarray(offset));
    return messages;
  }
}

/** Reads a 1–5 byte little-endian base-128 length; null when the prefix itself is still incomplete. */
function readVarInt(data: Buffer, offset: number): { value: number; bytes: number } | null {
  let value = 0;
  for (let i = 0; i < 5; i++) {
    if (offset + i >= data.length) return null;
    const byte = data[offset + i]!;
    value += (byte & 0x7f) * 2 ** (7 * i);
    if ((byte & 0x80) === 0) return { value, bytes: i + 1 };
  }
  throw new InvalidDataError('Messages over 2GB in size are not supported.');
}

function writeVarInt(length: number): Uint8Array {
  const bytes: number[] = [];
  do {
    let byte = length & 0x7f;
    length = Math.floor(length / 128);
    if (length > 0) byte |= 0x80;
    bytes.push(byte);
  } while (length > 0);
  return Uint8Array.from(bytes);
}

export function parseMessagePackMessage(body: Uint8Array): HubMessage {
  let value: unknown;
  try {
    value = decoder.decode(body);
  } catch (error) {
    throw new InvalidDataError(`Invalid MessagePack message: ${(error as Error).message}`);
  }
  if (!Array.isArray(value) || value.length === 0) throw new InvalidDataError('A hub message must be a MessagePack array.');
  const m = value as unknown[];
  switch (m[0]) {
    case MessageType.Invocation: {
      atLeast(m, 5, 'Invocation');
      const invocationId = m[2] === null || m[2] === undefined ? undefined : str(m[2], 'invocationId');
      return {
        type: MessageType.Invocation,
        ...headersOf(m[1]),
        ...(invocationId !== undefined && { invocationId }),
        target: str(m[3], 'target'),
        arguments: arr(m[4], 'arguments'),
        ...(m.length > 5 && { streamIds: arr(m[5], 'streamIds').map((s) => str(s, 'streamIds')) }),
      };
    }
    case MessageType.StreamInvocation:
      atLeast(m, 5, 'StreamInvocation');
      return {
        type: MessageType.StreamInvocation,
        ...headersOf(m[1]),
        invocationId: str(m[2], 'invocationId'),
        target: str(m[3], 'target'),
        arguments: arr(m[4], 'arguments'),
        ...(m.length > 5 && { streamIds: arr(m[5], 'streamIds').map((s) => str(s, 'streamIds')) }),
      };
    case MessageType.StreamItem:
      atLeast(m, 4, 'StreamItem');
      return { type: MessageType.StreamItem, ...headersOf(m[1]), invocationId: str(m[2], 'invocationId'), item: m[3] };
    case MessageType.Completion: {
      atLeast(m, 4, 'Completion');
      const base = { type: MessageType.Completion, ...headersOf(m[1]), invocationId: str(m[2], 'invocationId') };
      switch (m[3]) {
        case CompletionKind.Error:
          atLeast(m, 5, 'Completion');
          return { ...base, error: str(m[4], 'error') };
        case CompletionKind.Void:
          return base;
        case CompletionKind.Result:
          atLeast(m, 5, 'Completion');
          return { ...base, result: m[4], hasResult: true };
        default:
          throw new InvalidDataError(`Invalid completion result kind '${String(m[3])}'.`);
      }
    }
    case MessageType.CancelInvocation:
      atLeast(m, 3, 'CancelInvocation');
      return { type: MessageType.CancelInvocation, ...headersOf(m[1]), invocationId: str(m[2], 'invocationId') };
    case MessageType.Ping:
      return { type: MessageType.Ping };
    case MessageType.Close: {
      atLeast(m, 2, 'Close');
      const error = m[1] === null || m[1] === undefined ? undefined : str(m[1], 'error');
      return { type: MessageType.Close, ...(error !== undefined && { error }), ...(m[2] === true && { allowReconnect: true }) };
    }
    case MessageType.Ack:
      atLeast(m, 2, 'Ack');
      return { type: MessageType.Ack, sequenceId: int(m[1], 'sequenceId') };
    case MessageType.Sequence:
      atLeast(m, 2, 'Sequence');
      return { type: MessageType.Sequence, sequenceId: int(m[1], 'sequenceId') };
    default:
      throw new InvalidDataError(`Unknown message type '${String(m[0])}'.`);
  }
}

export function writeMessagePackMessage(message: HubMessage): Uint8Array {
  const body = encoder.encode(toArray(message));
  const prefix = writeVarInt(body.byteLength);
  const out = new Uint8Array(prefix.byteLength + body.byteLength);
  out.set(prefix, 0);
  out.set(body, prefix.byteLength);
  return out;
}

function toArray(message: HubMessage): unknown[] {
  switch (message.type) {
    case MessageType.Invocation: {
      const parts: unknown[] = [message.type, message.headers ?? {}, message.invocationId ?? null, message.target, message.arguments];
      if (message.streamIds) parts.push(message.streamIds);
      return parts;
    }
    case MessageType.StreamInvocation: {
      const parts: unknown[] = [message.type, message.headers ?? {}, message.invocationId, message.target, message.arguments];
      if (message.streamIds) parts.push(message.streamIds);
      return parts;
    }
    case MessageType.StreamItem:
      return [message.type, message.headers ?? {}, message.invocationId, message.item];
    case MessageType.Completion:
      if (message.error !== undefined) return [message.type, message.headers ?? {}, message.invocationId, CompletionKind.Error, message.error];
      if (message.hasResult || message.result !== undefined) {
        return [message.type, message.headers ?? {}, message.invocationId, CompletionKind.Result, message.result ?? null];
      }
      return [message.type, message.headers ?? {}, message.invocationId, CompletionKind.Void];
    case MessageType.CancelInvocation:
      return [message.type, message.headers ?? {}, message.invocationId];
    case MessageType.Ping:
      return [message.type];
    case MessageType.Close:
      return [message.type, message.error ?? null, message.allowReconnect === true];
    case MessageType.Ack:
    case MessageType.Sequence:
      return [message.type, message.sequenceId];
  }
}

function atLeast(m: unknown[], n: number, what: string): void {
  if (m.length < n) throw new InvalidDataError(`Invalid payload for ${what} message.`);
}

function str(value: unknown, field: string): string {
  if (typeof value !== 'string') throw new InvalidDataError(`Expected '${field}' to be of type string.`);
  return value;
}

function arr(value: unknown, field: string): unknown[] {
  if (!Array.isArray(value)) throw new InvalidDataError(`Expected '${field}' to be an array.`);
  return value;
}

function int(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) throw new InvalidDataError(`Expected '${field}' to be an integer.`);
  return value;
}

function headersOf(value: unknown): { headers?: Record<string, string> } {
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new InvalidDataError("Expected 'headers' to be a map.");
  const entries = Object.entries(value);
  if (entries.length === 0) return {};
  for (const [, v] of entries) if (typeof v !== 'string') throw new InvalidDataError("Expected 'headers' values to be strings.");
  return { headers: value as Record<string, string> };
}
