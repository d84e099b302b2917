-- The owner instance has sent the INVITE: the agent is ringing, and the
-- reservation now lasts the ring timeout (plus a margin) instead of the short
-- reservation ttl.
--
-- KEYS[1]  entry:<callId>
-- KEYS[2]  reservations
-- ARGV[3]  call id
-- ARGV[4]  agent id
-- ARGV[5]  reservation ttl ms from now
--
-- Returns { 'ok' } or { 'GONE' } when the offer was withdrawn meanwhile (the
-- caller left, the agent logged out, the reservation expired): cancel the INVITE.

local callId, agentId = ARGV[3], ARGV[4]
local ttl = tonumber(ARGV[5]) or 30000
local e = decode(redis.call('GET', KEYS[1]))
if e == nil or e.state ~= 'offered' or not contains(e.agents, agentId) then return { 'GONE' } end
local a = loadAgent(agentId)
if a == nil or not contains(a.offers, callId) then return { 'GONE' } end
if a.state == 'reserved' then
  local from = setState(a, 'ringing', 'ring')
  saveAgent(a, from, 'ring')
end
local current = tonumber(redis.call('ZSCORE', KEYS[2], callId)) or 0
if NOW + ttl > current then redis.call('ZADD', KEYS[2], NOW + ttl, callId) end
return { 'ok' }
