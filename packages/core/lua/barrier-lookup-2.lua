--[[
  barrier-lookup: a redelivered or retried branch's first look at its barrier, in one call. (A
  branch job's first start skips it: nothing can be recorded for it yet.)

  KEYS[1] meta      barrier hash (see barrier-init)
  KEYS[2] outcomes  outcome hash (see barrier-record)
  ARGV[1] index     the branch's index within the group

  Returns { recorded, meta... }
    recorded   1 when this branch's outcome is already recorded (a redelivery), else 0
    meta...    the meta hash as a flat field/value list; empty when the barrier does not exist
]]
if redis.call('EXISTS', KEYS[1]) == 0 then
  return { 0 }
end
local out = { redis.call('HEXISTS', KEYS[2], ARGV[1]) }
local meta = redis.call('HGETALL', KEYS[1])
for i = 1, #meta do
  out[#out + 1] = meta[i]
end
return out
