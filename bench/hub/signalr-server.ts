// CaptionHub's hub server with one Echo method, as the benchmark's server process.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { HubDefinition, param } from '../../electron/master/signalr/hub-definition.js';
import { SignalRServer } from '../../electron/master/signalr/signalr-server.js';
import { answerStatsRequests } from '../lib/ipc.js';

const hub = new HubDefinition().method('Echo', [param('payload', z.string())], (_ctx, payload) => payload);
const signalr = new SignalRServer(hub, { path: '/signalrhub' });
const http = createServer((req, res) => {
  if (!signalr.handleRequest(req, res)) res.writeHead(404).end();
});
signalr.attach(http);
http.listen(0, '127.0.0.1', () => {
  answerStatsRequests();
  process.send!({ type: 'ready', url: `http://127.0.0.1:${(http.address() as AddressInfo).port}/signalrhub` });
});
