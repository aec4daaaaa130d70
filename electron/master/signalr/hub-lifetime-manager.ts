import type { ClientProxy, GroupManager, HubClients, InvokeOptions, SingleClientProxy } from './hub-caller-context.js';
import { ClientResultError, SerializedMessage, type HubConnectionContext } from './hub-connection-context.js';
import { MessageType } from './messages.js';

/** Every live hub connection and the groups they are in (ASP.NET's DefaultHubLifetimeManager). */
export class HubLifetimeManager implements GroupManager {
  readonly connections = new Map<string, HubConnectionContext>();
  private readonly groupMembers = new Map<string, Set<HubConnectionContext>>();
  readonly clients: HubClients;

  constructor() {
    this.clients = createClients(this);
  }

  register(context: HubConnectionContext): void {
    this.connections.set(context.connectionId, context);
  }

  unregister(context: HubConnectionContext): void {
    for (const group of [...context.groupNames]) this.remove(context.connectionId, group);
    this.connections.delete(context.connectionId);
  }

  /** Adds a connection to a group; unknown connections are ignored, as they may have just left. */
  add(connectionId: string, group: string): void {
    const context = this.connections.get(connectionId);
    if (!context) return;
    let members = this.groupMembers.get(group);
    if (!members) this.groupMembers.set(group, (members = new Set()));
    members.add(context);
    context.groupNames.add(group);
  }

  remove(connectionId: string, group: string): void {
    const context = this.connections.get(connectionId);
    if (!context) return;
    context.groupNames.delete(group);
    const members = this.groupMembers.get(group);
    members?.delete(context);
    if (members?.size === 0) this.groupMembers.delete(group);
  }

  size(group: string): number {
    return this.groupMembers.get(group)?.size ?? 0;
  }

  members(group: string): Iterable<HubConnectionContext> {
    return this.groupMembers.get(group) ?? [];
  }
}

function invocation(method: string, args: unknown[]): SerializedMessage {
  return new SerializedMessage({ type: MessageType.Invocation, target: method, arguments: args });
}

function proxy(targets: () => Iterable<HubConnectionContext>): ClientProxy {
  return {
    send(method, ...args) {
      const message = invocation(method, args);
      for (const context of targets()) context.writeSerialized(message);
    },
  };
}

function createClients(manager: HubLifetimeManager): HubClients {
  const except = (ids: readonly string[], source: Iterable<HubConnectionContext>) => {
    const excluded = new Set(ids);
    return [...source].filter((c) => !excluded.has(c.connectionId));
  };
  return {
    all: proxy(() => manager.connections.values()),
    allExcept: (ids) => proxy(() => except(ids, manager.connections.values())),
    client: (connectionId): SingleClientProxy => ({
      send(method, ...args) {
        manager.connections.get(connectionId)?.caller.send(method, ...args);
      },
      invoke<T>(method: string, args: unknown[] = [], options?: InvokeOptions): Promise<T> {
        const context = manager.connections.get(connectionId);
        if (!context) return Promise.reject(new ClientResultError(`No connection with id ${connectionId}.`));
        return context.invoke<T>(method, args, options);
      },
    }),
    clients: (ids) => proxy(() => ids.map((id) => manager.connections.get(id)).filter((c) => c !== undefined)),
    group: (name) => proxy(() => manager.members(name)),
    groupExcept: (name, ids) => proxy(() => except(ids, manager.members(name))),
  };
}
