--[[
  Append one CTI event to the event stream, at most once per dedupe key.

  Every instance sees every agent state change (the ACD's change stream), so
  several may try to publish the same event: the first one's SET NX wins and
  the others are no-ops. Events only one instance can see pass no dedupe key.

  KEYS[1] the event stream
  KEYS[2] dedupe key (may be the empty string: no dedupe)
  ARGV[1] approximate max length of the stream (MAXLEN ~)
  ARGV[2] dedupe key lifetime, ms
  ARGV[3] the event, JSON without its id

  Returns the new stream id, or false when the event was published already.
]]
if KEYS[2] ~= '' then
  if not redis.call('SET', KEYS[2], '1', 'NX', 'PX', ARGV[2]) then
    return false
  end
end
return redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 'e', ARGV[3])
