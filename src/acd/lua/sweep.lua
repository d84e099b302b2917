-- Housekeeping any instance may run at any time: reservations that outlived
-- their ttl (the owner died or stalled before ringing) go back to the queue and
-- free their agents; wrap-ups that have ended make their agents available.
--
-- KEYS[1]  reservations
-- KEYS[2]  wrapups
-- ARGV[3]  most items to handle per set in one run
--
-- Returns { returned call ids JSON, agent ids JSON freed (an expired offer dropped, or
-- wrap-up ended) }.

local limit = tonumber(ARGV[3]) or 100
local returned, freed = {}, {}
for _, callId in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', NOW, 'LIMIT', 0, limit)) do
  redis.call('ZREM', KEYS[1], callId)
  local e = loadEntry(callId)
  if e and e.state == 'offered' then
    for _, agentId in ipairs(list(e.agents)) do
      if dropOffer(agentId, callId, 'reservation-expired', false, 0, e) then freed[#freed + 1] = agentId end
    end
    e.agents = {}
    e.state, e.offeredAt = 'waiting', nil
    saveEntry(e)
    returned[#returned + 1] = callId
  end
end
for _, agentId in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', NOW, 'LIMIT', 0, limit)) do
  redis.call('ZREM', KEYS[2], agentId)
  local a = loadAgent(agentId)
  if a and a.state == 'wrap-up' and (tonumber(a.wrapUntil) or 0) <= NOW then
    local from = setState(a, 'available', 'wrap-up-end')
    a.idleSince, a.call, a.wrapUntil = NOW, nil, nil
    saveAgent(a, from, 'wrap-up-end')
    freed[#freed + 1] = agentId
  end
end
return { cjson.encode(returned), cjson.encode(freed) }
