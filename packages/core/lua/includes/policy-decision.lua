--[[
  policy-decision: what a built-in policy decides after one more outcome.

  policyDecision(kind, param, total, done, fail, index, status)
    kind    strict | best_effort | atLeast | critical | custom
    param   atLeast: n; critical: ",i,j," (branch indexes); otherwise ""
    total   number of branches; done / fail: counts including this outcome
    index   the branch index of this outcome; status: "ok" | "fail"
  Returns "succeeded", "failed" or "" (still pending). Success always needs every branch (BSP).
  A custom policy returns "" here: the caller evaluates it and calls barrier-decide.
]]
local function policyDecision(kind, param, total, done, fail, index, status)
  local allDone = done >= total
  if kind == 'strict' then
    if fail > 0 then return 'failed' end
  elseif kind == 'atLeast' then
    if total - fail < tonumber(param) then return 'failed' end
  elseif kind == 'critical' then
    if status == 'fail' and string.find(param, ',' .. index .. ',', 1, true) then return 'failed' end
  elseif kind ~= 'best_effort' then
    return ''
  end
  if allDone then return 'succeeded' end
  return ''
end
