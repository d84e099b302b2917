-- A caller leaves a queue unanswered: abandons (ABANDON), times out
-- (EXITWITHTIMEOUT), no agents (EXITEMPTY), presses a key (EXITWITHKEY), is
-- overflowed to voicemail/callback/hangup (OVERFLOW), or its media was lost
-- with a dead instance (EXITLOST). Agents it was offered to are freed (not a miss).
--
-- KEYS[1]  entry:<callId>
-- ARGV[3]  call id
-- ARGV[4]  journal event
-- ARGV[5]  extra journal fields JSON object
--
-- Returns { 'ok', position when leaving, released agent ids JSON, entry JSON },
-- { 'GONE' } or { 'CONNECTED', agent id } (complete it instead).

local callId, event = ARGV[3], ARGV[4]
local e = decode(redis.call('GET', KEYS[1]))
if e == nil then return { 'GONE' } end
if e.state == 'connected' then return { 'CONNECTED', e.agent or '' } end
local data = decode(ARGV[5]) or {}
local pos = position(e)
local released = list(e.agents)
for _, agentId in ipairs(released) do dropOffer(agentId, callId, 'caller-left', false, 0, e) end
data.position, data.origposition, data.waittime = pos, e.origPosition, secondsSince(e.enqueuedAt)
journal(event, e.queue, callId, '', data)
local json = cjson.encode(e)
deleteEntry(e)
return { 'ok', pos, cjson.encode(released), json }
