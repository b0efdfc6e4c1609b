// Shared by the Increase tests: signing a delivery the way Increase does, and the fixture keys one pass yields.
import { createHmac } from 'node:crypto';

/** Standard Webhooks headers for `body`, as Increase signs with the subscription's shared secret. */
export function standardHeaders(
  secret: string,
  body: Buffer | string,
  at: Date,
  id = 'msg_fake_0001',
): Record<string, string> {
  const timestamp = String(Math.floor(at.getTime() / 1000));
  const signature = createHmac('sha256', Buffer.from(secret, 'utf8'))
    .update(`${id}.${timestamp}.`)
    .update(body)
    .digest('base64');
  return { 'webhook-id': id, 'webhook-timestamp': timestamp, 'webhook-signature': `v1,${signature}` };
}

/** Increase's own header: `t=<ISO 8601>,v1=<hex HMAC-SHA256 of "t.body">`. */
export function increaseHeader(secret: string, body: Buffer | string, at: Date): Record<string, string> {
  const t = at.toISOString().replace('.000Z', 'Z');
  const v1 = createHmac('sha256', Buffer.from(secret, 'utf8')).update(`${t}.`).update(body).digest('hex');
  return { 'Increase-Webhook-Signature': `t=${t},v1=${v1}` };
}

export const ACCOUNT_A = 'account_in71c4amph0vgo2qllky';
export const ACCOUNT_B = 'account_b8h2d0xq7rk1c4m9zt3w';
export const ACCOUNT_C = 'account_z3k9w1p5s7d2f8g4h6j0';

/** Keys one full pass over the fixtures yields, per node path (conformance `paging.expected`). */
export const EXPECTED_KEYS: Record<string, string[]> = {
  fetch_accounts: [ACCOUNT_A, ACCOUNT_B, ACCOUNT_C],
  'fetch_accounts/fetch_balances': [ACCOUNT_A, ACCOUNT_B, ACCOUNT_C].map((a) => `${a}/USD/2`),
  fetch_external_accounts: ['external_account_ukk55lr923a3ac0pp7iv', 'external_account_r4t6y8u0i2o4p6a8s0d2'],
  fetch_transactions: [
    // Primary rows carry the movement's id; the credit leg of the account transfer and rows with no
    // movement keep their own.
    'account_transfer_7k9qe1ysdgqztnt63l7n',
    'transaction_q2w4e6r8t0y2u4i6o8p0',
    'ach_transfer_uoxatyh3lt5evrsdvo7q',
    'inbound_ach_transfer_tdrwqr3fq9gnnq49odev',
    'card_payment_nd3k2kacrqjli8482ave',
    'transaction_i9u7y5t3r1e9w7q5a3s1',
    'wire_transfer_5akynk7dqsq25qwk9q2u',
    'transaction_m1n3b5v7c9x1z3l5k7j9',
  ],
  fetch_pending_transactions: [
    'pending_transaction_h5j7k9l1z3x5c7v9b1n3',
    'pending_transaction_p8o6i4u2y0t8r6e4w2q0',
    'pending_transaction_r1t3y5u7i9o1p3a5s7d9',
  ],
  fetch_declined_transactions: [
    'declined_transaction_17jbn0yyhvkt4v4ooym8',
    'declined_transaction_k2j4h6g8f0d2s4a6q8w0',
  ],
};
