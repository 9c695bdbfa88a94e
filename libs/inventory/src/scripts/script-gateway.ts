import { Inject, Injectable } from '@nestjs/common';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChainableCommander } from 'ioredis';
import { REDIS, RedisClient, RedisKeys } from '@flash/redis';
import {
  Arg,
  KeyContext,
  SCRIPTS,
  ScriptEntry,
  ScriptInput,
  ScriptName,
  ScriptOutcome,
  resolveKey,
} from './script-entries';

type Runner = (...args: Arg[]) => Promise<unknown>;

type AnyEntry = ScriptEntry<never, unknown>;

/**
 * What a call needs from an entry, worked out once per script rather than on every call (the
 * purchase is the hot path): the command's name on a connection, prefixed so that none
 * shadows a Redis method, and the argument builders in ARGV order.
 */
interface Plan {
  command: string;
  entry: AnyEntry;
  args: ((input: never, keys: RedisKeys) => Arg)[];
}

const PLANS = new Map<ScriptName, Plan>(
  (Object.entries(SCRIPTS) as [ScriptName, AnyEntry][]).map(([name, entry]) => [
    name,
    { command: `flash_${name}`, entry, args: Object.values(entry.args) },
  ]),
);

const plan = (name: ScriptName) => PLANS.get(name) as Plan;

/**
 * The one way into the Lua scripts. It builds each call's KEYS and ARGV from the entry in
 * script-entries.ts and decodes the reply into the entry's outcome. ioredis runs each script
 * by SHA (EVALSHA, and EVAL when the server lacks it), so a call is one round trip.
 * One gateway per connection: `on(redis)` gives the same scripts on another one.
 */
@Injectable()
export class ScriptGateway {
  constructor(
    @Inject(REDIS) private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
  ) {
    defineScripts(redis);
  }

  on(redis: RedisClient): ScriptGateway {
    return new ScriptGateway(redis, this.keys);
  }

  async run<N extends ScriptName>(name: N, input: ScriptInput<N>): Promise<ScriptOutcome<N>> {
    const runner = (this.redis as unknown as Record<string, Runner>)[plan(name).command];
    const reply = await runner.apply(this.redis, this.argv(name, input));
    return this.decode(name, reply, input);
  }

  /** Queues the call on a MULTI; its reply comes with the EXEC (decode it with decode()). */
  queue<N extends ScriptName>(tx: ChainableCommander, name: N, input: ScriptInput<N>): void {
    const runner = (tx as unknown as Record<string, (...args: Arg[]) => unknown>)[
      plan(name).command
    ];
    runner.apply(tx, this.argv(name, input));
  }

  decode<N extends ScriptName>(name: N, reply: unknown, input: ScriptInput<N>): ScriptOutcome<N> {
    return plan(name).entry.decode(reply, input as never) as ScriptOutcome<N>;
  }

  /** KEYS then ARGV, in the order the script's header gives. */
  private argv<N extends ScriptName>(name: N, input: ScriptInput<N>): Arg[] {
    const { entry, args } = plan(name);
    const values: Arg[] = entry.keys.map((key) => resolveKey(this.keys, key, input as KeyContext));
    for (const arg of args) values.push(arg(input as never, this.keys));
    if (entry.rest) values.push(...entry.rest(input as never));
    return values;
  }
}

const LUA_DIR = join(__dirname, '..', 'lua');

/** Each script's source, read once per process. */
const sources = new Map<string, string>();

/** Registers every script on a connection once (ioredis keeps them by SHA per connection). */
function defineScripts(redis: RedisClient): void {
  for (const { command, entry } of PLANS.values()) {
    if (typeof (redis as unknown as Record<string, unknown>)[command] === 'function') continue;
    let lua = sources.get(entry.file);
    if (lua === undefined)
      sources.set(entry.file, (lua = readFileSync(join(LUA_DIR, entry.file), 'utf8')));
    redis.defineCommand(command, { numberOfKeys: entry.keys.length, lua });
  }
}
