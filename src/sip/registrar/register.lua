-- Registrar: apply one REGISTER to an address-of-record atomically
-- (RFC 3261 §10.3 steps 6-8). Loaded by store.ts via ioredis defineCommand.
--
-- KEYS[1]  the AOR's bindings hash: field = contact key, value = binding JSON
--          (with `expiresAt` in ms since the epoch, `callId`, `cseq`)
-- KEYS[2]  the flow index set of the connection the REGISTER came on
--          (pass KEYS[1] again when ARGV[5] is empty; it is then not touched)
-- ARGV[1]  now, ms since the epoch
-- ARGV[2]  Call-ID of the request
-- ARGV[3]  CSeq number of the request
-- ARGV[4]  mode: 'update' (apply ARGV[6..]), 'wildcard' (remove every binding) or 'query'
-- ARGV[5]  flow index member (the AOR's user) to add to KEYS[2], or '' for none
-- ARGV[6..] pairs: contact key, binding JSON ('' removes that binding)
--
-- Always purges expired bindings, then sets PEXPIRE on KEYS[1] to the longest
-- remaining binding (or deletes it). Returns { status, before, after, expired },
-- each list flat (field, json, field, json, ...):
--   status   'ok', or 'stale' when a binding to change has the request's Call-ID
--            and a CSeq >= ARGV[3]; then nothing at all is written
--   before   live bindings before the request
--   after    live bindings after it
--   expired  bindings purged because they had expired

local aorKey, flowKey = KEYS[1], KEYS[2]
local now = tonumber(ARGV[1])
local callId = ARGV[2]
local cseq = tonumber(ARGV[3])
local mode = ARGV[4]
local member = ARGV[5]
if now == nil or cseq == nil then
  return redis.error_reply('ERR registrar: now and cseq must be numbers')
end
if mode ~= 'update' and mode ~= 'wildcard' and mode ~= 'query' then
  return redis.error_reply('ERR registrar: unknown mode')
end
if (#ARGV - 5) % 2 ~= 0 then
  return redis.error_reply('ERR registrar: contact arguments must come in pairs')
end

local live, liveJson, before, expired = {}, {}, {}, {}
local stored = redis.call('HGETALL', aorKey)
for i = 1, #stored, 2 do
  local field, json = stored[i], stored[i + 1]
  local ok, b = pcall(cjson.decode, json)
  if ok and type(b) == 'table' and type(b.expiresAt) == 'number' and b.expiresAt > now then
    live[field], liveJson[field] = b, json
    before[#before + 1] = field
    before[#before + 1] = json
  else
    expired[#expired + 1] = field
    expired[#expired + 1] = json
  end
end

-- A binding created with this Call-ID may only be changed by a higher CSeq.
local function outOfOrder(field)
  local b = live[field]
  return b ~= nil and b.callId == callId and type(b.cseq) == 'number' and cseq <= b.cseq
end
if mode == 'wildcard' then
  for field in pairs(live) do
    if outOfOrder(field) then return { 'stale', before, before, {} } end
  end
elseif mode == 'update' then
  for i = 6, #ARGV, 2 do
    if outOfOrder(ARGV[i]) then return { 'stale', before, before, {} } end
  end
end

for i = 1, #expired, 2 do
  redis.call('HDEL', aorKey, expired[i])
end

local flowExpiry = nil
if mode == 'wildcard' then
  for field in pairs(live) do
    redis.call('HDEL', aorKey, field)
  end
  live, liveJson = {}, {}
elseif mode == 'update' then
  for i = 6, #ARGV, 2 do
    local field, json = ARGV[i], ARGV[i + 1]
    if json == '' then
      redis.call('HDEL', aorKey, field)
      live[field], liveJson[field] = nil, nil
    else
      local b = cjson.decode(json)
      redis.call('HSET', aorKey, field, json)
      live[field], liveJson[field] = b, json
      if flowExpiry == nil or b.expiresAt > flowExpiry then flowExpiry = b.expiresAt end
    end
  end
end

local after, maxExpiry = {}, nil
for field, b in pairs(live) do
  after[#after + 1] = field
  after[#after + 1] = liveJson[field]
  if maxExpiry == nil or b.expiresAt > maxExpiry then maxExpiry = b.expiresAt end
end
if maxExpiry == nil then
  redis.call('DEL', aorKey)
else
  redis.call('PEXPIRE', aorKey, math.ceil(maxExpiry - now))
end

if member ~= '' and flowExpiry ~= nil then
  redis.call('SADD', flowKey, member)
  local ttl = math.ceil(flowExpiry - now)
  if redis.call('PTTL', flowKey) < ttl then redis.call('PEXPIRE', flowKey, ttl) end
end

return { 'ok', before, after, expired }
