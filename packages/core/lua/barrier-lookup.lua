--[[
  barrier-lookup: a branch's first look at its barrier, in one call.

  KEYS[1] meta      barrier hash (see barrier-init)
  KEYS[2] outcomes  outcome hash (see barrier-record)
  ARGV[1] index     the branch's index within the group

  Returns { recorded, meta... }
    recorded   1 when this branch's outcome is already recorded (a redelivery), else 0
    meta...    the meta hash as a flat field/value list; empty when the barrier does not exist
  Side effect: HINCRBY meta started 1 when the barrier exists (the producer's watchdog reads it
  as worker activity).
]]
if redis.call('EXISTS', KEYS[1]) == 0 then
  return { 0 }
end
redis.call('HINCRBY', KEYS[1], 'started', 1)
local recorded = redis.call('HEXISTS', KEYS[2], ARGV[1])
local out = { recorded }
local meta = redis.call('HGETALL', KEYS[1])
for i = 1, #meta do
  out[#out + 1] = meta[i]
end
return out
