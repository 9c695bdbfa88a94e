--[[
  hold-suspects: flag buyers of a sale as suspects, to be held in its line and never
  admitted (the "infinite queue"). Quietly: they keep polling a ticket that says waiting.

  A suspect who has not joined yet is held when they join (join-queue.lua); one in the
  pre-queue, when it is placed (place-prequeue.lua); one waiting in line is moved to the held
  hash now, and their number, let in with the others, lapses unused. One already admitted
  keeps that admission: it is short-lived, and taking it back would need the purchase path.

  KEYS[1]  sale state hash   <p>{sale:ID}              wr_head
  KEYS[2]  tickets hash      <p>{sale:ID}:wr:tickets   buyer -> "<ticket>|<joined ms>"
  KEYS[3]  suspects set      <p>{sale:ID}:wr:suspects
  KEYS[4]  held hash         <p>{sale:ID}:wr:held      suspect -> "<ticket>|<joined ms>"

  ARGV[1..]  buyer ids

  Returns {newly flagged, moved out of the line now, already admitted}
]]
local head = tonumber(redis.call('HGET', KEYS[1], 'wr_head') or '0')
local flagged, moved, admitted = 0, 0, 0
for i = 1, #ARGV do
  flagged = flagged + redis.call('SADD', KEYS[3], ARGV[i])
  local current = redis.call('HGET', KEYS[2], ARGV[i])
  if current then
    local ticket = tonumber(string.match(current, '^(%d+)|'))
    if ticket > head then
      redis.call('HDEL', KEYS[2], ARGV[i])
      redis.call('HSET', KEYS[4], ARGV[i], current)
      moved = moved + 1
    elseif ticket > 0 then
      admitted = admitted + 1
    end
  end
end
return {flagged, moved, admitted}
