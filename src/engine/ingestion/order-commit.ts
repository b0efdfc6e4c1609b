// The orders and conversions of a page: written with the page, with one event per order or conversion changed.
import { type OutboxEvent, savedConversion, savedOrder } from '../../events/events.js';
import { conversionsQuery, upsertConversions } from '../../storage/conversions.js';
import type { Db } from '../../storage/db.js';
import { ordersQuery, upsertOrders } from '../../storage/orders.js';
import type { PageWrites } from './items.js';

/**
 * Writes a page's orders (with their adjustments) and conversions inside the page transaction, and
 * returns the events of what actually changed: an order that was inserted, rewritten by a newer
 * observation or given a new adjustment, and a conversion inserted or rewritten. A replayed page
 * changes no row and returns no event.
 */
export async function storeOrdersAndConversions(trx: Db, writes: PageWrites): Promise<OutboxEvent[]> {
  const events: OutboxEvent[] = [];
  if (writes.orders.length > 0 || writes.orderAdjustments.length > 0) {
    const changes = await upsertOrders(trx, writes.orders, writes.orderAdjustments);
    const ids = [
      ...new Set([...changes.savedOrderIds, ...changes.insertedAdjustments.map((a) => a.order_id)]),
    ];
    if (ids.length > 0) {
      const rows = await ordersQuery(trx).where('orders.id', 'in', ids).orderBy('orders.sort_id').execute();
      events.push(...rows.map(savedOrder));
    }
  }
  const conversionIds = await upsertConversions(trx, writes.conversions);
  if (conversionIds.length > 0) {
    const rows = await conversionsQuery(trx)
      .where('conversions.id', 'in', conversionIds)
      .orderBy('conversions.sort_id')
      .execute();
    events.push(...rows.map(savedConversion));
  }
  return events;
}
