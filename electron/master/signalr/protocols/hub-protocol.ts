import type { HubMessage } from '../messages.js';

/** How a transport must carry a protocol's bytes: WebSocket text frames, or binary frames. */
export type TransferFormat = 'Text' | 'Binary';

/** Turns the incoming byte stream of one connection into messages. Keeps partial records between calls. */
export interface MessageReader {
  /** Returns every complete message in `chunk` plus what was buffered before it. Throws InvalidDataError / MessageTooLargeError. */
  read(chunk: Buffer): HubMessage[];
}

export interface HubProtocol {
  /** The name a client puts in its handshake: "json" or "messagepack". */
  readonly name: string;
  /** Highest handshake version accepted (2 is stateful reconnect's; we never enable it, but accept the number). */
  readonly maxVersion: number;
  readonly transferFormat: TransferFormat;
  createReader(maxMessageSize: number): MessageReader;
  write(message: HubMessage): string | Uint8Array;
}
