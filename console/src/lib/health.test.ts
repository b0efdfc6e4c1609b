// Connector health from schedules: counts, newest run and error, and which state wins.
import { describe, expect, it } from 'vitest';
import type { Schedule } from './api-types.js';
import { connectorHealth, scheduleLabel } from './health.js';

const schedule = (over: Partial<Schedule>): Schedule => ({
  id: 's',
  connectorID: 'c',
  createdAt: '2024-01-01T00:00:00Z',
  taskType: 'FETCH_ACCOUNTS',
  consecutiveFailures: 0,
  ...over,
});
const run = (createdAt: string, error?: string) => ({
  id: createdAt,
  createdAt,
  items: 1,
  skippedRecords: 0,
  ...(error ? { error } : {}),
});

describe('connector health', () => {
  it('is waiting before any run, healthy after clean runs', () => {
    expect(connectorHealth([schedule({})]).state).toBe('WAITING');
    const healthy = connectorHealth([
      schedule({ lastRun: run('2024-01-01T10:00:00Z') }),
      schedule({ lastRun: run('2024-01-01T11:00:00Z') }),
    ]);
    expect(healthy).toMatchObject({
      state: 'HEALTHY',
      schedules: 2,
      paused: 0,
      failing: 0,
      lastRunAt: '2024-01-01T11:00:00Z',
    });
    expect(healthy.lastError).toBeUndefined();
  });

  it('counts failing and paused schedules, keeps the newest error, and lets paused win', () => {
    const health = connectorHealth([
      schedule({ lastRun: run('2024-01-01T10:00:00Z', 'old error'), consecutiveFailures: 1 }),
      schedule({
        lastRun: run('2024-01-01T12:00:00Z', 'new error'),
        consecutiveFailures: 3,
        pausedAt: '2024-01-01T12:00:01Z',
      }),
      schedule({ lastRun: run('2024-01-01T13:00:00Z') }),
    ]);
    expect(health).toMatchObject({
      state: 'PAUSED',
      paused: 1,
      failing: 2,
      lastError: 'new error',
      lastRunAt: '2024-01-01T13:00:00Z',
    });
    expect(
      connectorHealth([schedule({ consecutiveFailures: 1, lastRun: run('2024-01-01T10:00:00Z', 'x') })])
        .state,
    ).toBe('FAILING');
  });
});

describe('schedule labels', () => {
  it('names the task, and the parent item of a child schedule', () => {
    expect(scheduleLabel(schedule({ id: 'c-fetch_payments', taskType: 'FETCH_PAYMENTS' }))).toBe(
      'Fetch payments',
    );
    expect(
      scheduleLabel(schedule({ id: 'c-fetch_accounts.fetch_balances-acc-1', taskType: 'FETCH_BALANCES' })),
    ).toBe('Fetch balances · acc-1');
  });

  it('names the list a node reads when its name is not its task type', () => {
    const label = (id: string, taskType: string) => scheduleLabel(schedule({ id, taskType }));
    expect(label('c-fetch_pending_transactions', 'FETCH_PAYMENTS')).toBe(
      'Fetch payments (pending transactions)',
    );
    expect(label('c-fetch_transactions', 'FETCH_PAYMENTS')).toBe('Fetch payments (transactions)');
    expect(label('c-fetch_users.fetch_wallets-u-1', 'FETCH_ACCOUNTS')).toBe('Fetch accounts (wallets) · u-1');
  });
});
