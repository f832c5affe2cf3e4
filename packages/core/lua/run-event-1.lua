--[[
  run-event: appends one event a process reports (run started, a task started or finished) to
  the run's stream. Group events are written by the barrier scripts, in the same step as the
  state change they report.

  KEYS[1] events    the run's event stream (see emit-event)
  ARGV[1] channel   the run's notify channel
  ARGV[2] ttl       seconds
  ARGV[3] type      the event type
  ARGV[4] json      the event's fields

  Returns 1.
  Events: see emit-event.
]]
--- @include "includes/emit-event"

emitEvent(KEYS[1], ARGV[1], ARGV[2], ARGV[3], ARGV[4])
return 1
