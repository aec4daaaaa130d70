import { z } from 'zod';
import { HubDefinition, HubException, param, streamParam } from '../../electron/master/signalr/hub-definition.js';

export interface HubEvents {
  connected: string[];
  disconnected: { id: string; error?: string }[];
  notes: string[];
}

/** A hub with one method per feature under test. */
export function createTestHub(events: HubEvents = { connected: [], disconnected: [], notes: [] }): HubDefinition {
  return new HubDefinition()
    .method('Echo', [param('message', z.string())], (_ctx, message) => message)
    .method('Add', [param('a', z.number().int()), param('b', z.number().int())], (_ctx, a, b) => a + b)
    .method('AddLater', [param('a', z.number()), param('b', z.number())], async (_ctx, a, b) => {
      await new Promise((r) => setTimeout(r, 5));
      return a + b;
    })
    .method('Greet', [param('name', z.string()), param('greeting', z.string().optional())], (_ctx, name, greeting) => `${greeting ?? 'Hello'}, ${name}`)
    .method('Note', [param('text', z.string())], (ctx, text) => {
      events.notes.push(text);
      ctx.caller.send('Noted', text, events.notes.length);
    })
    .method('Burst', [param('count', z.number().int().min(0).max(1000))], (ctx, count) => {
      for (let i = 1; i <= count; i++) ctx.caller.send('Tick', i);
      return count;
    })
    .method('JoinGroup', [param('group', z.string())], (ctx, group) => ctx.groups.add(ctx.connectionId, group))
    .method('LeaveGroup', [param('group', z.string())], (ctx, group) => ctx.groups.remove(ctx.connectionId, group))
    .method('TellGroup', [param('group', z.string()), param('text', z.string())], (ctx, group, text) => ctx.clients.group(group).send('GroupMessage', group, text))
    .method('TellAll', [param('text', z.string())], (ctx, text) => ctx.clients.all.send('Broadcast', text))
    .method('AskCaller', [param('method', z.string()), param('args', z.array(z.unknown()))], (ctx, method, args) => ctx.caller.invoke(method, args, { timeoutMs: 1000 }))
    .method('Fail', [param('visible', z.boolean())], (_ctx, visible) => {
      if (visible) throw new HubException('This message is meant for the caller.');
      throw new Error('secret internal detail');
    })
    .method('CloseMe', [param('error', z.string().nullable()), param('allowReconnect', z.boolean())], (ctx, error, allowReconnect) => {
      setTimeout(() => ctx.abort(error ?? undefined, { allowReconnect }), 0);
    })
    .method('Sum', [streamParam('numbers', z.number())], async (_ctx, numbers) => {
      let total = 0;
      for await (const n of numbers) total += n;
      return total;
    })
    .stream('Counter', [param('count', z.number().int().min(0)), param('delayMs', z.number().int().min(0))], async function* (ctx, count, delayMs) {
      for (let i = 0; i < count; i++) {
        if (ctx.signal.aborted) return;
        yield i;
        await new Promise((r) => setTimeout(r, delayMs));
      }
      events.notes.push(`counter finished ${count}`);
    })
    .stream('BrokenStream', [], async function* () {
      yield 1;
      throw new HubException('stream broke');
    })
    .onConnected((ctx) => {
      events.connected.push(ctx.connectionId);
    })
    .onDisconnected((ctx, error) => {
      events.disconnected.push({ id: ctx.connectionId, ...(error && { error: error.message }) });
    });
}
