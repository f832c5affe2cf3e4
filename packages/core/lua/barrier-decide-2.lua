--[[
  barrier-decide: decides a group from outside the record script: a custom policy's verdict, a
  group timeout, a cancelled run, or no worker serving a queue. The first decision wins.

  KEYS[1] meta      barrier hash (see barrier-init)
  KEYS[2] events    the run's event stream (see emit-event); written only when ARGV[6] is set
  ARGV[1] decision  "succeeded" | "failed"
  ARGV[2] reason    stored as decidedReason: "custom policy" | "timeout" | "cancelled" | "no-worker" | ...
  ARGV[3] detail    stored as decidedDetail: what was observed, for the error message ("" when none)
  ARGV[4] channel   pub/sub channel of the producer waiting on the group, or ""
  ARGV[5] message   "<runId>/<groupKey>", what the waiter is told
  ARGV[6] events    the run's notify channel when the run has events on, else ""
  ARGV[7] ttl       seconds, the run's TTL (for the event stream)

  Returns
    -1  no barrier
     0  already decided; nothing changed
     1  this call decided
  Events: PUBLISH <channel> "<message>\n<decision>" when this call decides (see apply-decision).
  With ARGV[6]: "group:decided" { ..., decision, reason } when this call decides (see group-event).
]]
--- @include "includes/apply-decision"
--- @include "includes/group-event"

if redis.call('EXISTS', KEYS[1]) == 0 then
  return -1
end
if redis.call('HGET', KEYS[1], 'decided') ~= '' then
  return 0
end
applyDecision(KEYS[1], ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5])
if ARGV[6] ~= '' then
  emitGroupEvent(KEYS[1], KEYS[2], ARGV[6], ARGV[7], 'group:decided', { decision = ARGV[1], reason = ARGV[2] })
end
return 1
