--[[
  barrier-init: creates the BSP barrier of one group instance, once, and registers the group
  in its run (so a run-wide cancel finds every group the run dispatched).

  KEYS[1] meta      hash of the barrier: total, kind, param, groupId, groupKey, done, ok, fail,
                    decided, decidedReason, decidedDetail, dispatched
  KEYS[2] outcomes  the barrier's outcome hash (see barrier-record): created here with a
                    placeholder field "-" and the TTL, so recording an outcome needs no EXPIRE
  KEYS[3] runKeys   set of the run's keys that follow the run's TTL (see run-touch)
  KEYS[4] groups    set of the run's group keys
  KEYS[5] events    the run's event stream (see emit-event); written only when ARGV[7] is set
  ARGV[1] total     number of branches
  ARGV[2] kind      policy kind: strict | best_effort | atLeast | critical | custom
  ARGV[3] param     atLeast: n; critical: ",i,j," (branch indexes); otherwise ""
  ARGV[4] ttl       seconds; every barrier key expires
  ARGV[5] groupId   the group's node id (for operators reading Redis, and events)
  ARGV[6] groupKey  the group instance's key within the run (see groupKeyOf)
  ARGV[7] events    the run's notify channel when the run has events on, else ""

  Returns
    1  created
    0  already existed (a re-run or resumed branch reached the same group instance)
  Events: "group:dispatched" { groupId, groupKey, total, done, ok, failed } when created and
  ARGV[7] is set (see emit-event).
]]
--- @include "includes/group-event"

if redis.call('EXISTS', KEYS[1]) == 1 then
  return 0
end
redis.call('HSET', KEYS[1],
  'total', ARGV[1], 'kind', ARGV[2], 'param', ARGV[3], 'groupId', ARGV[5], 'groupKey', ARGV[6],
  'done', 0, 'ok', 0, 'fail', 0, 'decided', '', 'decidedReason', '', 'decidedDetail', '', 'dispatched', 0)
redis.call('EXPIRE', KEYS[1], ARGV[4])
redis.call('HSET', KEYS[2], '-', '')
redis.call('EXPIRE', KEYS[2], ARGV[4])
redis.call('SADD', KEYS[3], KEYS[1], KEYS[2], KEYS[4])
redis.call('EXPIRE', KEYS[3], ARGV[4])
redis.call('SADD', KEYS[4], ARGV[6])
redis.call('EXPIRE', KEYS[4], ARGV[4])
if ARGV[7] ~= '' then
  emitGroupEvent(KEYS[1], KEYS[5], ARGV[7], ARGV[4], 'group:dispatched', {})
end
return 1
