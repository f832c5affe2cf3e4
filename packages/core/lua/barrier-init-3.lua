--[[
  barrier-init: creates the BSP barrier of one group instance, once.

  KEYS[1] meta      hash of the barrier: total, kind, param, groupId, done, ok, fail, decided,
                    decidedReason, decidedDetail, dispatched
  KEYS[2] outcomes  the barrier's outcome hash (see barrier-record): created here with a
                    placeholder field "-" and the TTL, so recording an outcome needs no EXPIRE
  KEYS[3] runKeys   set of the run's keys that follow the run's TTL (see run-touch)
  ARGV[1] total     number of branches
  ARGV[2] kind      policy kind: strict | best_effort | atLeast | critical | custom
  ARGV[3] param     atLeast: n; critical: ",i,j," (branch indexes); otherwise ""
  ARGV[4] ttl       seconds; every barrier key expires
  ARGV[5] groupId   the group's node id (for operators reading Redis)

  Returns
    1  created
    0  already existed (a re-run or resumed branch reached the same group instance)
]]
if redis.call('EXISTS', KEYS[1]) == 1 then
  return 0
end
redis.call('HSET', KEYS[1],
  'total', ARGV[1], 'kind', ARGV[2], 'param', ARGV[3], 'groupId', ARGV[5],
  'done', 0, 'ok', 0, 'fail', 0, 'decided', '', 'decidedReason', '', 'decidedDetail', '', 'dispatched', 0)
redis.call('EXPIRE', KEYS[1], ARGV[4])
redis.call('HSET', KEYS[2], '-', '')
redis.call('EXPIRE', KEYS[2], ARGV[4])
redis.call('SADD', KEYS[3], KEYS[1], KEYS[2])
redis.call('EXPIRE', KEYS[3], ARGV[4])
return 1
