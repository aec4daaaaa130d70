// The SignalR hub protocol's message model (dotnet/aspnetcore HubProtocol.md), shared by the
// JSON and MessagePack encodings.

export const MessageType = {
  Invocation: 1,
  StreamItem: 2,
  Completion: 3,
  StreamInvocation: 4,
  CancelInvocation: 5,
  Ping: 6,
  Close: 7,
  Ack: 8,
  Sequence: 9,
} as const;

export type Headers = Record<string, string>;

export interface InvocationMessage {
  type: typeof MessageType.Invocation;
  headers?: Headers;
  /** Absent for a non-blocking call: the sender expects no Completion. */
  invocationId?: string;
  target: string;
  arguments: unknown[];
  streamIds?: string[];
}

export interface StreamInvocationMessage {
  type: typeof MessageType.StreamInvocation;
  headers?: Headers;
  invocationId: string;
  target: string;
  arguments: unknown[];
  streamIds?: string[];
}

export interface StreamItemMessage {
  type: typeof MessageType.StreamItem;
  headers?: Headers;
  invocationId: string;
  item: unknown;
}

/** A void completion has neither `result` nor `error`; never both. */
export interface CompletionMessage {
  type: typeof MessageType.Completion;
  headers?: Headers;
  invocationId: string;
  result?: unknown;
  error?: string;
  /** True when the sender meant "a result, even if it is null/undefined". */
  hasResult?: boolean;
}

export interface CancelInvocationMessage {
  type: typeof MessageType.CancelInvocation;
  headers?: Headers;
  invocationId: string;
}

export interface PingMessage {
  type: typeof MessageType.Ping;
}

export interface CloseMessage {
  type: typeof MessageType.Close;
  error?: string;
  allowReconnect?: boolean;
}

export interface AckMessage {
  type: typeof MessageType.Ack;
  sequenceId: number;
}

export interface SequenceMessage {
  type: typeof MessageType.Sequence;
  sequenceId: number;
}

export type HubMessage =
  | InvocationMessage
  | StreamInvocationMessage
  | StreamItemMessage
  | CompletionMessage
  | CancelInvocationMessage
  | PingMessage
  | CloseMessage
  | AckMessage
  | SequenceMessage;

/** Thrown by a parser when a peer sent bytes that are not a valid message: the connection is closed. */
export class InvalidDataError extends Error {
  override name = 'InvalidDataError';
}

/** Thrown when one incoming message exceeds the configured maximum size. */
export class MessageTooLargeError extends Error {
  override name = 'MessageTooLargeError';
}
