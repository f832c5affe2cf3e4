--[[
  apply-decision: stores a group's decision on its barrier and tells the producer waiting on it.

  applyDecision(metaKey, decision, reason, detail, channel, message)
    metaKey   the barrier's meta hash
    decision  "succeeded" | "failed"
    reason    short machine word stored as decidedReason ("" when decided by the policy)
    detail    a human-readable explanation stored as decidedDetail ("" when none)
    channel   pub/sub channel of the waiting producer, or "" (a nested group's waiter is a job)
    message   identifies the group to the waiter ("<runId>/<groupKey>")
  Events: PUBLISH channel "<message>\n<decision>" when channel is not "".
]]
local function applyDecision(metaKey, decision, reason, detail, channel, message)
  redis.call('HSET', metaKey, 'decided', decision, 'decidedReason', reason, 'decidedDetail', detail)
  if channel ~= '' then
    redis.call('PUBLISH', channel, message .. '\n' .. decision)
  end
end
