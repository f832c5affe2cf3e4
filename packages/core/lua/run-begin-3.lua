--[[
  run-begin: a worker starts (or resumes) a submitted run's root job. The first start moves the
  run from "queued" to "running" and reports it; a later one (a resume after a group, a re-run
  after a worker died) changes nothing. Either way the caller learns whether the run already
  ended (cancelled while queued or waiting) and whether it was asked to stop.

  KEYS[1] meta      the run's hash (see run-claim)
  KEYS[2] control   the run's control hash: kind "terminated" | "cancelled", reason
  KEYS[3] events    the run's event stream (see emit-event)
  ARGV[1] events    the run's notify channel when the run has events on, else ""
  ARGV[2] ttl       seconds
  ARGV[3] json      fields of the "run:started" event (the worker's id)

  Returns { status, control }
    status   the run's status before this call ("queued", "running", "succeeded", "failed",
             "cancelled"), or "" when the run does not exist (expired, or a key prefix mismatch)
    control  the control kind, or ""
  Events: "run:started" on the first start, when ARGV[1] is set (see emit-event).
]]
--- @include "includes/emit-event"

local status = redis.call('HGET', KEYS[1], 'status')
if not status then
  return { '', '' }
end
local control = redis.call('HGET', KEYS[2], 'kind') or ''
if status == 'queued' then
  local t = redis.call('TIME')
  redis.call('HSET', KEYS[1], 'status', 'running', 'startedAt', tostring(t[1] * 1000 + math.floor(t[2] / 1000)))
  if ARGV[1] ~= '' then
    emitEvent(KEYS[3], ARGV[1], ARGV[2], 'run:started', ARGV[3])
  end
end
return { status, control }
