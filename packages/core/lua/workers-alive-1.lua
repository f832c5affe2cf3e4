--[[
  workers-alive: whether any worker serves a queue now, and when one was last seen.

  KEYS[1] workers   sorted set written by worker-heartbeat
  ARGV[1] staleMs   a worker whose last heartbeat is older than this is gone

  Returns { alive, lastWorker, agoMs }
    alive       workers with a fresh heartbeat
    lastWorker  id of the most recently seen worker, or "" when none was ever seen
    agoMs       how long ago that was, or -1
]]
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
local alive = redis.call('ZCOUNT', KEYS[1], now - tonumber(ARGV[1]), '+inf')
local last = redis.call('ZREVRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #last == 0 then
  return { alive, '', -1 }
end
return { alive, last[1], now - tonumber(last[2]) }
