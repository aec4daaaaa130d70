// A stand-in for the Python VideoCaptioner worker (Flask REST + the signalrcore client), which
// cannot run here. It speaks both of its real protocols as shared/compat/videocaptioner-worker.md
// describes them: its REST API, and a SignalR JSON connection that negotiates (version 0, the hub
// URL's query kept), sends one-object invocations without an invocationId, pings, reconnects, and
// never answers the master's invocations. The test decides when its task progresses or ends.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import WebSocket from 'ws';

const RS = '\x1e';

export interface CurrentTask {
  task_id: number;
  video_path: string;
  raw_subtitle_path: string;
  translated_subtitle_path: string;
  language: string | null;
}

export class VideoCaptionerStandIn {
  /** Everything the master sent over the hub: it never answers any of it. */
  readonly received: unknown[] = [];
  readonly stopRequests: number[] = [];
  current: CurrentTask | null = null;
  private nextTaskId = 0;
  private masterUrl: string | null = null;
  private socket: WebSocket | null = null;
  private pinger: NodeJS.Timeout | null = null;
  private reconnecting: NodeJS.Timeout | null = null;
  private closed = false;
  private generation = 0;
  /** Its reconnect tries ran out; only another /set-master brings it back. */
  gaveUp = false;

  private constructor(
    private readonly server: Server,
    readonly endpoint: string,
    private readonly options: { keepAliveMs: number; reconnectDelaysMs: number[]; startAnswerDelayMs: number },
  ) {}

