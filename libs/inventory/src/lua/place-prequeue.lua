--[[
  place-prequeue: give pre-queue buyers their tickets, in the order of the shuffle made by
  the admission controller (Node's crypto RNG), one chunk per call. A buyer flagged as a
  suspect while in the pre-queue is placed in the held hash instead: their number is let in
  with the others and lapses unused.

  The controller holds the shuffle lock while it places chunks, so two controllers never
  interleave two different shuffles; a chunk from a controller that lost the lock is refused.

  KEYS[1]  sale state hash   <p>{sale:ID}               wr_opened, wr_shuffled, wr_head
  KEYS[2]  tickets hash      <p>{sale:ID}:wr:tickets    buyer -> "<ticket>|<joined ms>"
  KEYS[3]  shuffle lock      <p>{sale:ID}:wr:shuffling  the controller's token, with a TTL
  KEYS[4]  suspects set      <p>{sale:ID}:wr:suspects
  KEYS[5]  held hash         <p>{sale:ID}:wr:held       suspect -> "<ticket>|<joined ms>"

  ARGV[1]  the lock token
  ARGV[2]  first ticket number of this chunk
  ARGV[3]  "1" if this is the last chunk (the queue then starts admitting)
  ARGV[4]  the sale's shard channel for its events (SPUBLISH: stays on the sale's node)
  ARGV[5]  sale id
  ARGV[6..] buyers, in shuffled order

  Returns (see PlaceCode):
    0  PLACED     the chunk was placed
    1  DONE       the pre-queue was already placed (by another controller): nothing changed
    2  LOCK_LOST  this controller no longer holds the lock: nothing changed
]]
local f = redis.call('HMGET', KEYS[1], 'wr_opened', 'wr_shuffled', 'wr_head')
if f[2] == '1' then
  return 1
end
if redis.call('GET', KEYS[3]) ~= ARGV[1] then
  return 2
end
local ticket = tonumber(ARGV[2])
for i = 6, #ARGV do
  local current = redis.call('HGET', KEYS[2], ARGV[i])
  local joined = current and string.match(current, '|(%d+)$') or '0'
  if redis.call('SISMEMBER', KEYS[4], ARGV[i]) == 1 then
    redis.call('HDEL', KEYS[2], ARGV[i])
    redis.call('HSET', KEYS[5], ARGV[i], ticket .. '|' .. joined)
  else
    redis.call('HSET', KEYS[2], ARGV[i], ticket .. '|' .. joined)
  end
  ticket = ticket + 1
end
if ARGV[3] == '1' then
  redis.call('HSET', KEYS[1], 'wr_shuffled', 1)
  redis.call('DEL', KEYS[3])
  -- Followers of the queue learn that positions are known now.
  redis.call('SPUBLISH', ARGV[4], 'queue:' .. ARGV[5] .. ':' .. f[3])
end
return 0
