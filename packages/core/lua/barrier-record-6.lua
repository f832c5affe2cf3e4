--[[
  barrier-record: records one branch outcome at most once, counts it, and applies the policy.
  A redelivered, retried or replayed branch finds its outcome recorded and is not counted again.

  KEYS[1] meta      barrier hash (see barrier-init)
  KEYS[2] outcomes  hash: branch index -> status .. ":" .. payload, status one of ok | fail, or
                    lateok | latefail for outcomes that arrived after the decision
  KEYS[3] results   the run's results hash (node id -> msgpack value)
  KEYS[4] events    the run's event stream (see emit-event); written only when ARGV[8] is set
  KEYS[5] control   the run's control flags (read only: sent with a decision, see below)
  KEYS[6] groupJob  the group's BullMQ job hash (written only when ARGV[8] is set, see Events), or
                    KEYS[1] again when the caller knows no job (nothing is written then)
  ARGV[1] index     branch index within the group, 0 <= index < total
  ARGV[2] status    "ok" | "fail"
  ARGV[3] payload   msgpack of the branch value, or of the error summary
  ARGV[4] ttl       seconds
  ARGV[5] nodeId    when not "": also store ARGV[3] as this node's result, in the same step, so a
                    result is visible exactly when its branch is counted (lone-task branches)
  ARGV[6] channel   pub/sub channel of the producer waiting on the group, or ""
  ARGV[7] message   "<runId>/<groupKey>", what the waiter is told
  ARGV[8] events    the run's notify channel when the run has events on, else ""

  Returns { code, done, ok, fail, decided }
    -2  index outside [0, total): a forged or corrupt job; nothing changed
    -1  no barrier (expired, or a key prefix mismatch)
     0  duplicate: this branch was already recorded; nothing changed
     1  recorded; the group is still pending
     2  recorded; this call decided success (every branch done)
     3  recorded; this call decided failure (the caller cancels what is left)
     4  recorded after the group was decided (late branch, ignored by the decision)
  Events: PUBLISH <channel> "<message>\n<decision>" when this call decides (see apply-decision),
  and for a group of at most SNAPSHOT_MAX_BRANCHES branches also "\n" and what its waiter would read
  next, as of this decision, so it need not read it: "S1", then the meta, outcomes and control
  hashes (HGETALL order), each as "<count>:" and count netstrings "<length>:<bytes>". Left out when
  it would exceed SNAPSHOT_MAX_BYTES.
  With ARGV[8]: "group:progress" { groupId, groupKey, total, done, ok, failed } for each counted
  outcome (not duplicates, not late ones), then "group:decided" (with decision) when this call
  decides (see group-event). The group job's "progress" field (what BullMQ's Job.progress and
  Bull Board read) becomes {"done":done,"total":total} in the same step, when the job exists:
  written by each branch's worker after its reply, two workers' writes could land out of order
  and leave an ended group showing fewer branches done than it had.
]]
--- @include "includes/policy-decision"
--- @include "includes/apply-decision"
--- @include "includes/group-event"

local SNAPSHOT_MAX_BRANCHES = 64
local SNAPSHOT_MAX_BYTES = 16384

-- "\nS1" and the three hashes as netstrings, or '' when too large (the waiter then reads them).
local function decisionSnapshot(total)
  if total > SNAPSHOT_MAX_BRANCHES then return '' end
  local parts, size = { '\nS1' }, 0
  for _, key in ipairs({ KEYS[1], KEYS[2], KEYS[5] }) do
    local flat = redis.call('HGETALL', key)
    parts[#parts + 1] = #flat .. ':'
    for i = 1, #flat do
      size = size + #flat[i]
      if size > SNAPSHOT_MAX_BYTES then return '' end
      parts[#parts + 1] = #flat[i] .. ':'
      parts[#parts + 1] = flat[i]
    end
  end
  return table.concat(parts)
end

-- One read of everything the decision needs; counts are written back in one HSET.
local m = redis.call('HMGET', KEYS[1], 'total', 'decided', 'kind', 'param', 'done', 'ok', 'fail')
if not m[1] then
  return { -1, 0, 0, 0, '' }
end
local total = tonumber(m[1])
local index = tonumber(ARGV[1])
if index == nil or index < 0 or index >= total or index ~= math.floor(index) then
  return { -2, 0, 0, 0, '' }
end
local already = m[2]
local done, ok, fail = tonumber(m[5]), tonumber(m[6]), tonumber(m[7])
local status = ARGV[2]
if already ~= '' then status = 'late' .. status end
-- The outcome hash and the results hash were created with the run's TTL (barrier-init,
-- run-claim) and are kept alive by run-touch, so recording needs no EXPIRE.
if redis.call('HSETNX', KEYS[2], ARGV[1], status .. ':' .. ARGV[3]) == 0 then
  return { 0, done, ok, fail, already }
end
if ARGV[5] ~= '' and ARGV[2] == 'ok' then
  redis.call('HSET', KEYS[3], ARGV[5], ARGV[3])
end

done = done + 1
if already ~= '' then
  -- A late outcome is kept (the branch has ended) but does not change the decided counts.
  redis.call('HSET', KEYS[1], 'done', done)
  return { 4, done, ok, fail, already }
end
if ARGV[2] == 'ok' then ok = ok + 1 else fail = fail + 1 end
redis.call('HSET', KEYS[1], 'done', done, 'ok', ok, 'fail', fail)

local decision = policyDecision(m[3], m[4], total, done, fail, ARGV[1], ARGV[2])
if ARGV[8] ~= '' then
  emitGroupEvent(KEYS[1], KEYS[4], ARGV[8], ARGV[4], 'group:progress', {})
  if KEYS[6] ~= KEYS[1] and redis.call('EXISTS', KEYS[6]) == 1 then
    redis.call('HSET', KEYS[6], 'progress', '{"done":' .. done .. ',"total":' .. total .. '}')
  end
end
if decision == '' then
  return { 1, done, ok, fail, '' }
end
storeDecision(KEYS[1], decision, '', '')
if ARGV[8] ~= '' then
  emitGroupEvent(KEYS[1], KEYS[4], ARGV[8], ARGV[4], 'group:decided', { decision = decision })
end
-- Woken last, after everything this call writes, with the snapshot of it.
if ARGV[6] ~= '' then
  wakeWaiter(ARGV[6], ARGV[7], decision, decisionSnapshot(total))
end
if decision == 'succeeded' then
  return { 2, done, ok, fail, decision }
end
return { 3, done, ok, fail, decision }
