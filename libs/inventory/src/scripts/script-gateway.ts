import { Inject, Injectable } from '@nestjs/common';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type Redis from 'ioredis';
import type { ChainableCommander } from 'ioredis';
import { REDIS, RedisKeys } from '@flash/redis';
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

/** Each script's command name on a connection: prefixed, so none shadows a Redis method. */
const commandName = (name: ScriptName) => `flash_${name}`;

/**
 * The one way into the Lua scripts. It builds each call's KEYS and ARGV from the entry in
 * script-entries.ts and decodes the reply into the entry's outcome. ioredis runs each script
 * by SHA (EVALSHA, and EVAL when the server lacks it), so a call is one round trip.
 * One gateway per connection: `on(redis)` gives the same scripts on another one.
 */
@Injectable()
export class ScriptGateway {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {
    defineScripts(redis);
  }

  on(redis: Redis): ScriptGateway {
    return new ScriptGateway(redis, this.keys);
  }

  async run<N extends ScriptName>(name: N, input: ScriptInput<N>): Promise<ScriptOutcome<N>> {
    const runner = (this.redis as unknown as Record<string, Runner>)[commandName(name)];
    const reply = await runner.apply(this.redis, this.argv(name, input));
    return this.decode(name, reply, input);
  }

  /** Queues the call on a MULTI; its reply comes with the EXEC (decode it with decode()). */
  queue<N extends ScriptName>(tx: ChainableCommander, name: N, input: ScriptInput<N>): void {
    const runner = (tx as unknown as Record<string, (...args: Arg[]) => unknown>)[
      commandName(name)
    ];
    runner.apply(tx, this.argv(name, input));
  }

  decode<N extends ScriptName>(name: N, reply: unknown, input: ScriptInput<N>): ScriptOutcome<N> {
    const entry = SCRIPTS[name] as unknown as ScriptEntry<ScriptInput<N>, ScriptOutcome<N>>;
    return entry.decode(reply, input);
  }

  /** KEYS then ARGV, in the order the script's header gives. */
  private argv<N extends ScriptName>(name: N, input: ScriptInput<N>): Arg[] {
    const entry = SCRIPTS[name] as unknown as ScriptEntry<ScriptInput<N>, unknown>;
    const values: Arg[] = entry.keys.map((key) => resolveKey(this.keys, key, input as KeyContext));
    for (const arg of Object.values(entry.args)) values.push(arg(input, this.keys));
    if (entry.rest) values.push(...entry.rest(input));
    return values;
  }
}

const LUA_DIR = join(__dirname, '..', 'lua');

/** Registers every script on a connection once (ioredis keeps them by SHA per connection). */
function defineScripts(redis: Redis): void {
  for (const [name, entry] of Object.entries(SCRIPTS) as [
    ScriptName,
    { file: string; keys: readonly unknown[] },
  ][]) {
    const command = commandName(name);
    if (typeof (redis as unknown as Record<string, unknown>)[command] === 'function') continue;
    redis.defineCommand(command, {
      numberOfKeys: entry.keys.length,
      lua: readFileSync(join(LUA_DIR, entry.file), 'utf8'),
    });
  }
}
