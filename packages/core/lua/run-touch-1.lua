--[[
  run-touch: keeps every key of a live run alive. Called while the run is waited on or worked
  on (every third of its TTL) and once when it ends, so a run that outlives its TTL never loses
  a barrier, and a finished run's keys expire one TTL after its end. Keys written with their
  own TTL (channel writes with ttlMs) are not in the set and keep their own expiry.

  KEYS[1] runKeys   set of the run's key names (all in the run's hash slot)
  ARGV[1] ttl       seconds

  Returns the number of keys that existed and were refreshed.
]]
local refreshed = 0
for _, key in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  refreshed = refreshed + redis.call('EXPIRE', key, ARGV[1])
end
redis.call('EXPIRE', KEYS[1], ARGV[1])
return refreshed
