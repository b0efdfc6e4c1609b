// The worker side of payment initiations. The payment-initiation table is the queue: a claim loop takes a
// batch of due steps in one statement that also takes their leases, runs them concurrently, and each step
// makes the one PSP call its status calls for (create-step.ts, poll-step.ts, reverse-step.ts) and commits
// the outcome under its lease. A dead worker's step is due again once its lease expires.
import { renewTokenLeases } from '../../storage/leases.js';
import { randomUUID } from 'node:crypto';
import { type ClaimedInitiation, claimDueInitiations } from '../../storage/payment-initiations.js';
import type { EngineDeps } from '../deps.js';
import type { ClaimSource } from '../execution/loop.js';
import { createStep } from './create-step.js';
import { inTransition } from './initiations.js';
import { LeaseHeartbeat } from '../execution/lease-heartbeat.js';
import { pollStep } from './poll-step.js';
import { reverseStep } from './reverse-step.js';
import { StepCore } from './step.js';

export { BANK_DETAIL, idempotencyKey, isRefusal } from './psp-writes.js';

/** Runs one claimed step. Safe to run any number of times, on any number of workers: the lease decides. */
export async function runStep(
  deps: EngineDeps,
  claimed: ClaimedInitiation,
  heartbeat: LeaseHeartbeat,
): Promise<void> {
  const step = new StepCore(deps, claimed, heartbeat);
  if (claimed.takenOver) {
    step.logger.warn('took over a payment initiation step whose worker let its lease expire');
  }
  try {
    if (step.row.status === 'SCHEDULED_FOR_PROCESSING') {
      const row = await inTransition(deps.db, (t) =>
        t.to(step.row.id, { ...step.guard, from: ['SCHEDULED_FOR_PROCESSING'] }, 'PROCESSING'),
      );
      if (!row) return;
      step.row = row;
    }
    if (step.row.status === 'REVERSE_PROCESSING') return await reverseStep(step);
    if (step.row.polling_id) return await pollStep(step);
    return await createStep(step);
  } catch (error) {
    // Not an answer of the PSP (a database error, a connector that no longer instantiates, a payment it
    // answered that fails validation): the step is tried again later, visibly, up to its deadline.
    await step.unexpected(error);
  }
}

/**
 * The claim source of the movements loop (runClaimLoop, kind 'movements'). One lease heartbeat per
 * source renews the leases of all its steps whose PSP call is in flight.
 */
export function initiationSource(
  deps: EngineDeps,
): ClaimSource<ClaimedInitiation> & { heartbeat: LeaseHeartbeat } {
  const heartbeat = new LeaseHeartbeat(
    (held) => renewTokenLeases(deps.db, 'payment_initiations', held, deps.leaseMs),
    deps.leaseMs,
    deps.logger,
    'payment initiation steps',
  );
  return {
    kind: 'movements',
    heartbeat,
    async claim(limit) {
      const { steps, nextDueInMs } = await claimDueInitiations(deps.db, limit, deps.leaseMs, randomUUID());
      return { items: steps, ...(nextDueInMs === undefined ? {} : { nextDueInMs }) };
    },
    handle: (claimed) => runStep(deps, claimed, heartbeat),
  };
}
