--[[
  barrier-decide: decides a group from outside the record script: a custom policy's verdict, a
  group timeout, a cancelled run, or no worker serving a queue. The first decision wins.

  KEYS[1] meta      barrier hash (see barrier-init)
  ARGV[1] decision  "succeeded" | "failed"
  ARGV[2] reason    stored as decidedReason: "custom policy" | "timeout" | "cancelled" | "no-worker" | ...
  ARGV[3] detail    stored as decidedDetail: what was observed, for the error message ("" when none)
  ARGV[4] channel   pub/sub channel of the producer waiting on the group, or ""
  ARGV[5] message   "<runId>/<groupKey>", what the waiter is told

  Returns
    -1  no barrier
     0  already decided; nothing changed
     1  this call decided
  Events: PUBLISH <channel> "<message>\n<decision>" when this call decides (see apply-decision).
]]
--- @include "includes/apply-decision"

if redis.call('EXISTS', KEYS[1]) == 0 then
  return -1
end
if redis.call('HGET', KEYS[1], 'decided') ~= '' then
  return 0
end
applyDecision(KEYS[1], ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5])
return 1
