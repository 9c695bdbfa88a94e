--[[
  announce-stock: a sharded sale's sell-out, and its end, told once to every API instance,
  from shard 0 (whose channel they follow). A shard's script cannot publish on another
  shard's channel on a cluster, so the caller that found every shard empty, or that gave a
  unit back to one, announces it here.

  sold_out is announced only if no unit came back since the caller began looking
  (avail_gen, read before it looked at the shards, is unchanged), and only once until the
  next "available". available counts a generation and is announced if the sale was sold out.

  KEYS[1]  shard 0's state hash   <p>{sale:ID}   sold_out (0/1), avail_gen

  ARGV[1]  the sale's shard channel (shard 0's)
  ARGV[2]  sale id
  ARGV[3]  sold_out | available
  ARGV[4]  sold_out: the avail_gen the caller read before looking at the shards

  Returns:
    0  ANNOUNCED
    1  UNCHANGED      already announced (sold_out), or not sold out (available)
    2  STALE          sold_out, but a unit came back meanwhile: look again
    3  STATE_MISSING  shard 0 is not armed
]]
if redis.call('HEXISTS', KEYS[1], 'shards') == 0 then
  return 3
end
if ARGV[3] == 'available' then
  redis.call('HINCRBY', KEYS[1], 'avail_gen', 1)
  if redis.call('HGET', KEYS[1], 'sold_out') ~= '1' then
    return 1
  end
  redis.call('HSET', KEYS[1], 'sold_out', 0)
  redis.call('SPUBLISH', ARGV[1], 'available:' .. ARGV[2])
  return 0
end
if (redis.call('HGET', KEYS[1], 'avail_gen') or '0') ~= ARGV[4] then
  return 2
end
if redis.call('HGET', KEYS[1], 'sold_out') == '1' then
  return 1
end
redis.call('HSET', KEYS[1], 'sold_out', 1)
redis.call('SPUBLISH', ARGV[1], 'sold_out:' .. ARGV[2])
return 0
