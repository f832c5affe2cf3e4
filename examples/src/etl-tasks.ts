import { task, type TaskContext } from '@graflow/core';

export interface Order {
  id: number;
  amountCents: number;
  currency: 'EUR' | 'USD';
}

export const orders: Order[] = [
  { id: 1, amountCents: 1250, currency: 'EUR' },
  { id: 2, amountCents: 9900, currency: 'USD' },
  { id: 3, amountCents: 450, currency: 'EUR' },
  { id: 4, amountCents: 12000, currency: 'USD' },
];

const USD_PER_EUR = 1.1;

export const extract = task('extract', async (ctx) => {
  await ctx.channel.set('extractedAt', new Date());
  return orders.length;
});

export const transform = task('transform', (ctx: TaskContext<Order>) => {
  const { amountCents, currency } = ctx.params;
  const usdCents = currency === 'USD' ? amountCents : Math.round(amountCents * USD_PER_EUR);
  return { id: ctx.params.id, usdCents };
});

export const load = task('load', async (ctx) => {
  const rows = await Promise.all(orders.map((o) => ctx.getResult<{ id: number; usdCents: number }>(`transform-${o.id}`)));
  const totalUsdCents = rows.reduce((sum, r) => sum + r.usdCents, 0);
  return { loaded: rows.length, totalUsdCents };
});
