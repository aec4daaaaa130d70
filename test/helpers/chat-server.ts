import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ChatRequest {
  model: string;
  messages: { role: string; content: string }[];
}

export type ChatBehaviour = (request: ChatRequest, call: number) => { status?: number; content?: string; raw?: string };

/**
 * A local stand-in for an OpenAI-compatible endpoint that speaks the real chat-completions
 * protocol over HTTP. By default it "translates" by prefixing each value with the target tag.
 */
export async function startChatServer(behaviour: ChatBehaviour = translateWithTag): Promise<{ baseUrl: string; requests: ChatRequest[]; close(): Promise<void> }> {
  const requests: ChatRequest[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
        res.writeHead(404).end();
        return;
      }
      const request = JSON.parse(body) as ChatRequest;
      requests.push(request);
      const answer = behaviour(request, requests.length);
      res.writeHead(answer.status ?? 200, { 'Content-Type': 'application/json' });
      res.end(
        answer.raw ??
          JSON.stringify({
            id: `chatcmpl-${requests.length}`,
            object: 'chat.completion',
            model: request.model,
            choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: answer.content ?? '' } }],
          }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { baseUrl: `http://127.0.0.1:${port}/v1`, requests, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** Answers with the user's JSON object, each value prefixed by the language code of the system prompt. */
export function translateWithTag(request: ChatRequest): { content: string } {
  const target = /\(([a-z]{2,3})\)/.exec(request.messages[0]!.content)?.[1] ?? '??';
  const input = JSON.parse(request.messages[1]!.content) as Record<string, string>;
  const output = Object.fromEntries(Object.entries(input).map(([k, v]) => [k, `[${target}] ${v}`]));
  return { content: '```json\n' + JSON.stringify(output) + '\n```' };
}
