--[[
  barrier-decide: decides a group from outside the record script: a custom policy's verdict, a
  group timeout, or no worker activity. The first decision wins.

  KEYS[1] meta      barrier hash
  KEYS[2] wake      list the producer blocks on
  ARGV[1] decision  "succeeded" | "failed"
  ARGV[2] reason    stored as decidedReason (e.g. "timeout")
  ARGV[3] ttl       seconds

  Returns
    -1  no barrier
     0  already decided; nothing changed
     1  this call decided
  Events: RPUSH wake <decision> when this call decides.
]]
if redis.call('EXISTS', KEYS[1]) == 0 then
  return -1
end
if redis.call('HGET', KEYS[1], 'decided') ~= '' then
  return 0
end
redis.call('HSET', KEYS[1], 'decided', ARGV[1], 'decidedReason', ARGV[2])
redis.call('RPUSH', KEYS[2], ARGV[1])
redis.call('EXPIRE', KEYS[2], ARGV[3])
return 1
