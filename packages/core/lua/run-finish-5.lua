--[[
  run-finish: records how a run ended, once: the first call wins (a cancel against the run's own
  ending, a re-run finishing again). The run's TTL starts now for every key of the run, so its
  status, output and results stay readable for one TTL after its end, then all of it is gone.

  KEYS[1] meta      the run's hash (see run-claim): gets status, finishedAt, and output or error
  KEYS[2] runKeys   set of the run's keys that follow the run's TTL (see run-touch)
  KEYS[3] events    the run's event stream (see emit-event)
  KEYS[4] control   the run's control hash (kind: terminated | cancelled, reason)
  KEYS[5] results   the run's results hash (node id -> msgpack value)
  ARGV[1] status    "succeeded" | "failed" | "cancelled"
  ARGV[2] field     "output" (msgpack of the run's output) or "error" (msgpack of an error summary)
  ARGV[3] payload   the field's value
  ARGV[4] ttl       seconds
  ARGV[5] channel   the run's notify channel
  ARGV[6] events    "1" when the run has events on, else ""
  ARGV[7] json      fields of the "run:finished" event
  ARGV[8] read      "1" from a producer whose graph walk just succeeded: check the run's control
                    first, and return the control flags and every result with the code, so the
                    run ends in one round trip; "" otherwise

  Returns (read = "")
    -1  the run does not exist (expired, or a key prefix mismatch)
     0  the run had already ended; nothing changed
     1  recorded
  Returns (read = "1") { code, controlKind, controlReason, results... }
    code as above, or 2: the run's control says cancelled, so nothing was recorded (the caller
    ends it as cancelled); results... is the results hash as a flat field/value list
  Events: "run:finished" when ARGV[6] is set (see emit-event); PUBLISH ARGV[5] "f" always, so
  followers of a run without events wake too.
]]
--- @include "includes/emit-event"

local function reply(code)
  if ARGV[8] ~= '1' then
    return code
  end
  local control = redis.call('HMGET', KEYS[4], 'kind', 'reason')
  local out = { code, control[1] or '', control[2] or '' }
  local results = redis.call('HGETALL', KEYS[5])
  for i = 1, #results do
    out[#out + 1] = results[i]
  end
  return out
end

if ARGV[8] == '1' and redis.call('HGET', KEYS[4], 'kind') == 'cancelled' then
  return { 2, 'cancelled', redis.call('HGET', KEYS[4], 'reason') or '' }
end
local status = redis.call('HGET', KEYS[1], 'status')
if not status then
  return reply(-1)
end
if status == 'succeeded' or status == 'failed' or status == 'cancelled' then
  return reply(0)
end
local t = redis.call('TIME')
redis.call('HSET', KEYS[1], 'status', ARGV[1], ARGV[2], ARGV[3], 'finishedAt', tostring(t[1] * 1000 + math.floor(t[2] / 1000)))
if ARGV[6] ~= '' then
  emitEvent(KEYS[3], ARGV[5], ARGV[4], 'run:finished', ARGV[7])
end
for _, key in ipairs(redis.call('SMEMBERS', KEYS[2])) do
  redis.call('EXPIRE', key, ARGV[4])
end
redis.call('EXPIRE', KEYS[2], ARGV[4])
redis.call('PUBLISH', ARGV[5], 'f')
return reply(1)
