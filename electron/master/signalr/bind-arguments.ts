import { HubException, type HubMethod, type StreamParam } from './hub-definition.js';

/**
 * Checks an invocation's arguments against the method's parameters and returns the handler's
 * argument list; each stream parameter is filled by `openStream` with the next of `streamIds`.
 * Every failure names the method, the parameter and what was wrong, so a worker author can fix the call.
 */
export function bindArguments(
  method: HubMethod,
  args: readonly unknown[],
  streamIds: readonly string[],
  openStream: (param: StreamParam, streamId: string) => AsyncIterable<unknown>,
): unknown[] {
  const { valueParams, streamCount, requiredCount: required } = method;

  if (args.length < required || args.length > valueParams.length) {
    const expected = required === valueParams.length ? `${required}` : `${required} to ${valueParams.length}`;
    const names = valueParams.map((p) => p.name).join(', ');
    throw new HubException(`'${method.name}' takes ${expected} argument(s) (${names}) but the invocation provides ${args.length}.`);
  }
  if (streamIds.length !== streamCount) {
    throw new HubException(`'${method.name}' takes ${streamCount} stream(s) but the invocation provides ${streamIds.length}.`);
  }

  const values: unknown[] = [];
  for (let i = 0; i < valueParams.length; i++) {
    const p = valueParams[i]!;
    const result = p.schema.safeParse(args[i]);
    if (!result.success) {
      const issue = result.error.issues[0];
      const where = issue && issue.path.length > 0 ? ` at ${issue.path.join('.')}` : '';
      throw new HubException(`Argument ${i + 1} '${p.name}' of '${method.name}' is invalid${where}: ${issue?.message ?? 'wrong type'}.`);
    }
    values.push(result.data);
  }

  if (streamCount === 0) return values;
  // Streams are opened only once every value is known to be good, so a rejected call leaves none behind.
  const bound: unknown[] = [];
  let valueIndex = 0;
  let streamIndex = 0;
  for (const p of method.params) {
    bound.push(p.kind === 'stream' ? openStream(p, streamIds[streamIndex++]!) : values[valueIndex++]);
  }
  return bound;
}
