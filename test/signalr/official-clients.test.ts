// Every transport × hub protocol the official JS client supports, against our server.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as signalR from '@microsoft/signalr';
import { Subject } from '@microsoft/signalr';
import { buildClient, closed, sleep, startHub, until, type ProtocolName, type RunningHub, type TransportName } from '../helpers/hub-server.js';
import { createTestHub, type HubEvents } from './test-hub.js';

const COMBINATIONS: [TransportName, ProtocolName][] = [
  ['WebSockets', 'json'],
  ['WebSockets', 'messagepack'],
  ['ServerSentEvents', 'json'],
  ['LongPolling', 'json'],
  ['LongPolling', 'messagepack'],
];

for (const [transport, protocol] of COMBINATIONS) {
  describe(`${transport} + ${protocol}`, () => {
    let hub: RunningHub;
    let events: HubEvents;
    const connect = async (extra: Parameters<typeof buildClient>[1] = {}) => {
      const connection = buildClient(hub.hubUrl, { transport, protocol, ...extra });
      await connection.start();
      return connection;
    };

    before(async () => {
      events = { connected: [], disconnected: [], notes: [] };
      hub = await startHub(createTestHub(events), {
        keepAliveIntervalMs: 200,
        clientTimeoutMs: 1500,
        longPollTimeoutMs: 1000,
        disconnectTimeoutMs: 1000,
      });
    });
    after(() => hub.stop());

    test('connects, invokes with results, and sends without one', async () => {
      const connection = await connect();
      const connectionId = connection.connectionId!;
      try {
        assert.equal(connection.state, signalR.HubConnectionState.Connected);
        assert.equal(await connection.invoke('Echo', 'héllo ✓'), 'héllo ✓');
        assert.equal(await connection.invoke('Add', 2, 40), 42);
        assert.equal(await connection.invoke('AddLater', 1.5, 2), 3.5);
        assert.equal(await connection.invoke('Greet', 'Ada'), 'Hello, Ada', 'an optional trailing argument may be left out');
        assert.equal(await connection.invoke('greet', 'Ada', 'Hi'), 'Hi, Ada', 'method names match case-insensitively');
        const noted = new Promise<[string, number]>((resolve) => connection.on('Noted', (text: string, count: number) => resolve([text, count])));
        await connection.send('Note', `from ${transport}/${protocol}`);
        const [text] = await noted;
        assert.equal(text, `from ${transport}/${protocol}`);
        assert.ok(events.notes.includes(text));
        assert.ok(events.connected.includes(connectionId), 'the connected hook ran');
      } finally {
        await connection.stop();
      }
      await until(() => events.disconnected.some((d) => d.id === connectionId), 3000, 'disconnected hook');
    });

    test('messages the server writes in one go (sent together in one frame) all arrive, in order', async () => {
      const connection = await connect();
      try {
        const ticks: number[] = [];
        connection.on('Tick', (n: number) => ticks.push(n));
        assert.equal(await connection.invoke('Burst', 50), 50);
        assert.deepEqual(ticks, Array.from({ length: 50 }, (_, i) => i + 1), 'every Tick came before the completion');
      } finally {
        await connection.stop();
      }
    });

    test('pushes server-to-client calls to one client, a group and everyone', async () => {
      const [a, b] = [await connect(), await connect()];
      try {
        const groupMessages: string[] = [];
        const broadcasts: string[] = [];
        b.on('GroupMessage', (_group: string, text: string) => groupMessages.push(text));
        a.on('Broadcast', (text: string) => broadcasts.push(`a:${text}`));
        b.on('Broadcast', (text: string) => broadcasts.push(`b:${text}`));
        await b.invoke('JoinGroup', 'editors');
        await a.invoke('TellGroup', 'editors', 'to the group');
        await a.invoke('TellAll', 'to all');
        await until(() => groupMessages.length === 1 && broadcasts.length === 2, 3000, 'messages');
        assert.deepEqual(groupMessages, ['to the group']);
        assert.deepEqual(broadcasts.sort(), ['a:to all', 'b:to all']);
        await b.invoke('LeaveGroup', 'editors');
        await a.invoke('TellGroup', 'editors', 'after leaving');
        await a.invoke('Echo', 'flush');
        await sleep(50);
        assert.deepEqual(groupMessages, ['to the group'], 'a client that left the group hears no more from it');
      } finally {
        await Promise.all([a.stop(), b.stop()]);
      }
    });

    test('awaits client results, including client errors and timeouts', async () => {
      const connection = await connect();
      try {
        connection.on('GetAnswer', (question: string) => `answer to ${question}`);
        connection.on('Broken', () => {
          throw new Error('client handler broke');
        });
        connection.on('Slow', () => new Promise(() => {}));
        assert.equal(await connection.invoke('AskCaller', 'GetAnswer', ['life']), 'answer to life');
        // The client answers a method it has no handler for with an error Completion.
        await assert.rejects(connection.invoke('AskCaller', 'NoSuchHandler', []), /Client didn't provide a result/);
        await assert.rejects(connection.invoke('AskCaller', 'Broken', []), /client handler broke/);
        await assert.rejects(connection.invoke('AskCaller', 'Slow', []), /did not answer 'Slow' within 1000 ms/);

        const id = connection.connectionId!;
        connection.on('Direct', (n: number) => n * 2);
        assert.equal(await hub.server.clients.client(id).invoke('Direct', [21]), 42, 'the server can invoke a client from outside any hub method');
      } finally {
        await connection.stop();
      }
    });

    test('streams from server to client, with cancellation and errors', async () => {
      const connection = await connect();
      try {
        const items = await new Promise<number[]>((resolve, reject) => {
          const received: number[] = [];
          connection.stream<number>('Counter', 5, 0).subscribe({
            next: (item) => received.push(item),
            complete: () => resolve(received),
            error: reject,
          });
        });
        assert.deepEqual(items, [0, 1, 2, 3, 4]);

        const partial: number[] = [];
        const subscription = connection.stream<number>('Counter', 1000, 20).subscribe({ next: (i) => partial.push(i), complete: () => {}, error: () => {} });
        await until(() => partial.length >= 2, 3000, 'stream items');
        subscription.dispose();
        const countAtCancel = partial.length;
        await sleep(150);
        assert.ok(partial.length <= countAtCancel + 1, 'no items after cancel');
        assert.ok(!events.notes.includes('counter finished 1000'), 'the server stopped the cancelled stream');

        await assert.rejects(
          new Promise((resolve, reject) => connection.stream('BrokenStream').subscribe({ next: () => {}, complete: () => resolve(undefined), error: reject })),
          /stream broke/,
        );
        await assert.rejects(
          new Promise((resolve, reject) => connection.stream('Echo', 'x').subscribe({ next: () => {}, complete: () => resolve(undefined), error: reject })),
          /non-streaming 'Echo' method with a streaming invocation/,
        );
      } finally {
        await connection.stop();
      }
    });

    test('accepts client-to-server streams', async () => {
      const connection = await connect();
      try {
        const subject = new Subject<number>();
        const total = connection.invoke('Sum', subject);
        for (const n of [1, 2, 3, 4]) subject.next(n);
        subject.complete();
        assert.equal(await total, 10);
      } finally {
        await connection.stop();
      }
    });

    test('rejects unknown methods and wrong arguments, and the connection stays open', async () => {
      const connection = await connect();
      try {
        await assert.rejects(connection.invoke('NoSuchMethod', 1), /Unknown hub method 'NoSuchMethod'/);
        await assert.rejects(connection.invoke('Add', 'two', 3), /Argument 1 'a' of 'Add' is invalid: .*expected number/);
        await assert.rejects(connection.invoke('Add', 1.5, 3), /Argument 1 'a' of 'Add' is invalid: .*expected int/);
        await assert.rejects(connection.invoke('Add', 1), /'Add' takes 2 argument\(s\) \(a, b\) but the invocation provides 1/);
        await assert.rejects(connection.invoke('Greet'), /'Greet' takes 1 to 2 argument\(s\)/);
        await assert.rejects(connection.invoke('Fail', true), /This message is meant for the caller/);
        const hidden = await connection.invoke('Fail', false).catch((e: Error) => e.message);
        assert.match(hidden, /An unexpected error occurred invoking 'Fail' on the server/);
        assert.doesNotMatch(hidden, /secret/, 'internal exception details are not sent by default');
        assert.equal(connection.state, signalR.HubConnectionState.Connected);
        assert.equal(await connection.invoke('Echo', 'still here'), 'still here');
      } finally {
        await connection.stop();
      }
    });

    test('server-initiated close reaches the client with its error', async () => {
      const connection = await connect();
      const gone = closed(connection);
      await connection.invoke('CloseMe', 'maintenance', false);
      const error = await gone;
      assert.match(String(error), /Server returned an error on close: maintenance/);
      assert.equal(connection.state, signalR.HubConnectionState.Disconnected);
    });

    test('reconnects automatically when the close allows it', async () => {
      const connection = await connect({ reconnectDelays: [0, 50, 100] });
      try {
        const firstId = connection.connectionId;
        const reconnected = new Promise<string | undefined>((resolve) => connection.onreconnected(resolve));
        await connection.invoke('CloseMe', 'restarting', true);
        const newId = await reconnected;
        assert.ok(newId && newId !== firstId, 'a new connection id after reconnect');
        assert.equal(await connection.invoke('Echo', 'back'), 'back');
      } finally {
        await connection.stop();
      }
    });

    test('a message over the size limit closes the connection with an error', async () => {
      const connection = await connect();
      const gone = closed(connection);
      const big = 'x'.repeat(40 * 1024);
      await connection.invoke('Echo', big).catch(() => undefined);
      const error = await gone;
      assert.match(String(error), /Connection closed with an error\. Message exceeds the maximum size of 32768 bytes/);
      // Other clients are untouched.
      const other = await connect();
      assert.equal(await other.invoke('Echo', 'fine'), 'fine');
      await other.stop();
    });

    test('keep-alive pings keep a quiet client connected past its server timeout', async () => {
      const connection = await connect({ serverTimeoutMs: 800, keepAliveIntervalMs: 300 });
      try {
        await sleep(2000);
        assert.equal(connection.state, signalR.HubConnectionState.Connected);
        assert.equal(await connection.invoke('Echo', 'awake'), 'awake');
      } finally {
        await connection.stop();
      }
    });

    if (transport !== 'LongPolling') {
      test('a client that stops sending is dropped after the client timeout', async () => {
        // The client pings only every 60 s, so from the server's side it falls silent.
        const connection = await connect({ keepAliveIntervalMs: 60_000, serverTimeoutMs: 120_000 });
        const gone = closed(connection);
        const started = Date.now();
        const error = await gone;
        const elapsed = Date.now() - started;
        assert.match(String(error), /Server timeout elapsed without receiving a message from the client/);
        assert.ok(elapsed >= 1200 && elapsed < 5000, `dropped after ${elapsed} ms, expected about 1500`);
      });
    } else {
      test('a long-polling client is never timed out for missing pings', async () => {
        const connection = await connect({ keepAliveIntervalMs: 60_000, serverTimeoutMs: 120_000 });
        try {
          await sleep(2500);
          assert.equal(connection.state, signalR.HubConnectionState.Connected);
          assert.equal(await connection.invoke('Echo', 'polling'), 'polling');
        } finally {
          await connection.stop();
        }
      });
    }
  });
}

describe('transport and protocol negotiation', () => {
  test('MessagePack over Server-Sent Events is refused by the client, since SSE is text-only', async () => {
    const hub = await startHub(createTestHub());
    try {
      const connection = buildClient(hub.hubUrl, { transport: 'ServerSentEvents', protocol: 'messagepack' });
      await assert.rejects(connection.start(), /ServerSentEvents.*does not support Binary|Unable to connect/);
    } finally {
      await hub.stop();
    }
  });

  test('with no transport forced, the client picks WebSockets; skipNegotiation works too', async () => {
    const hub = await startHub(createTestHub());
    try {
      const negotiated = new signalR.HubConnectionBuilder().withUrl(hub.hubUrl).configureLogging(signalR.LogLevel.None).build();
      await negotiated.start();
      assert.equal(await negotiated.invoke('Echo', 'default'), 'default');
      await negotiated.stop();
      const direct = buildClient(hub.hubUrl, { transport: 'WebSockets', skipNegotiation: true });
      await direct.start();
      assert.equal(await direct.invoke('Echo', 'direct'), 'direct');
      await direct.stop();
    } finally {
      await hub.stop();
    }
  });
});
