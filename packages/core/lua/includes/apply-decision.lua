--[[
  apply-decision: stores a group's decision on its barrier and tells the producer waiting on it.

  storeDecision(metaKey, decision, reason, detail)
    metaKey   the barrier's meta hash
    decision  "succeeded" | "failed"
    reason    short machine word stored as decidedReason ("" when decided by the policy)
    detail    a human-readable explanation stored as decidedDetail ("" when none)
  wakeWaiter(channel, message, decision, extra)
    channel   pub/sub channel of the waiting producer, or "" (a nested group's waiter is a job)
    message   identifies the group to the waiter ("<runId>/<groupKey>")
    extra     appended to the message: "" or "\n" and a snapshot (see barrier-record)
  applyDecision(metaKey, decision, reason, detail, channel, message): both, with no extra.
  Events: PUBLISH channel "<message>\n<decision>" .. extra when channel is not "".
]]
local function storeDecision(metaKey, decision, reason, detail)
  redis.call('HSET', metaKey, 'decided', decision, 'decidedReason', reason, 'decidedDetail', detail)
end

local function wakeWaiter(channel, message, decision, extra)
  if channel ~= '' then
    redis.call('PUBLISH', channel, message .. '\n' .. decision .. extra)
  end
end

local function applyDecision(metaKey, decision, reason, detail, channel, message)
  storeDecision(metaKey, decision, reason, detail)
  wakeWaiter(channel, message, decision, '')
end
