--[[
  run-claim: claims a run id under the prefix, once. A run id names one run for its whole TTL:
  reusing it while its keys live would mix two runs' barriers, results and jobs.

  KEYS[1] meta      the run's hash: status, name, createdAt, epoch, ttl
  KEYS[2] runKeys   set of the run's keys that follow the run's TTL (see run-touch)
  KEYS[3] results   the run's results hash: created here with a placeholder field "" (node ids
                    are never empty) and the TTL, so a branch storing its result needs no EXPIRE
  ARGV[1] ttl       seconds
  ARGV[2] status    initial status ("running" for run(), "queued" for submit())
  ARGV[3] name      the workflow's name
  ARGV[4] epoch     random tag of this claim; job ids include it, so jobs of an expired run
                    with the same id can never be mistaken for this run's
  ARGV[5..]         other key names of the run to register in runKeys (control, channel index, ...)

  Returns
    { 1, epoch }                 claimed (also when this same claim ran before: a client resends a
                                 script whose reply a reconnect lost, and the epoch identifies it)
    { 0, status, createdAt }     the id is taken by another run whose keys still exist
]]
if redis.call('EXISTS', KEYS[1]) == 1 then
  local m = redis.call('HMGET', KEYS[1], 'status', 'createdAt', 'epoch')
  if m[3] == ARGV[4] then
    return { 1, ARGV[4] }
  end
  return { 0, m[1] or '', m[2] or '' }
end
local now = redis.call('TIME')
local createdAt = tostring(now[1] * 1000 + math.floor(now[2] / 1000))
redis.call('HSET', KEYS[1], 'status', ARGV[2], 'name', ARGV[3], 'createdAt', createdAt, 'epoch', ARGV[4], 'ttl', ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[1])
redis.call('HSET', KEYS[3], '', '')
redis.call('EXPIRE', KEYS[3], ARGV[1])
-- One SADD for all of them (a handful of names: unpack stays far below Lua's stack limit).
redis.call('SADD', KEYS[2], KEYS[1], KEYS[3], unpack(ARGV, 5))
redis.call('EXPIRE', KEYS[2], ARGV[1])
return { 1, ARGV[4] }
