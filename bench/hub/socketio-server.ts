// The peer: a socket.io server doing the same echo through an acknowledgement.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { answerStatsRequests } from '../lib/ipc.js';

const http = createServer();
const io = new Server(http, { transports: ['websocket'], serveClient: false });
io.on('connection', (socket) => {
  socket.on('echo', (payload: unknown, ack: (value: unknown) => void) => {
    if (typeof payload !== 'string') return;
    ack(payload);
  });
});
http.listen(0, '127.0.0.1', () => {
  answerStatsRequests();
  process.send!({ type: 'ready', url: `http://127.0.0.1:${(http.address() as AddressInfo).port}` });
});
