-- Digest nonce replay guard (loaded by replay.ts via ioredis defineCommand).
--
-- KEYS[1]  the nonce's key (<prefix><nonce>)
-- ARGV[1]  nc as an integer: >= 1 with qop=auth/auth-int, 0 when qop is absent
-- ARGV[2]  ttl in milliseconds (at least the nonce lifetime)
--
-- Returns 1 when accepted (nc is stored as the nonce's new high-water mark
-- with PEXPIRE ARGV[2]), 0 when the use is a replay:
--   * with qop, nc must be strictly greater than every nc seen before;
--   * without qop, the nonce may be used exactly once, and a nonce that was
--     used without qop is spent for good (stored high-water mark 0).

local nc = tonumber(ARGV[1])
local ttl = tonumber(ARGV[2])
if nc == nil or nc < 0 or nc ~= math.floor(nc) then
  return redis.error_reply('ERR replay: nc must be a non-negative integer')
end
if ttl == nil or ttl < 1 or ttl ~= math.floor(ttl) then
  return redis.error_reply('ERR replay: ttl must be a positive integer')
end

local seen = redis.call('GET', KEYS[1])
if seen then
  local high = tonumber(seen)
  if nc == 0 or high == nil or high == 0 or nc <= high then
    return 0
  end
end

redis.call('SET', KEYS[1], nc)
redis.call('PEXPIRE', KEYS[1], ttl)
return 1
