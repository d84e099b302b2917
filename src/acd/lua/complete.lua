-- A connected ACD call is over: the agent goes to wrap-up (or available with
-- no wrap-up, or logged-out if they logged out during the call), the handle
-- time joins the queue's recent ones (estimated wait), and the journal gets
-- COMPLETECALLER / COMPLETEAGENT / TRANSFER (or EXITLOST: media died with an instance).
--
-- KEYS[1]  entry:<callId>
-- KEYS[2]  wrapups
-- ARGV[3]  call id
-- ARGV[4]  journal event
-- ARGV[5]  wrap-up ms
-- ARGV[6]  handle times kept per queue
-- ARGV[7]  extra journal fields JSON object
--
-- Returns { 'ok', agent id, agent state after } or { 'GONE' } / { 'NOT_CONNECTED', state }.

local callId, event = ARGV[3], ARGV[4]
local wrapMs = tonumber(ARGV[5]) or 0
local window = tonumber(ARGV[6]) or 50
local e = decode(redis.call('GET', KEYS[1]))
if e == nil then return { 'GONE' } end
if e.state ~= 'connected' then return { 'NOT_CONNECTED', e.state } end
local agentId = e.agent or ''
local a = loadAgent(agentId)
local stateAfter = ''
if a and a.call == callId and a.state == 'on-call' then
  local from = a.state
  if a.pendingLogout then
    setState(a, 'logged-out', 'logout')
    journal('AGENTLOGOFF', '', '', agentId, { logintime = secondsSince(a.loginAt), reason = 'logout' })
    a.loginAt, a.pendingLogout, a.call, a.reason = nil, nil, nil, nil
  elseif wrapMs > 0 then
    setState(a, 'wrap-up', 'call-end')
    a.wrapUntil = NOW + wrapMs
    redis.call('ZADD', KEYS[2], a.wrapUntil, agentId)
  else
    setState(a, 'available', 'call-end')
    a.idleSince, a.call = NOW, nil
  end
  saveAgent(a, from, 'call-end')
  stateAfter = a.state
end
local talk = NOW - (tonumber(e.connectedAt) or NOW)
local data = decode(ARGV[7]) or {}
data.holdtime = tostring(math.floor(((tonumber(e.connectedAt) or NOW) - e.enqueuedAt) / 1000 + 0.5))
data.calltime = secondsSince(e.connectedAt)
journal(event, e.queue, callId, agentId, data)
redis.call('LPUSH', key('aht', e.queue), talk + wrapMs)
redis.call('LTRIM', key('aht', e.queue), 0, window - 1)
deleteEntry(e)
return { 'ok', agentId, stateAfter }
