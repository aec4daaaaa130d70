// The wire details of the checklist (shared/reference/signalr-server-checklist.md) that the official
// JS client does not exercise, checked with raw HTTP and WebSocket traffic.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { decode, encode } from '@msgpack/msgpack';
import WebSocket from 'ws';
import { sleep, startHub, until, type RunningHub } from '../helpers/hub-server.js';
import { createTestHub } from './test-hub.js';

const RS = '\x1e';

interface Negotiated {
  connectionId: string;
  connectionToken?: string;
  negotiateVersion: number;
  availableTransports: { transport: string; transferFormats: string[] }[];
}

async function negotiate(hub: RunningHub, query = '?negotiateVersion=1'): Promise<Negotiated> {
  const res = await fetch(`${hub.hubUrl}/negotiate${query}`, { method: 'POST' });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
  return (await res.json()) as Negotiated;
}

/** A raw WebSocket that collects every frame it receives. */
async function openSocket(url: string): Promise<{ ws: WebSocket; frames: { data: Buffer; binary: boolean }[]; closed: Promise<number> }> {
  const ws = new WebSocket(url.replace(/^http/, 'ws'));
  const frames: { data: Buffer; binary: boolean }[] = [];
  ws.on('message', (data, binary) => frames.push({ data: data as Buffer, binary }));
  const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return { ws, frames, closed };
}

function textRecords(frames: { data: Buffer }[]): unknown[] {
  return frames
    .flatMap((f) => f.data.toString('utf8').split(RS))
    .filter((r) => r.length > 0)
    .map((r) => JSON.parse(r));
}

function upgradeStatus(url: string): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url.replace(/^http/, 'ws'));
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.on('open', () => {
      ws.close();
      resolve(101);
    });
    ws.on('error', () => {});
  });
}

function varint(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return out;
}

function msgpackFrame(message: unknown[]): Buffer {
  const body = encode(message);
  return Buffer.concat([Buffer.from(varint(body.length)), Buffer.from(body)]);
}

function msgpackMessages(data: Buffer): unknown[][] {
  const out: unknown[][] = [];
  let offset = 0;
  while (offset < data.length) {
    let length = 0;
    let shift = 0;
    let byte: number;
    do {
      byte = data[offset++]!;
      length |= (byte & 0x7f) << shift;
      shift += 7;
    } while (byte & 0x80);
    out.push(decode(data.subarray(offset, offset + length)) as unknown[]);
    offset += length;
  }
  return out;
}

