-- An agent's disposition for a contact's attempt, atomically with the end of
-- that attempt (settle.lua). Always kept in the agent-dispositions hash; if
-- the attempt is still going on (the contact holds a lease) settle.lua
-- applies it when the call ends, else it is applied here: the contact's
-- disposition, and its place in line (a callback at its time; anything else:
-- out of line).
--
-- KEYS[1]  dialer:contacts:<campaign>
-- KEYS[2]  dialer:leases:<campaign>
-- KEYS[3]  dialer:ready:<campaign>
-- KEYS[4]  dialer:agentdisp:<campaign>
-- ARGV[1]  contact id
-- ARGV[2]  the agent's disposition (JSON: attempt, contactDisposition, callbackAt?, …)
--
-- Returns { 'GONE' }, { 'PENDING' } (applied when the call ends) or { 'APPLIED', contact JSON }.

local raw = redis.call('HGET', KEYS[1], ARGV[1])
if not raw then return { 'GONE' } end
local ad = cjson.decode(ARGV[2])
redis.call('HSET', KEYS[4], ARGV[1], ARGV[2])
if redis.call('ZSCORE', KEYS[2], ARGV[1]) then return { 'PENDING' } end
local c = cjson.decode(raw)
c.lastDisposition = ad.contactDisposition
c.agentDisposition = ad
if ad.callbackAt then c.callbackAt = ad.callbackAt else c.callbackAt = nil end
local json = cjson.encode(c)
redis.call('HSET', KEYS[1], ARGV[1], json)
redis.call('ZREM', KEYS[3], ARGV[1])
if ad.contactDisposition == 'callback' then redis.call('ZADD', KEYS[3], tonumber(ad.callbackAt), ARGV[1]) end
return { 'APPLIED', json }
