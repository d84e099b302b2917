-- Reserve agents for a waiting call: the decision is the core's (view.ts), the
-- check-and-set is here, so two callers or two instances racing for one agent
-- cannot both get it. ringall reserves several agents; the others one.
--
-- KEYS[1]  entry:<callId>
-- KEYS[2]  reservations (zset: call id by reservation expiry)
-- KEYS[3]  queuemeta:<queue> (lastOffered, for round-robin)
-- ARGV[3]  call id
-- ARGV[4]  reservation ttl ms (the owner must start ringing within it)
-- ARGV[5..] pairs: agent id, that agent's max concurrent offers (an id listed twice counts once)
--
-- An agent is reservable when logged in as available, or reserved/ringing with
-- fewer offers than its maximum, not logging out, not already offered this call.
-- Returns { 'ok', agent ids reserved… } or { 'CALL_NOT_FOUND' },
-- { 'CALL_NOT_WAITING', state }, { 'AGENT_UNAVAILABLE' }.

local callId = ARGV[3]
local ttl = tonumber(ARGV[4]) or 10000
local e = decode(redis.call('GET', KEYS[1]))
if e == nil then return { 'CALL_NOT_FOUND' } end
if e.state ~= 'waiting' then return { 'CALL_NOT_WAITING', e.state } end

local chosen, seen = {}, {}
for i = 5, #ARGV - 1, 2 do
  local a = not seen[ARGV[i]] and loadAgent(ARGV[i]) or nil
  seen[ARGV[i]] = true
  local maxOffers = tonumber(ARGV[i + 1]) or 1
  if a ~= nil and not a.pendingLogout and not contains(a.offers, callId) then
    local n = #list(a.offers)
    if a.state == 'available' or ((a.state == 'reserved' or a.state == 'ringing') and n < maxOffers) then
      chosen[#chosen + 1] = a
    end
  end
end
if #chosen == 0 then return { 'AGENT_UNAVAILABLE' } end

local ids = {}
for _, a in ipairs(chosen) do
  local from = a.state
  if from == 'available' then setState(a, 'reserved', 'reserve') end
  local offers = list(a.offers)
  offers[#offers + 1] = callId
  a.offers = offers
  saveAgent(a, from, 'reserve')
  ids[#ids + 1] = a.id
end
e.state, e.agents, e.offeredAt = 'offered', ids, NOW
saveEntry(e)
redis.call('ZADD', KEYS[2], NOW + ttl, callId)
redis.call('HSET', KEYS[3], 'lastOffered', ids[1])
return { 'ok', unpack(ids) }
