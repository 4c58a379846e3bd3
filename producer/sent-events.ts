/**
 * task-sent (events level `all`; AppConfig.sentEvents, Celery's task_send_sent_event): one
 * XADD per message into its queue's stream (keys.events), queued on the same MULTI as the
 * message's LPUSH or ZADD, so the event is written exactly when the message is.
 */
import type { ChainableCommander } from 'ioredis';
import type { AppContext } from '../shared/app-config.ts';
import { addEvent, rawValuePrefix, type TaskEventBody } from '../shared/events.ts';
import type { Sent } from './send.ts';

export function addSentEvents(into: ChainableCommander, app: AppContext, task: string, queue: string, sent: Sent[]): void {
  const at = Date.now();
  for (const item of sent) {
    const body: TaskEventBody = { id: item.id, task, at, args: rawValuePrefix(item.raw, 'args'), kwargs: rawValuePrefix(item.raw, 'kwargs'), eta: item.dueAtMs };
    addEvent(into, app.keys.events(queue), 'task-sent', JSON.stringify(body));
  }
}
