/**
 * task-sent (events level `all`; AppConfig.sentEvents, Celery's task_send_sent_event): one
 * batch entry per send call and queue in the queue's stream (keys.events, shared/event-batch.ts),
 * queued on the same MULTI as the messages' LPUSH or ZADD, so the events are written exactly
 * when the messages are.
 */
import type { ChainableCommander } from 'ioredis';
import type { AppContext } from '../shared/app-config.ts';
import { rawValueWindow } from '../shared/events.ts';
import { addEventBatch, previewsRecord, taskEventText } from '../shared/event-batch.ts';
import type { Sent } from './send.ts';

export function addSentEvents(into: ChainableCommander, app: AppContext, task: string, queue: string, sent: Sent[]): void {
  const at = Date.now();
  const events = sent.map((item) => ({
    text: taskEventText('task-sent', { id: item.id, task, at, eta: item.dueAtMs }),
    // The producer wrote the raw itself as JSON, so its windows hold no separator.
    previews: previewsRecord(rawValueWindow(item.raw, 'args'), rawValueWindow(item.raw, 'kwargs')),
  }));
  addEventBatch(into, app.keys.events(queue), undefined, events);
}
