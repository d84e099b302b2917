-- Moves a campaign to a new status when its lifecycle allows it, atomically
-- (two supervisors pressing start and stop at once get one answer each).
--
-- KEYS[1]  dialer:campaign:<id> (JSON)
-- ARGV[1]  target status
-- ARGV[2]  allowed current statuses, comma separated
-- ARGV[3]  now, ISO 8601 (updatedAt)
--
-- Returns { 'ok', campaign JSON }, { 'GONE' } or { 'WRONG_STATE', current status }.

local raw = redis.call('GET', KEYS[1])
if not raw then return { 'GONE' } end
local c = cjson.decode(raw)
local allowed = false
for s in string.gmatch(ARGV[2], '[^,]+') do if s == c.status then allowed = true end end
if not allowed then return { 'WRONG_STATE', tostring(c.status) } end
c.status = ARGV[1]
c.updatedAt = ARGV[3]
local json = cjson.encode(c)
redis.call('SET', KEYS[1], json)
return { 'ok', json }
