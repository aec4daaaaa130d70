// The hub protocols' encoders and readers on their own: framing, partial input, limits, bad input.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { InvalidDataError, MessageTooLargeError, MessageType, type HubMessage } from '../../electron/master/signalr/messages.js';
import { jsonHubProtocol } from '../../electron/master/signalr/protocols/json.js';
import { messagePackHubProtocol } from '../../electron/master/signalr/protocols/msgpack.js';

const samples: HubMessage[] = [
  { type: MessageType.Invocation, target: 'Send', arguments: ['a', 1, { b: [true, null] }] },
  { type: MessageType.Invocation, invocationId: '1', target: 'Add', arguments: [1, 2], streamIds: ['s1'] },
  { type: MessageType.StreamInvocation, invocationId: '2', target: 'Count', arguments: [3] },
  { type: MessageType.StreamItem, invocationId: '2', item: { n: 1 } },
  { type: MessageType.Completion, invocationId: '1', result: 3, hasResult: true },
  { type: MessageType.Completion, invocationId: '1', result: null, hasResult: true },
  { type: MessageType.Completion, invocationId: '1' },
  { type: MessageType.Completion, invocationId: '1', error: 'boom' },
  { type: MessageType.CancelInvocation, invocationId: '2' },
  { type: MessageType.Ping },
  { type: MessageType.Close, error: 'bye', allowReconnect: true },
  { type: MessageType.Close },
];

for (const protocol of [jsonHubProtocol, messagePackHubProtocol]) {
  describe(protocol.name, () => {
    const bytes = (m: HubMessage) => Buffer.from(protocol.write(m) as string | Uint8Array);

    test('every message type survives a round trip', () => {
      const reader = protocol.createReader(32 * 1024);
      assert.deepEqual(reader.read(Buffer.concat(samples.map(bytes))), samples);
    });

    test('records split at any byte are put back together', () => {
      const all = Buffer.concat(samples.map(bytes));
      for (const cut of [1, 2, 5, 17, all.length - 1]) {
        const reader = protocol.createReader(32 * 1024);
        const first = reader.read(all.subarray(0, cut));
        const second = reader.read(all.subarray(cut));
        assert.deepEqual([...first, ...second], samples, `cut at ${cut}`);
      }
    });

    test('a message over the limit is refused, whole or arriving in pieces', () => {
      const big = bytes({ type: MessageType.Invocation, target: 'Echo', arguments: ['x'.repeat(2000)] });
      assert.throws(() => protocol.createReader(1024).read(big), MessageTooLargeError);
      const reader = protocol.createReader(1024);
      assert.throws(() => {
        for (let i = 0; i < big.length; i += 300) reader.read(big.subarray(i, i + 300));
      }, MessageTooLargeError);
    });
  });
}

describe('bad input', () => {
  test('JSON: not JSON, not an object, unknown type, wrong field types, result and error together', () => {
    const read = (text: string) => jsonHubProtocol.createReader(1024).read(Buffer.from(text + '\x1e'));
    assert.throws(() => read('{oops'), InvalidDataError);
    assert.throws(() => read('[1]'), /must be a JSON object/);
    assert.throws(() => read('{"type":42}'), /Unknown message type '42'/);
    assert.throws(() => read('{"type":1,"target":5,"arguments":[]}'), /'target' to be of type string/);
    assert.throws(() => read('{"type":1,"target":"x","arguments":{}}'), /'arguments' to be an array/);
    assert.throws(() => read('{"type":3,"invocationId":"1","result":1,"error":"e"}'), /mutually exclusive/);
  });

  test('JSON: a non-blocking invocation is written without invocationId', () => {
    assert.equal(jsonHubProtocol.write({ type: MessageType.Invocation, target: 'T', arguments: [] }), '{"type":1,"target":"T","arguments":[]}\x1e');
  });

  test('MessagePack: the Ping is exactly 0x91 0x06 behind its length, and a short message is refused', () => {
    assert.deepEqual([...(messagePackHubProtocol.write({ type: MessageType.Ping }) as Uint8Array)], [0x02, 0x91, 0x06]);
    assert.throws(() => messagePackHubProtocol.createReader(1024).read(Buffer.from([0x02, 0x91, 0x01])), /Invalid payload for Invocation/);
    assert.throws(() => messagePackHubProtocol.createReader(1024).read(Buffer.from([0x01, 0xc1])), InvalidDataError);
  });
});
