--[[
  emit-event: appends one progress event to a run's capped event stream and wakes its followers.
  Only runs with events on call it (every submitted run; run() with onEvent), so runs without
  them pay nothing.

  emitEvent(streamKey, channel, ttl, type, json)
    streamKey  the run's event stream (RunKeys.events); capped near EVENTS_MAXLEN entries, so a
               run's events take bounded memory whatever its size (the oldest go first)
    channel    the run's notify channel (runChannel): followers wake and read the stream
    ttl        seconds; the stream expires with the run (it is also in the run's key set)
    type       "run:started" | "task:started" | "group:progress" | ... (see events/run-event.ts)
    json       the event's own fields, as JSON
  Events: XADD streamKey MAXLEN ~ EVENTS_MAXLEN * t <type> d <json>; PUBLISH channel "e".
]]
local EVENTS_MAXLEN = 10000
local function emitEvent(streamKey, channel, ttl, type, json)
  redis.call('XADD', streamKey, 'MAXLEN', '~', EVENTS_MAXLEN, '*', 't', type, 'd', json)
  redis.call('EXPIRE', streamKey, ttl)
  redis.call('PUBLISH', channel, 'e')
end
