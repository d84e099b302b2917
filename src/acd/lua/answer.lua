-- The agent answered: the agent goes on-call, the caller leaves the queue
-- (CONNECT), the agent's other offers go back to their queues and the other
-- agents rung for this call (ringall) are freed.
--
-- KEYS[1]  entry:<callId>
-- KEYS[2]  queue:<queue>
-- KEYS[3]  reservations
-- ARGV[3]  call id
-- ARGV[4]  agent id
--
-- Returns { 'ok', withdrawn call ids JSON, released agent ids JSON }, or
-- { 'GONE', state } when this agent no longer holds the offer (hang the agent up).

local callId, agentId = ARGV[3], ARGV[4]
local e = decode(redis.call('GET', KEYS[1]))
if e == nil then return { 'GONE', '' } end
if e.state ~= 'offered' or not contains(e.agents, agentId) then return { 'GONE', e.state } end
local a = loadAgent(agentId)
if a == nil or not contains(a.offers, callId) then return { 'GONE', e.state } end
if not canSet(a, 'on-call') then return { 'GONE', a.state } end

local otherCalls = without(a.offers, callId)
for _, other in ipairs(otherCalls) do
  local oe = loadEntry(other)
  if oe then entryLosesAgent(oe, agentId) end
end
local otherAgents = without(e.agents, agentId)
for _, other in ipairs(otherAgents) do dropOffer(other, callId, 'answered-elsewhere', false, 0, e) end

local from = setState(a, 'on-call', 'answer')
a.offers, a.call, a.misses = {}, callId, 0
a.callsTaken = (tonumber(a.callsTaken) or 0) + 1
saveAgent(a, from, 'answer')

journal('CONNECT', e.queue, callId, agentId, { holdtime = secondsSince(e.enqueuedAt), ringtime = secondsSince(e.offeredAt) })
redis.call('ZREM', KEYS[2], callId)
redis.call('ZREM', KEYS[3], callId)
e.state, e.agent, e.agents, e.connectedAt = 'connected', agentId, {}, NOW
saveEntry(e)
return { 'ok', cjson.encode(otherCalls), cjson.encode(otherAgents) }
