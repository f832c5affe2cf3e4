--[[
  channel-append: appends a msgpack value to a channel list, keeping its TTL rules: a write with
  ttlMs gives the entry its own TTL; a write without one keeps the entry's own TTL if it has one,
  else the entry follows the run's TTL (registered in runKeys, refreshed by run-touch).

  KEYS[1] value     the channel entry (a list)
  KEYS[2] index     set of the run's channel keys (what `keys()` lists)
  KEYS[3] runKeys   set of the run's keys that follow the run's TTL (see run-touch)
  ARGV[1] payload   msgpack of the appended value
  ARGV[2] name      the entry's channel key, added to the index
  ARGV[3] ttlMs     "" or a TTL in ms for the entry
  ARGV[4] runTtl    seconds

  Returns the list's new length.
]]
local length = redis.call('RPUSH', KEYS[1], ARGV[1])
if ARGV[3] ~= '' then
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
  redis.call('SREM', KEYS[3], KEYS[1])
elseif redis.call('SISMEMBER', KEYS[3], KEYS[1]) == 1 or redis.call('TTL', KEYS[1]) == -1 then
  redis.call('EXPIRE', KEYS[1], ARGV[4])
  redis.call('SADD', KEYS[3], KEYS[1])
end
redis.call('SADD', KEYS[2], ARGV[2])
redis.call('EXPIRE', KEYS[2], ARGV[4])
return length
