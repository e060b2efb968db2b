import type { Logger } from '../log/logger.js';
import type { Delivery, DeliveryPatch, EventRecord, SendRecord, Store } from '../store/store.js';
import { moveDelivery, type MoveName } from './lifecycle.js';

export interface DaemonMove {
  kind: string;
  message: string;
  set?: DeliveryPatch | undefined;
  sends?: readonly SendRecord[] | undefined;
  data?: Record<string, unknown> | undefined;
}

/** An event the daemon records about a delivery. */
export function daemonEvent(delivery: Delivery, at: Date, kind: string, message: string, data?: Record<string, unknown>): EventRecord {
  return { at, kind, message, articleId: delivery.articleId, deliveryId: delivery.id, channelId: delivery.channelId, actor: 'daemon', data };
}

/**
 * One move of the lifecycle made by the daemon (read-backs, settling), with its event; false, and
 * a warning, when another process moved the delivery first (an editor's retry, a retraction).
 */
export async function daemonMove(store: Store, logger: Logger, delivery: Delivery, name: MoveName, at: Date, move: DaemonMove): Promise<boolean> {
  const moved = await moveDelivery(store, delivery.id, name, daemonEvent(delivery, at, move.kind, move.message, move.data), move.set, move.sends);
  if (!moved) logger.warn({ delivery: delivery.id, move: name }, `delivery ${delivery.id} was moved by someone else first; leaving it`);
  return moved;
}

/** How many events of `kind` the delivery has had since `since`: tries of a bounded retry. */
export async function countEvents(store: Store, delivery: Delivery, kind: string, since: Date | undefined): Promise<number> {
  const events = await store.listEvents({ deliveryId: delivery.id, since, limit: 1000 });
  return events.filter((event) => event.kind === kind).length;
}
