--[[
  Mark one webhook inactive (its receiver answered 410 Gone), unless it was
  deleted meanwhile: a read-modify-write in the client could write a deleted
  webhook back.

  KEYS[1] the webhooks hash (id → webhook JSON)
  ARGV[1] the webhook id

  Returns 1 when the webhook was active and now is not, 0 otherwise.
]]
local json = redis.call('HGET', KEYS[1], ARGV[1])
if not json then
  return 0
end
local hook = cjson.decode(json)
if hook.active == false then
  return 0
end
hook.active = false
redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(hook))
return 1
