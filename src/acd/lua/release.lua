-- An offer ended without an answer: ring-no-answer, rejected, unreachable
-- phone, withdrawn. The caller goes back to its old place in the queue (it
-- never left the queue's zset), the agent to available, or to paused after
-- too many misses in a row.
--
-- KEYS[1]  entry:<callId>
-- ARGV[3]  call id
-- ARGV[4]  agent id
-- ARGV[5]  cause (rna, rejected, unreachable, withdrawn, …)
-- ARGV[6]  '1' if it counts as a miss (RINGNOANSWER, auto-pause), else '0'
-- ARGV[7]  misses before auto-pause (0: never)
-- ARGV[8]  '1': not a miss, but the agent rests as after one (lastMissAt): a failing phone
--
-- Returns { 'ok', agent state after ('' if it held no such offer), entry state ('' if gone) }.

local callId, agentId, cause = ARGV[3], ARGV[4], ARGV[5]
local isMiss = ARGV[6] == '1'
local missesBeforePause = tonumber(ARGV[7]) or 0
local e = decode(redis.call('GET', KEYS[1]))
local state = dropOffer(agentId, callId, cause, isMiss, missesBeforePause, e, ARGV[8] == '1')
if e and contains(e.agents, agentId) then entryLosesAgent(e, agentId) end
return { 'ok', state or '', e and e.state or '' }
