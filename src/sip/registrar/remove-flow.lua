-- Registrar: drop the bindings of one AOR that were made over a connection
-- that has just closed (RFC 5626 spirit). Loaded by store.ts via ioredis defineCommand.
--
-- KEYS[1]  the AOR's bindings hash (see register.lua)
-- KEYS[2]  the flow index set of the closed connection
-- ARGV[1]  now, ms since the epoch
-- ARGV[2]  the server instance id that held the connection
-- ARGV[3]  the connection id
-- ARGV[4]  the AOR's member in KEYS[2] (its user), removed from the set
--
-- Removes bindings whose `instanceId` is ARGV[2] and `source.connectionId` is
-- ARGV[3], purges expired bindings, and sets PEXPIRE on KEYS[1] to the longest
-- remaining binding (or deletes it). Returns { removed, expired }, each flat
-- (field, json, field, json, ...).

local aorKey, flowKey = KEYS[1], KEYS[2]
local now = tonumber(ARGV[1])
local instanceId, connectionId, member = ARGV[2], ARGV[3], ARGV[4]
if now == nil then
  return redis.error_reply('ERR registrar: now must be a number')
end

local removed, expired, maxExpiry = {}, {}, nil
local stored = redis.call('HGETALL', aorKey)
for i = 1, #stored, 2 do
  local field, json = stored[i], stored[i + 1]
  local ok, b = pcall(cjson.decode, json)
  if not (ok and type(b) == 'table' and type(b.expiresAt) == 'number' and b.expiresAt > now) then
    redis.call('HDEL', aorKey, field)
    expired[#expired + 1] = field
    expired[#expired + 1] = json
  elseif b.instanceId == instanceId and type(b.source) == 'table' and b.source.connectionId == connectionId then
    redis.call('HDEL', aorKey, field)
    removed[#removed + 1] = field
    removed[#removed + 1] = json
  elseif maxExpiry == nil or b.expiresAt > maxExpiry then
    maxExpiry = b.expiresAt
  end
end

if maxExpiry == nil then
  redis.call('DEL', aorKey)
else
  redis.call('PEXPIRE', aorKey, math.ceil(maxExpiry - now))
end
redis.call('SREM', flowKey, member)

return { removed, expired }
