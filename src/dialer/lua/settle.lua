-- The end of an attempt, atomically with an agent's disposition for it
-- (apply-agent-disposition.lua): the contact is saved, its lease given back
-- and it goes back in line, or not.
--
-- An agent who set a disposition for this attempt (during the call or in
-- wrap-up, before this runs) decides: a callback puts the contact in line at
-- its time, anything else ends it. Otherwise the dialer's retry time counts.
--
-- KEYS[1]  dialer:contacts:<campaign>   hash contact id → JSON
-- KEYS[2]  dialer:leases:<campaign>     zset of contacts being dialled
-- KEYS[3]  dialer:ready:<campaign>      zset contact id → when it may be dialled
-- KEYS[4]  dialer:agentdisp:<campaign>  hash contact id → the agent's disposition (JSON, with its attempt)
-- ARGV[1]  contact id
-- ARGV[2]  the contact as the dialer leaves it (JSON)
-- ARGV[3]  the attempt
-- ARGV[4]  when to dial again (ms), or '' for never
--
-- Returns { 'dialer' | 'agent', contact JSON }.

local c = cjson.decode(ARGV[2])
local by = 'dialer'
local nextAt = ARGV[4]
local rawAd = redis.call('HGET', KEYS[4], ARGV[1])
if rawAd then
  local ad = cjson.decode(rawAd)
  if tonumber(ad.attempt) == tonumber(ARGV[3]) then
    by = 'agent'
    c.lastDisposition = ad.contactDisposition
    c.agentDisposition = ad
    if ad.callbackAt then c.callbackAt = ad.callbackAt else c.callbackAt = nil end
    if ad.contactDisposition == 'callback' then nextAt = tostring(ad.callbackAt) else nextAt = '' end
  end
end
local json = cjson.encode(c)
redis.call('HSET', KEYS[1], ARGV[1], json)
redis.call('ZREM', KEYS[2], ARGV[1])
if nextAt ~= '' then redis.call('ZADD', KEYS[3], tonumber(nextAt), ARGV[1]) end
return { by, json }
