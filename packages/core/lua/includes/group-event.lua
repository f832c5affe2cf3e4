--[[
  group-event: a group's event, with the group's identity and counts read from its barrier.

  emitGroupEvent(metaKey, streamKey, channel, ttl, type, fields)
    metaKey    the barrier's meta hash (groupId, groupKey, total, done, ok, fail)
    streamKey, channel, ttl: as in emit-event
    type       "group:dispatched" | "group:progress" | "group:decided"
    fields     a table of extra fields (decision, reason), or {}
  Events: see emit-event.
]]
--- @include "includes/emit-event"
local function emitGroupEvent(metaKey, streamKey, channel, ttl, type, fields)
  local m = redis.call('HMGET', metaKey, 'groupId', 'groupKey', 'total', 'done', 'ok', 'fail')
  fields.groupId = m[1] or ''
  if m[2] then fields.groupKey = m[2] end
  fields.total = tonumber(m[3]) or 0
  fields.done = tonumber(m[4]) or 0
  fields.ok = tonumber(m[5]) or 0
  fields.failed = tonumber(m[6]) or 0
  emitEvent(streamKey, channel, ttl, type, cjson.encode(fields))
end
