// Bearer-token auth: missing, wrong and right tokens, from the Authorization header and from the
// access_token query parameter, over every transport, with the official client.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import WebSocket from 'ws';
import { buildClient, startHub, type RunningHub, type TransportName } from '../helpers/hub-server.js';
import { createTestHub } from './test-hub.js';

const TOKEN = 'correct horse battery staple';
const TRANSPORTS: TransportName[] = ['WebSockets', 'ServerSentEvents', 'LongPolling'];

describe('bearer token auth', () => {
  let hub: RunningHub;
  before(async () => {
    hub = await startHub(createTestHub(), { accessToken: TOKEN });
  });
  after(() => hub.stop());

  test('negotiate without a token answers 401 with a JSON error', async () => {
    const res = await fetch(`${hub.hubUrl}/negotiate?negotiateVersion=1`, { method: 'POST' });
    assert.equal(res.status, 401);
    assert.match(((await res.json()) as { error: string }).error, /bearer token/);
  });

  test('transport requests without a token are refused too', async () => {
    assert.equal((await fetch(`${hub.hubUrl}?id=x`)).status, 401);
    assert.equal((await fetch(`${hub.hubUrl}?id=x`, { method: 'POST', body: '' })).status, 401);
    const status = await new Promise<number>((resolve) => {
      const ws = new WebSocket(hub.hubUrl.replace(/^http/, 'ws'));
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('open', () => resolve(101));
      ws.on('error', () => {});
    });
    assert.equal(status, 401);
  });

  for (const transport of TRANSPORTS) {
    describe(transport, () => {
      test('no token: start fails with 401', async () => {
        const connection = buildClient(hub.hubUrl, { transport });
        await assert.rejects(connection.start(), /401|Unauthorized/);
      });

      test('wrong token in the Authorization header: start fails with 401', async () => {
        const connection = buildClient(hub.hubUrl, { transport, accessToken: 'wrong' });
        await assert.rejects(connection.start(), /401|Unauthorized/);
      });

      test('wrong token in the query string: start fails with 401', async () => {
        const connection = buildClient(`${hub.hubUrl}?access_token=wrong`, { transport });
        await assert.rejects(connection.start(), /401|Unauthorized/);
      });

      test('right token in the Authorization header (accessTokenFactory) connects', async () => {
        const connection = buildClient(hub.hubUrl, { transport, accessToken: TOKEN });
        await connection.start();
        assert.equal(await connection.invoke('Echo', 'authorised'), 'authorised');
        await connection.stop();
      });

      test('right token in a fixed Authorization header connects', async () => {
        const connection = buildClient(hub.hubUrl, { transport, headers: { Authorization: `Bearer ${TOKEN}` } });
        await connection.start();
        assert.equal(await connection.invoke('Echo', 'header'), 'header');
        await connection.stop();
      });

      test('right token in the access_token query parameter connects, as browsers must', async () => {
        const connection = buildClient(`${hub.hubUrl}?access_token=${encodeURIComponent(TOKEN)}`, { transport });
        await connection.start();
        assert.equal(await connection.invoke('Echo', 'query'), 'query');
        await connection.stop();
      });
    });
  }
});
