-- Agent state change asked for by the agent, a supervisor or the server:
-- login (ready or not), ready, pause with a reason, logout, wrap-up done,
-- outbound call start/end. Offers the agent holds when leaving reserved/ringing
-- (logout, pause, ready) go back to their queues (not a miss).
--
-- KEYS[1]  agent:<id>
-- KEYS[2]  wrapups (zset: agent id by wrap-up end)
-- ARGV[3]  agent id
-- ARGV[4]  target state: available | paused | logged-out | on-call-outbound | wrap-up
-- ARGV[5]  cause (login, ready, pause, logout, wrap-up-done, outbound-start, outbound-end, …)
-- ARGV[6]  reason: pause reason / outbound campaign ('' none)
-- ARGV[7]  only from these states, comma separated ('' any the table allows)
-- ARGV[8]  wrap-up ms (target wrap-up)
-- ARGV[9]  '1': force (logout during a call applies now: a supervisor clearing a stuck agent)
--
-- Returns { status, state, agent JSON, released call ids JSON }; status is
-- 'ok', 'same' (already there: nothing written), 'pending' (logout during a
-- call: applied when it completes, or when the agent goes available from the
-- call) or 'WRONG_STATE' (not in ARGV[7]).
-- Errors ACD_INVALID_TRANSITION when the state table forbids the change.

local agentId, to, cause, reason, onlyFrom = ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7]
local wrapMs = tonumber(ARGV[8]) or 0
local a = decode(redis.call('GET', KEYS[1]))
-- the call it was busy with, for the state log: "wrap-up done", a pause or a logout clear a.call below
if a then LOADED_CALL[agentId] = a.call or list(a.offers)[1] end
a = a or { id = agentId, state = 'logged-out', since = NOW, idleSince = NOW, offers = {}, callsTaken = 0, misses = 0, version = 0 }

if onlyFrom ~= '' then
  local ok = false
  for s in string.gmatch(onlyFrom, '[^,]+') do if s == a.state then ok = true end end
  if not ok then return { 'WRONG_STATE', a.state, cjson.encode(a), '[]' } end
end

-- The calls offered to this agent go back to their queues (call only after canSet).
local function releaseOffers()
  local released = list(a.offers)
  for _, callId in ipairs(released) do
    local e = loadEntry(callId)
    if e then entryLosesAgent(e, agentId) end
  end
  a.offers = {}
  return released
end

local function logOff(from, why)
  setState(a, 'logged-out', why)
  journal('AGENTLOGOFF', '', '', agentId, { logintime = secondsSince(a.loginAt), reason = why })
  a.offers, a.loginAt, a.pendingLogout, a.call, a.wrapUntil, a.reason = {}, nil, nil, nil, nil, nil
  redis.call('ZREM', KEYS[2], agentId)
  return saveAgent(a, from, why)
end

if to == 'logged-out' then
  if a.state == 'logged-out' then return { 'same', a.state, cjson.encode(a), '[]' } end
  if (a.state == 'on-call' or a.state == 'on-call-outbound') and ARGV[9] ~= '1' then
    if a.pendingLogout then return { 'pending', a.state, cjson.encode(a), '[]' } end
    a.pendingLogout = true
    return { 'pending', a.state, saveAgent(a, a.state, cause), '[]' }
  end
  if not canSet(a, to) then setState(a, to, cause) end
  local from = a.state
  local released = releaseOffers()
  return { 'ok', 'logged-out', logOff(from, cause), cjson.encode(released) }
end

if to == 'available' then
  if a.state == 'available' then return { 'same', a.state, cjson.encode(a), '[]' } end
  if not canSet(a, to) then setState(a, to, cause) end
  local from = a.state
  if a.pendingLogout and (from == 'on-call' or from == 'on-call-outbound') then
    -- Logged out during the call, which has now ended: the logout applies.
    return { 'ok', 'logged-out', logOff(from, 'logout'), '[]' }
  end
  local released = releaseOffers()
  if from == 'logged-out' then
    a.loginAt, a.callsTaken, a.misses = NOW, 0, 0
    journal('AGENTLOGIN', '', '', agentId, {})
  elseif from == 'paused' then
    journal('UNPAUSE', '', '', agentId, { reason = a.reason or '' })
    a.misses = 0
  elseif from == 'wrap-up' then
    redis.call('ZREM', KEYS[2], agentId)
  end
  setState(a, to, cause)
  a.idleSince, a.reason, a.call, a.wrapUntil = NOW, nil, nil, nil
  return { 'ok', a.state, saveAgent(a, from, cause), cjson.encode(released) }
end

if to == 'paused' then
  if reason == '' then return redis.error_reply('ERR acd: a pause needs a reason') end
  if a.state == 'paused' and a.reason == reason then return { 'same', a.state, cjson.encode(a), '[]' } end
  if not canSet(a, to) then setState(a, to, cause) end
  local from = a.state
  local released = releaseOffers()
  if from == 'logged-out' then
    a.loginAt, a.callsTaken, a.misses, a.idleSince = NOW, 0, 0, NOW
    journal('AGENTLOGIN', '', '', agentId, {})
  elseif from == 'wrap-up' then
    redis.call('ZREM', KEYS[2], agentId)
    a.call, a.wrapUntil = nil, nil
  end
  setState(a, to, cause)
  a.reason = reason
  journal('PAUSE', '', '', agentId, { reason = reason })
  return { 'ok', a.state, saveAgent(a, from, cause), cjson.encode(released) }
end

if to == 'on-call-outbound' then
  if not canSet(a, to) then setState(a, to, cause) end
  local from = setState(a, to, cause)
  a.reason = reason ~= '' and reason or nil
  return { 'ok', a.state, saveAgent(a, from, cause), '[]' }
end

if to == 'wrap-up' then
  if a.state ~= 'on-call-outbound' then
    return redis.error_reply('ACD_INVALID_TRANSITION ' .. a.state .. ' -> wrap-up (only an outbound call ends here)')
  end
  local from = a.state
  if a.pendingLogout then
    return { 'ok', 'logged-out', logOff(from, 'logout'), '[]' }
  elseif wrapMs > 0 then
    setState(a, 'wrap-up', cause)
    a.wrapUntil = NOW + wrapMs
    redis.call('ZADD', KEYS[2], a.wrapUntil, agentId)
  else
    setState(a, 'available', cause)
    a.idleSince = NOW
  end
  a.reason = nil
  return { 'ok', a.state, saveAgent(a, from, cause), '[]' }
end

return redis.error_reply('ERR acd: unknown target state ' .. tostring(to))