describe('wire protocol', () => {
  let hub: RunningHub;
  before(async () => {
    hub = await startHub(createTestHub(), { disconnectTimeoutMs: 300, longPollTimeoutMs: 5000, keepAliveIntervalMs: 300 });
  });
  after(() => hub.stop());

  describe('negotiate', () => {
    test('version 1 hands out a separate connection token and lists every transport with its formats', async () => {
      const body = await negotiate(hub);
      assert.equal(body.negotiateVersion, 1);
      assert.ok(body.connectionId.length >= 16);
      assert.ok(body.connectionToken && body.connectionToken !== body.connectionId);
      assert.deepEqual(body.availableTransports, [
        { transport: 'WebSockets', transferFormats: ['Text', 'Binary'] },
        { transport: 'ServerSentEvents', transferFormats: ['Text'] },
        { transport: 'LongPolling', transferFormats: ['Text', 'Binary'] },
      ]);
      assert.ok(!('useStatefulReconnect' in body), 'stateful reconnect is never advertised');
    });

    test('version 0 (no parameter, as signalrcore) answers an explicit negotiateVersion 0 and no token', async () => {
      const body = await negotiate(hub, '');
      assert.equal(body.negotiateVersion, 0);
      assert.equal(body.connectionToken, undefined);
      assert.ok(body.availableTransports.every((t) => t.transferFormats.length > 0));
    });

    test('version 1 connections are found by token only; version 0 connections by connectionId', async () => {
      const v1 = await negotiate(hub);
      assert.equal(await upgradeStatus(`${hub.hubUrl}?id=${v1.connectionId}`), 404);
      assert.equal(await upgradeStatus(`${hub.hubUrl}?id=${v1.connectionToken}`), 101);
      const v0 = await negotiate(hub, '');
      assert.equal(await upgradeStatus(`${hub.hubUrl}?id=${v0.connectionId}`), 101);
    });

    test('a GET negotiate is refused with a JSON body', async () => {
      const res = await fetch(`${hub.hubUrl}/negotiate`);
      assert.equal(res.status, 405);
      assert.match(((await res.json()) as { error: string }).error, /POST/);
    });

    test('CORS echoes the caller origin with credentials and answers preflights', async () => {
      const res = await fetch(`${hub.hubUrl}/negotiate?negotiateVersion=1`, { method: 'POST', headers: { Origin: 'http://ui.example' } });
      assert.equal(res.headers.get('access-control-allow-origin'), 'http://ui.example');
      assert.equal(res.headers.get('access-control-allow-credentials'), 'true');
      const preflight = await fetch(`${hub.hubUrl}/negotiate`, {
        method: 'OPTIONS',
        headers: { Origin: 'http://ui.example', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'authorization,x-signalr-user-agent' },
      });
      assert.equal(preflight.status, 204);
      assert.equal(preflight.headers.get('access-control-allow-origin'), 'http://ui.example');
      const allowed = (preflight.headers.get('access-control-allow-headers') ?? '').toLowerCase();
      for (const header of ['authorization', 'content-type', 'x-requested-with', 'x-signalr-user-agent']) assert.ok(allowed.includes(header), header);
    });

    test('a negotiated connection that is never used is cleaned up', async () => {
      const body = await negotiate(hub);
      await sleep(1500);
      assert.equal(await upgradeStatus(`${hub.hubUrl}?id=${body.connectionToken}`), 404);
    });
  });

  describe('WebSockets', () => {
    test('an unknown id is 404 and a second socket for the same id is 409', async () => {
      assert.equal(await upgradeStatus(`${hub.hubUrl}?id=nope`), 404);
      const body = await negotiate(hub);
      const first = await openSocket(`${hub.hubUrl}?id=${body.connectionToken}`);
      assert.equal(await upgradeStatus(`${hub.hubUrl}?id=${body.connectionToken}`), 409);
      first.ws.close();
    });

    test('the handshake may arrive in pieces, with a Ping and an invocation right behind it', async () => {
      const { ws, frames } = await openSocket(hub.hubUrl);
      ws.send('{"protocol":"js');
      ws.send(`on","version":1}${RS}{"type":6}${RS}{"type":1,"invocationId":"7","target":"Echo","arguments":["hi"]}${RS}`);
      await until(() => frames.length >= 2, 3000, 'handshake reply and completion');
      assert.equal(frames[0]!.data.toString(), `{}${RS}`, 'the handshake reply comes first, alone, with no type field');
      assert.equal(frames[0]!.binary, false);
      assert.deepEqual(textRecords(frames.slice(1)).filter((m) => (m as { type: number }).type === 3), [{ type: 3, invocationId: '7', result: 'hi' }]);
      ws.close();
    });

    test('an unknown protocol gets the handshake error answer, then the socket closes', async () => {
      const { ws, frames, closed } = await openSocket(hub.hubUrl);
      ws.send(`{"protocol":"protobuf","version":1}${RS}`);
      assert.equal(await closed, 1000);
      assert.equal(frames.map((f) => f.data.toString()).join(''), `{"error":"The protocol 'protobuf' is not supported."}${RS}`);
    });

    test('an unsupported protocol version is refused the same way', async () => {
      const { ws, frames, closed } = await openSocket(hub.hubUrl);
      ws.send(`{"protocol":"json","version":99}${RS}`);
      await closed;
      assert.match(frames.map((f) => f.data.toString()).join(''), /does not support version 99 of the 'json' protocol/);
    });

    test('JSON: void and error completions, no reply to non-blocking calls, server calls omit invocationId', async () => {
      const { ws, frames } = await openSocket(hub.hubUrl);
      ws.send(`{"protocol":"json","version":1}${RS}`);
      ws.send(`{"type":1,"target":"JoinGroup","arguments":["g"]}${RS}{"type":1,"invocationId":"1","target":"LeaveGroup","arguments":["g"]}${RS}`);
      ws.send(`{"type":1,"invocationId":"2","target":"Nope","arguments":[]}${RS}{"type":1,"invocationId":"3","target":"TellAll","arguments":["x"]}${RS}`);
      await until(() => textRecords(frames).filter((m) => (m as { type: number }).type === 3).length >= 3, 3000, 'completions');
      const messages = textRecords(frames.slice(1)).filter((m) => (m as { type: number }).type !== 6);
      assert.deepEqual(messages, [
        { type: 3, invocationId: '1' },
        { type: 3, invocationId: '2', error: "Unknown hub method 'Nope'." },
        { type: 1, target: 'Broadcast', arguments: ['x'] },
        { type: 3, invocationId: '3' },
      ]);
      ws.close();
    });

    test('messages written in the same tick share one frame: JSON records, then MessagePack messages', async () => {
      const text = await openSocket(hub.hubUrl);
      text.ws.send(`{"protocol":"json","version":1}${RS}`);
      text.ws.send(`{"type":1,"invocationId":"1","target":"Burst","arguments":[3]}${RS}`);
      await until(() => textRecords(text.frames).some((m) => (m as { type: number }).type === 3), 3000, 'completion');
      const burst = text.frames.find((f) => f.data.toString().includes('"Tick"'))!;
      assert.equal(
        burst.data.toString(),
        [1, 2, 3].map((n) => `{"type":1,"target":"Tick","arguments":[${n}]}${RS}`).join('') + `{"type":3,"invocationId":"1","result":3}${RS}`,
      );
      text.ws.close();

      const binary = await openSocket(hub.hubUrl);
      binary.ws.send(`{"protocol":"messagepack","version":1}${RS}`);
      binary.ws.send(msgpackFrame([1, {}, '1', 'Burst', [2]]));
      await until(() => binary.frames.length >= 2, 3000, 'burst');
      assert.deepEqual(msgpackMessages(binary.frames[1]!.data), [
        [1, {}, null, 'Tick', [1]],
        [1, {}, null, 'Tick', [2]],
        [3, {}, '1', 3, 2],
      ]);
      binary.ws.close();
    });

    test('a malformed frame closes that connection only, with a Close message', async () => {
      const victim = await openSocket(hub.hubUrl);
      const bystander = await openSocket(hub.hubUrl);
      victim.ws.send(`{"protocol":"json","version":1}${RS}`);
      bystander.ws.send(`{"protocol":"json","version":1}${RS}`);
      await until(() => victim.frames.length > 0 && bystander.frames.length > 0, 3000, 'handshakes');
      victim.ws.send(`{"type":1,"target":${RS}`);
      await victim.closed;
      const close = textRecords(victim.frames).find((m) => (m as { type: number }).type === 7) as { error: string };
      assert.match(close.error, /^Connection closed with an error\. Invalid data/);
      bystander.ws.send(`{"type":1,"invocationId":"1","target":"Echo","arguments":["ok"]}${RS}`);
      await until(() => textRecords(bystander.frames).some((m) => (m as { type: number }).type === 3), 3000, 'bystander reply');
      bystander.ws.close();
    });

    test('MessagePack: binary frames, the exact Ping bytes, completion kinds, Close without headers', async () => {
      const { ws, frames, closed } = await openSocket(hub.hubUrl);
      ws.send(`{"protocol":"messagepack","version":1}${RS}`);
      await until(() => frames.length >= 1, 3000, 'handshake reply');
      assert.equal(frames[0]!.binary, true, 'the handshake reply travels in a binary frame for a binary protocol');
      assert.equal(frames[0]!.data.toString(), `{}${RS}`);
      // A 5-element Invocation (no streamIds), as older clients send.
      ws.send(msgpackFrame([1, {}, '1', 'Add', [2, 3]]));
      ws.send(msgpackFrame([1, {}, '2', 'LeaveGroup', ['none']]));
      ws.send(msgpackFrame([1, {}, '3', 'Fail', [true]]));
      await until(() => frames.slice(1).flatMap((f) => msgpackMessages(f.data)).filter((m) => m[0] === 3).length === 3, 3000, 'completions');
      const all = frames.slice(1).flatMap((f) => msgpackMessages(f.data));
      assert.ok(frames.slice(1).every((f) => f.binary));
      assert.deepEqual(all.filter((m) => m[0] === 3), [
        [3, {}, '1', 3, 5],
        [3, {}, '2', 2],
        [3, {}, '3', 1, 'This message is meant for the caller.'],
      ]);
      await until(() => frames.some((f) => f.data.equals(Buffer.from([0x02, 0x91, 0x06]))), 3000, 'a keep-alive ping');
      ws.send(msgpackFrame([1, {}, '4', 'CloseMe', ['bye', true]]));
      await closed;
      const close = frames.flatMap((f) => (f.data[0] === 0x7b ? [] : msgpackMessages(f.data))).find((m) => m[0] === 7);
      assert.deepEqual(close, [7, 'bye', true]);
    });
  });

  describe('Long Polling', () => {
    test('first poll answers at once; sends, polls, and DELETE ending the open poll with 204', async () => {
      const { connectionToken: id } = await negotiate(hub);
      const url = `${hub.hubUrl}?id=${id}`;
      const started = Date.now();
      const first = await fetch(`${url}&_=1`);
      assert.equal(first.status, 200);
      assert.equal(await first.text(), '');
      assert.ok(Date.now() - started < 1000, 'the first poll is not held');

      assert.equal((await fetch(url, { method: 'POST', body: `{"protocol":"json","version":1}${RS}` })).status, 200);
      const handshake = await fetch(`${url}&_=2`);
      assert.equal(await handshake.text(), `{}${RS}`);
      assert.equal((await fetch(url, { method: 'POST', body: `{"type":1,"invocationId":"1","target":"Echo","arguments":["lp"]}${RS}` })).status, 200);
      const reply = await (await fetch(`${url}&_=3`)).text();
      assert.ok(reply.includes(`{"type":3,"invocationId":"1","result":"lp"}${RS}`));

      const held = fetch(`${url}&_=4`);
      await sleep(100);
      const del = await fetch(url, { method: 'DELETE' });
      assert.equal(del.status, 202);
      assert.equal((await held).status, 204);
      assert.equal((await fetch(url, { method: 'POST', body: 'x' })).status, 404);
    });

    test('requests without an id are 400, unknown ids 404', async () => {
      assert.equal((await fetch(hub.hubUrl)).status, 400);
      assert.equal((await fetch(`${hub.hubUrl}?id=unknown`)).status, 404);
      assert.equal((await fetch(`${hub.hubUrl}?id=unknown`, { method: 'POST', body: 'x' })).status, 404);
    });

    test('a client that stops polling is dropped after the disconnect timeout', async () => {
      const { connectionToken: id } = await negotiate(hub);
      const url = `${hub.hubUrl}?id=${id}`;
      await fetch(`${url}&_=1`);
      await fetch(url, { method: 'POST', body: `{"protocol":"json","version":1}${RS}` });
      await fetch(`${url}&_=2`);
      await sleep(1500);
      assert.equal((await fetch(url, { method: 'POST', body: `{"type":6}${RS}` })).status, 404, 'the connection is gone');
      // What was queued before the drop (keep-alive pings) is still handed over, then the poll says 204.
      let status = 0;
      for (let i = 0; i < 3 && status !== 204; i++) status = (await fetch(`${url}&_=${3 + i}`)).status;
      assert.equal(status, 204);
    });
  });

  describe('Server-Sent Events', () => {
    test('headers, the immediate comment, and CRLF data lines', async () => {
      const { connectionToken: id } = await negotiate(hub);
      const url = `${hub.hubUrl}?id=${id}`;
      const controller = new AbortController();
      const res = await fetch(url, { headers: { Accept: 'text/event-stream' }, signal: controller.signal });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-type'), 'text/event-stream');
      assert.equal(res.headers.get('cache-control'), 'no-cache,no-store');
      assert.equal(res.headers.get('pragma'), 'no-cache');
      assert.equal(res.headers.get('content-encoding'), 'identity');
      const reader = res.body!.getReader();
      let text = '';
      const readUntil = async (needle: string) => {
        while (!text.includes(needle)) {
          const { value, done } = await reader.read();
          if (done) throw new Error(`stream ended before ${JSON.stringify(needle)}`);
          text += Buffer.from(value).toString();
        }
      };
      await readUntil(':\r\n');
      assert.ok(text.startsWith(':\r\n'));
      await fetch(url, { method: 'POST', body: `{"protocol":"json","version":1}${RS}` });
      await readUntil(`data: {}${RS}\r\n\r\n`);
      await fetch(url, { method: 'POST', body: `{"type":1,"invocationId":"9","target":"Echo","arguments":["sse"]}${RS}` });
      await readUntil(`data: {"type":3,"invocationId":"9","result":"sse"}${RS}\r\n\r\n`);
      assert.equal((await fetch(url, { headers: { Accept: 'text/event-stream' } })).status, 409, 'one event stream per connection');
      controller.abort();
    });

    test('an event stream without an id is 400', async () => {
      assert.equal((await fetch(hub.hubUrl, { headers: { Accept: 'text/event-stream' } })).status, 400);
    });
  });

  describe('handshake timeout', () => {
    test('a socket that never sends its handshake is closed', async () => {
      const quick = await startHub(createTestHub(), { handshakeTimeoutMs: 300 });
      try {
        const { frames, closed } = await openSocket(quick.hubUrl);
        const started = Date.now();
        await closed;
        assert.ok(Date.now() - started < 3000);
        assert.deepEqual(frames, [], 'nothing is sent to a client that never asked for a protocol');
      } finally {
        await quick.stop();
      }
    });
  });
});
