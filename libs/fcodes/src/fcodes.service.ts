import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ScriptGateway, codeShard } from '@flash/inventory';
import { SalesService } from '@flash/sales';
import { FcodeEntity } from './fcode.entity';
import { generateFcode, hashFcode } from './fcode';

export type GenerateOutcome =
  | { kind: 'generated'; codes: string[] }
  | { kind: 'not_enabled' }
  | { kind: 'not_found' }
  | { kind: 'unavailable' };

/** Codes per INSERT and per add-fcodes.lua call: bounded statements, short scripts. */
const CHUNK = 5_000;

/**
 * Issues F-codes. Postgres keeps every code's hash (the record); Redis keeps the same
 * hashes in the sale's F-code hash, where purchase.lua redeems them atomically (a sharded
 * sale: in each code's own shard, see ShardGates). The rows commit only once Redis holds
 * the codes, so a code the admin was given can be redeemed.
 */
@Injectable()
export class FcodesService {
  constructor(
    private readonly scripts: ScriptGateway,
    private readonly dataSource: DataSource,
    private readonly sales: SalesService,
  ) {}

  async generate(saleId: string, count: number): Promise<GenerateOutcome> {
    const sale = await this.sales.find(saleId);
    if (!sale) return { kind: 'not_found' };
    if (!sale.priorityStartsAt) return { kind: 'not_enabled' };
    const codes = Array.from({ length: count }, generateFcode);
    const hashes = codes.map(hashFcode);
    let missing = false;
    await this.dataSource
      .transaction(async (manager) => {
        for (let i = 0; i < hashes.length; i += CHUNK) {
          const chunk = hashes.slice(i, i + CHUNK);
          await manager.insert(
            FcodeEntity,
            chunk.map((codeHash) => ({ codeHash, saleId })),
          );
        }
        for (const [shard, inShard] of byShard(hashes, sale.shards)) {
          for (let i = 0; i < inShard.length; i += CHUNK) {
            const added = await this.scripts.run('addFcodes', {
              saleId,
              shard,
              hashes: inShard.slice(i, i + CHUNK),
            });
            if (added.kind === 'not_enabled') {
              missing = true;
              throw new SaleStateMissing();
            }
          }
        }
      })
      .catch((err: unknown) => {
        if (!(err instanceof SaleStateMissing)) throw err;
      });
    // The sale exists with F-codes on, but Redis lost its live state: nothing was issued.
    // (Hashes of earlier chunks may stay in Redis: nobody holds those codes, so none can be
    // redeemed; only the issued count reads high.)
    if (missing) return { kind: 'unavailable' };
    return { kind: 'generated', codes };
  }
}

class SaleStateMissing extends Error {}

/** A sharded sale keeps each code in the code's own shard (codeShard). */
function byShard(hashes: string[], shards: number): Map<number, string[]> {
  const groups = new Map<number, string[]>();
  for (const hash of hashes) {
    const shard = codeShard(hash, shards);
    const group = groups.get(shard);
    if (group) group.push(hash);
    else groups.set(shard, [hash]);
  }
  return groups;
}
