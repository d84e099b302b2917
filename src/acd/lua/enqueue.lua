-- A caller enters a queue ('new'), or a waiting caller moves to another queue
-- keeping their original enqueue time and arrival order ('move': overflow).
--
-- KEYS[1]  entry:<callId>
-- KEYS[2]  queue:<queue> (zset of call ids; score orders priority desc, then arrival)
-- KEYS[3]  queuemeta:<queue> (hash: emergency, lastOffered)
-- ARGV[3]  call id
-- ARGV[4]  queue id
-- ARGV[5]  priority 0-9 (higher first)
-- ARGV[6]  owner instance id
-- ARGV[7]  max length (0: none)
-- ARGV[8]  caller number ('' unknown)
-- ARGV[9]  call variables JSON object
-- ARGV[10] requirement JSON ('' the queue's)
-- ARGV[11] mode: 'new' | 'move'
-- ARGV[12] move: why (max-wait, emergency, no-agents, max-length)
--
-- Returns { status, position, entry JSON }: 'ok'; 'EXISTS' (already queued
-- there: nothing written); 'CLOSED' (emergency switch on); 'FULL' (max length);
-- 'NOT_WAITING' (move of a call that is offered, connected or gone).

local callId, queue, owner = ARGV[3], ARGV[4], ARGV[6]
local priority = tonumber(ARGV[5]) or 0
local maxLength = tonumber(ARGV[7]) or 0
local mode = ARGV[11]
if priority < 0 or priority > 9 then return redis.error_reply('ERR acd: priority must be 0-9') end

local existing = decode(redis.call('GET', KEYS[1]))
if mode == 'new' and existing then
  return { 'EXISTS', position(existing), cjson.encode(existing) }
end
if mode == 'move' then
  if existing == nil or existing.state ~= 'waiting' then return { 'NOT_WAITING', 0, existing and cjson.encode(existing) or '' } end
  if existing.queue == queue then return { 'EXISTS', position(existing), cjson.encode(existing) } end
end
if redis.call('HGET', KEYS[3], 'emergency') == '1' then return { 'CLOSED', 0, '' } end
if maxLength > 0 and redis.call('ZCARD', KEYS[2]) >= maxLength then return { 'FULL', 0, '' } end

local e
if mode == 'move' then
  e = existing
  redis.call('ZREM', key('queue', e.queue), callId)
  journal('OVERFLOW', e.queue, callId, '', { to = queue, reason = ARGV[12], waittime = secondsSince(e.enqueuedAt) })
  e.queue, e.queuedAt = queue, NOW
else
  local variables = decode(ARGV[9]) or {}
  e = { callId = callId, queue = queue, priority = priority, enqueuedAt = NOW, queuedAt = NOW, seq = redis.call('INCR', key('seq')),
        state = 'waiting', agents = {}, owner = owner, variables = variables, origPosition = 0 }
  if ARGV[8] ~= '' then e.caller = ARGV[8] end
  if ARGV[10] ~= '' then e.requirement = decode(ARGV[10]) end
end
redis.call('ZADD', KEYS[2], string.format('%.0f', (9 - e.priority) * 1e14 + e.seq), callId)
e.origPosition = position(e)
journal('ENTERQUEUE', queue, callId, '', { position = e.origPosition, priority = e.priority, caller = e.caller or '' })
return { 'ok', e.origPosition, saveEntry(e) }