  static async start(options: Partial<{ keepAliveMs: number; reconnectDelaysMs: number[]; startAnswerDelayMs: number }> = {}): Promise<VideoCaptionerStandIn> {
    let standIn!: VideoCaptionerStandIn;
    const server = createServer((req, res) => void standIn.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    standIn = new VideoCaptionerStandIn(server, `http://127.0.0.1:${port}`, {
      keepAliveMs: options.keepAliveMs ?? 10_000,
      // signalrcore retries after 0, 2, 5, 10 and 30 s; tests shorten them.
      reconnectDelaysMs: options.reconnectDelaysMs ?? [0, 2000, 5000, 10_000, 30_000],
      // A slow answer to start-subtitize: the task has begun by the time it comes (if it comes).
      startAnswerDelayMs: options.startAnswerDelayMs ?? 0,
    });
    return standIn;
  }

  get connected(): boolean {
    return this.socket?.readyState === WebSocket.OPEN;
  }

  /** Reports progress on the current task (0..10000, one of its states). */
  progress(currentProgress: number, currentState = 'transcribing'): void {
    this.invoke('SubtitizeProgress', { task_id: this.current!.task_id, current_progress: currentProgress, current_state: currentState, eta: null });
  }

  complete(): void {
    const task = this.current!;
    this.current = null;
    this.invoke('SubtitizeCompleted', {
      task_id: task.task_id,
      video_path: task.video_path,
      raw_subtitle_path: task.raw_subtitle_path,
      translated_subtitle_path: task.translated_subtitle_path,
    });
  }

  fault(fault: string): void {
    const task = this.current!;
    this.current = null;
    this.invoke('SubtitizeFaulted', { task_id: task.task_id, video_path: task.video_path, fault });
  }

  /** Drops the hub connection as a network failure would; its reconnect logic then runs. */
  dropConnection(): void {
    this.socket?.terminate();
  }

  async stop(): Promise<void> {
    this.closed = true;
    if (this.pinger) clearInterval(this.pinger);
    if (this.reconnecting) clearTimeout(this.reconnecting);
    this.socket?.terminate();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private invoke(target: string, argument: unknown): void {
    if (!this.connected) return;
    this.socket!.send(JSON.stringify({ type: 1, target, arguments: [argument] }) + RS);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url!, this.endpoint);
    const body = req.method === 'POST' ? await readJson(req) : undefined;
    const reply = (status: number, value: unknown) => {
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(value));
    };
    switch (`${req.method} ${url.pathname}`) {
      case 'GET /health':
        return reply(200, { success: true, status: 'healthy' });
      case 'GET /set-master': {
        const master = url.searchParams.get('url');
        if (!master) return reply(400, { success: false, message: 'url is required' });
        this.masterUrl = master;
        this.gaveUp = false;
        // A new master replaces the connection it had, if any.
        const previous = this.socket;
        this.socket = null;
        previous?.terminate();
        try {
          await this.connect();
        } catch (error) {
          return reply(200, { success: false, message: `could not connect: ${(error as Error).message}` });
        }
        return reply(200, { success: true, message: `已连接到 Master: ${master}`, master_url: master });
      }
      case 'GET /status':
        return reply(200, { success: true, is_connected: this.connected, master_url: this.masterUrl, status: this.current ? 'busy' : 'idle', current_task: this.current });
      case 'GET /api/rpc/get-status':
        return reply(200, { status: this.current ? 'busy' : 'idle', current_task: this.current });
      case 'POST /api/rpc/start-subtitize': {
        const input = body as Partial<CurrentTask>;
        if (this.current) return reply(200, { success: false, task_id: -1, message: 'worker is busy' });
        if (!input?.video_path || !input.raw_subtitle_path) return reply(200, { success: false, task_id: -2, message: 'invalid arguments' });
        this.current = {
          task_id: ++this.nextTaskId,
          video_path: input.video_path,
          raw_subtitle_path: input.raw_subtitle_path,
          translated_subtitle_path: input.translated_subtitle_path ?? '',
          language: input.language ?? null,
        };
        const taskId = this.current.task_id;
        if (this.options.startAnswerDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.options.startAnswerDelayMs));
        return reply(200, { success: true, task_id: taskId, message: 'started' });
      }
      case 'POST /api/rpc/stop-subtitize': {
        const taskId = (body as { task_id?: number })?.task_id;
        this.stopRequests.push(taskId ?? -1);
        if (this.current?.task_id === taskId) this.current = null;
        return reply(200, { success: true });
      }
      default:
        return reply(404, { success: false, message: 'not found' });
    }
  }

  /** negotiate (version 0, the URL's query kept), then the WebSocket with `id=`, then the JSON handshake. */
  private async connect(): Promise<void> {
    const generation = ++this.generation;
    const hub = new URL(this.masterUrl!);
    const negotiateUrl = new URL(hub);
    negotiateUrl.pathname = `${hub.pathname.replace(/\/$/, '')}/negotiate`;
    const res = await fetch(negotiateUrl, { method: 'POST' });
    if (!res.ok) throw new Error(`negotiate answered ${res.status}`);
    const negotiated = (await res.json()) as { connectionId: string; negotiateVersion: unknown; availableTransports: { transferFormats?: string[] }[] };
    if (!Number.isInteger(negotiated.negotiateVersion)) throw new Error('negotiateVersion is not an integer');
    if (negotiated.availableTransports.some((t) => !t.transferFormats?.length)) throw new Error('a transport without transferFormats');
    const wsUrl = new URL(hub);
    wsUrl.protocol = hub.protocol === 'https:' ? 'wss:' : 'ws:';
    wsUrl.searchParams.set('id', negotiated.connectionId);
    const socket = new WebSocket(wsUrl);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    if (generation !== this.generation) {
      // A later /set-master or retry started meanwhile: it wins.
      socket.terminate();
      return;
    }
    this.socket = socket;
    socket.send(`{"protocol":"json","version":1}${RS}`);
    socket.on('message', (data) => {
      for (const record of data.toString().split(RS)) if (record) this.received.push(JSON.parse(record));
    });
    socket.on('close', () => {
      // A socket replaced by /set-master ends quietly; only the live one's loss starts the retries.
      if (this.socket !== socket) return;
      if (this.pinger) clearInterval(this.pinger);
      this.socket = null;
      if (!this.closed) this.scheduleReconnect(0);
    });
    if (this.pinger) clearInterval(this.pinger);
    this.pinger = setInterval(() => socket.readyState === WebSocket.OPEN && socket.send(`{"type":6}${RS}`), this.options.keepAliveMs);
  }

  /** As signalrcore's interval handler: one try after each delay, then it gives up for good. */
  private scheduleReconnect(attempt: number): void {
    const delay = this.options.reconnectDelaysMs[attempt];
    if (delay === undefined) {
      this.gaveUp = true;
      return;
    }
    this.reconnecting = setTimeout(() => {
      this.connect().catch(() => {
        if (!this.closed) this.scheduleReconnect(attempt + 1);
      });
    }, delay);
  }
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString();
  return text ? JSON.parse(text) : undefined;
}
