-- requeue-dead.lua: send one dead-lettered message back to its queue, clearing its old result.
--
-- KEYS[1] dead letters     keys.dead(queue)                     list
-- KEYS[2] ready list       keys.ready(queue)                    list
-- KEYS[3..] result key     keys.result(queue, id): given only when the message has a readable id
-- ARGV[1] the dead-letter entry, exactly as it sits on the list
-- ARGV[2] the message to enqueue: the entry's raw message with its delivery and retry counts removed
--
-- Returns: 1 when requeued; 0 when the entry was no longer on the list (someone else
--   requeued or dropped it), and nothing was written.
-- Guarantees: the entry leaves the dead list, the old result is deleted and the message is
--   queued in one step, so a waiter never sees the old FAILURE beside a queued message, and
--   the entry cannot be requeued twice. This is the only step that clears a final result:
--   complete-batch.lua never replaces one (docs/RELIABILITY.md).
-- Why Lua: the removal decides whether the rest happens; apart, two operators requeueing the
--   same entry would queue it twice.

if redis.call('LREM', KEYS[1], 1, ARGV[1]) == 0 then return 0 end
if KEYS[3] then redis.call('DEL', KEYS[3]) end
redis.call('LPUSH', KEYS[2], ARGV[2])
return 1
