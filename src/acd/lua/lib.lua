-- ACD shared prelude: prepended by store/scripts.ts to every script in this folder
-- (Redis runs each as one atomic unit). Every script's ARGV starts with:
--   ARGV[1]  key prefix, e.g. 'hl:acd:' (keys of other agents/calls are built from it)
--   ARGV[2]  now, ms since the epoch
-- Records are JSON strings: agent:<id> (AgentLive), entry:<callId> (QueueEntry).
-- Every write bumps a global version; the full records a run wrote are appended to the
-- `changes` stream (one entry per run), which every instance tails to keep its view current.

local P = ARGV[1]
local NOW = tonumber(ARGV[2])
if NOW == nil then return redis.error_reply('ERR acd: now must be a number') end

local CHANGES_MAXLEN = 100000
local JOURNAL_MAXLEN = 1000000
local STATELOG_MAXLEN = 1000000

-- allowed[to][from] = true; generated from core/agent-state.ts (AGENT_TRANSITIONS)
local ALLOWED = --@ALLOWED_TRANSITIONS

local function key(...) return P .. table.concat({ ... }, ':') end

local function decode(json)
  if not json then return nil end
  local ok, value = pcall(cjson.decode, json)
  if ok and type(value) == 'table' then return value end
  return nil
end

-- cjson turns an empty array into {}: lists are rebuilt with this so order is kept
local function list(t)
  local out = {}
  if type(t) == 'table' then for _, v in ipairs(t) do out[#out + 1] = v end end
  return out
end

local function without(t, value)
  local out = {}
  for _, v in ipairs(list(t)) do if v ~= value then out[#out + 1] = v end end
  return out
end

local function contains(t, value)
  for _, v in ipairs(list(t)) do if v == value then return true end end
  return false
end

local function nextVersion() return redis.call('INCR', key('version')) end

-- Records this run wrote, appended to `changes` as ONE stream entry when the script ends
-- (scripts.ts wraps every script so flushChanges runs on every way out). Per record the
-- fields are k, id, v, then its extras; each record starts at its `k`.
local CHANGED = {}
local function change(kind, id, json, extra)
  local n = #CHANGED
  CHANGED[n + 1], CHANGED[n + 2], CHANGED[n + 3], CHANGED[n + 4], CHANGED[n + 5], CHANGED[n + 6] = 'k', kind, 'id', id, 'v', json
  if extra then for i = 1, #extra do CHANGED[#CHANGED + 1] = extra[i] end end
end

-- Each entry starts with `n`, a gapless sequence number: a follower that sees n jump
-- knows entries were trimmed before it read them, and reloads.
local function flushChanges()
  if #CHANGED == 0 then return end
  local n = redis.call('INCR', key('changes-seq'))
  redis.call('XADD', key('changes'), 'MAXLEN', '~', CHANGES_MAXLEN, '*', 'n', n, unpack(CHANGED))
end

local function journal(event, queue, callId, agentId, data)
  redis.call('XADD', key('journal'), 'MAXLEN', '~', JOURNAL_MAXLEN, '*',
    'event', event, 'time', tostring(NOW), 'queue', queue or '', 'callId', callId or '', 'agentId', agentId or '',
    'data', cjson.encode(data or {}))
end

-- The call an agent was busy with when this run loaded it: a state change that clears
-- a.call (wrap-up end, pause from wrap-up) still names the call in the state log.
local LOADED_CALL = {}
local function loadAgent(id)
  local a = decode(redis.call('GET', key('agent', id)))
  if a then LOADED_CALL[id] = a.call or list(a.offers)[1] end
  return a
end
local function loadEntry(callId) return decode(redis.call('GET', key('entry', callId))) end

-- Written with its state-change cause; `from` is the state before this write.
local function saveAgent(a, from, cause)
  a.offers = list(a.offers)
  a.version = nextVersion()
  local json = cjson.encode(a)
  redis.call('SET', key('agent', a.id), json)
  redis.call('SADD', key('agents'), a.id)
  change('a', a.id, json, { 'from', from or a.state, 'cause', cause or '' })
  -- The agent state log (`statelog`): every change of state, for occupancy and wrap-up
  -- time in the reports. One entry per run and agent, from the state it was loaded in.
  if from and from ~= a.state then
    redis.call('XADD', key('statelog'), 'MAXLEN', '~', STATELOG_MAXLEN, '*',
      'agentId', a.id, 'from', from, 'to', a.state, 'cause', cause or '', 'reason', a.reason or '',
      'callId', a.call or list(a.offers)[1] or LOADED_CALL[a.id] or '', 'time', tostring(NOW))
  end
  return json
end

local function saveEntry(e)
  e.agents = list(e.agents)
  e.version = nextVersion()
  local json = cjson.encode(e)
  redis.call('SET', key('entry', e.callId), json)
  redis.call('SADD', key('entries'), e.callId)
  change('e', e.callId, json)
  return json
end

local function deleteEntry(e)
  redis.call('DEL', key('entry', e.callId))
  redis.call('SREM', key('entries'), e.callId)
  redis.call('ZREM', key('queue', e.queue), e.callId)
  redis.call('ZREM', key('reservations'), e.callId)
  change('e', e.callId, '', { 'version', tostring(nextVersion()) })
end

-- Guarded agent state change (the table from agent-state.ts); raises on a forbidden one.
local function canSet(a, to)
  local allowed = ALLOWED[to]
  return allowed ~= nil and allowed[a.state] == true
end

-- Scripts check canSet before their first write: Redis does not roll a script back on error.
local function setState(a, to, cause)
  local from = a.state
  if not canSet(a, to) then
    error({ err = 'ACD_INVALID_TRANSITION ' .. tostring(from) .. ' -> ' .. tostring(to) .. ' (' .. tostring(cause) .. ')' })
  end
  a.state = to
  a.since = NOW
  return from
end

local function position(e)
  local rank = redis.call('ZRANK', key('queue', e.queue), e.callId)
  if rank == false or rank == nil then return 0 end
  return rank + 1
end

local function secondsSince(t) return tostring(math.floor((NOW - (tonumber(t) or NOW)) / 1000 + 0.5)) end

-- An agent's offer of `callId` (entry `e`, may be nil) is over without an answer. A miss
-- (ring-no-answer, rejected) counts towards auto-pause and sends the agent to the back of
-- the idle line. Returns the agent's state after, or nil if the agent does not hold that offer.
local function dropOffer(agentId, callId, cause, isMiss, missesBeforePause, e, rest)
  local a = loadAgent(agentId)
  if a == nil or not contains(a.offers, callId) then return nil end
  a.offers = without(a.offers, callId)
  local from = a.state
  local queue = e and e.queue or ''
  if rest then a.lastMissAt = NOW end
  if isMiss then
    a.misses = (tonumber(a.misses) or 0) + 1
    a.idleSince = NOW
    a.lastMissAt = NOW
    journal('RINGNOANSWER', queue, callId, agentId, { cause = cause, ringtime = secondsSince(e and e.offeredAt) })
  end
  if #a.offers == 0 and (a.state == 'reserved' or a.state == 'ringing') then
    -- Auto-pause only where the table allows it (ringing): a miss while still reserved
    -- (never rung) counts, but the agent goes available; the next miss pauses.
    -- Checked here, not left to setState: an error now would follow the writes above.
    if isMiss and missesBeforePause > 0 and a.misses >= missesBeforePause and canSet(a, 'paused') then
      setState(a, 'paused', 'missed-calls')
      a.reason = 'missed-calls'
      journal('PAUSE', '', '', agentId, { reason = 'missed-calls' })
    else
      setState(a, 'available', cause)
    end
  end
  saveAgent(a, from, cause)
  return a.state
end

-- The call's offer to `agentId` is over: back to waiting, in its old place, once no agent holds it.
local function entryLosesAgent(e, agentId)
  e.agents = without(e.agents, agentId)
  if #e.agents == 0 and e.state == 'offered' then
    e.state = 'waiting'
    e.offeredAt = nil
    redis.call('ZREM', key('reservations'), e.callId)
  end
  saveEntry(e)
end
