--[[
  worker-heartbeat: a worker says it serves a queue, on Redis' clock (workers' clocks may drift).
  Producers read these to tell "no worker serves this queue" from "the workers are busy",
  without CLIENT LIST (which sees every database and needs a command ACL users often lack).

  KEYS[1] workers   sorted set of one queue: worker id -> last heartbeat (ms, Redis time)
  ARGV[1] workerId
  ARGV[2] retainMs  entries older than this are dropped, and the set expires after it
  ARGV[3] backMs    0 for a heartbeat; a worker leaving dates its entry this far back (past the
                    staleness limit), so it stops counting at once but is remembered as seen

  Returns the heartbeat time (ms).
]]
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
redis.call('ZADD', KEYS[1], now - tonumber(ARGV[3]), ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[2]))
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return now
