--[[
  run-control: records a run's control flag (a task's terminate, or a cancel) once; the first
  wins. Kind and reason are written together, so a reader never sees a cancel without the
  reason it was given.

  KEYS[1] control   the run's control hash: kind, and reason when one was given
  ARGV[1] kind      "terminated" | "cancelled"
  ARGV[2] hasReason "1" when ARGV[3] is a reason ("" included), "" for none
  ARGV[3] reason
  ARGV[4] ttl       seconds

  Returns 1 when recorded, 0 when the run already had a control flag (nothing changed).
]]
if redis.call('HSETNX', KEYS[1], 'kind', ARGV[1]) == 0 then
  return 0
end
if ARGV[2] == '1' then
  redis.call('HSET', KEYS[1], 'reason', ARGV[3])
end
redis.call('EXPIRE', KEYS[1], ARGV[4])
return 1
