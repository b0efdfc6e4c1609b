// Payment initiation detail: Approve or Reject one waiting for validation, its adjustments and related payments.
import { type ReactNode, useEffect, useRef, useState } from 'react';
import {
  AmountText,
  ConfirmDialog,
  EmptyState,
  ErrorState,
  Facts,
  LoadView,
  Metadata,
  PageHeading,
  StatusBadge,
  TableBox,
  Time,
} from '../components/ui.js';
import { api, followTask } from '../lib/api.js';
import type { PaymentInitiation, Task } from '../lib/api-types.js';
import { amountText, enumText } from '../lib/format.js';
import { Link } from '../lib/navigation.js';
import { segment } from '../lib/router.js';
import { useLoad } from '../lib/use-load.js';
import { AccountLink } from './payment-detail.js';

type Decision = 'approve' | 'reject';

async function loadInitiation(id: string, signal: AbortSignal) {
  const [initiation, adjustments, payments] = await Promise.all([
    api.initiation(id, signal),
    api.initiationAdjustments(id, signal),
    api.initiationPayments(id, signal),
  ]);
  return { initiation, adjustments: adjustments.data, payments: payments.data };
}

export function PaymentInitiationDetailScreen({ initiationID }: { initiationID: string }) {
  const [state, reload] = useLoad((signal) => loadInitiation(initiationID, signal), [initiationID]);
  const [confirming, setConfirming] = useState<Decision>();
  const [busy, setBusy] = useState(false);
  const [task, setTask] = useState<Task>();
  const [error, setError] = useState<unknown>();
  const following = useRef<AbortController>(null);
  useEffect(() => () => following.current?.abort(), []);

  const decide = async (decision: Decision) => {
    setBusy(true);
    setError(undefined);
    const controller = new AbortController();
    following.current = controller;
    try {
      if (decision === 'reject') await api.rejectInitiation(initiationID);
      else {
        // Approval hands the initiation to a background task; follow it so the new status is the settled one.
        const taskID = await api.approveInitiation(initiationID);
        reload();
        await followTask(taskID, setTask, controller.signal);
      }
      reload();
    } catch (caught) {
      if (!controller.signal.aborted) setError(caught);
    } finally {
      setBusy(false);
    }
  };

  const pi = state.data?.initiation;
  return (
    <>
      <p className="breadcrumb">
        <Link to="/payment-initiations">Payment initiations</Link> /
      </p>
      <PageHeading title={pi ? `Payment initiation ${pi.reference}` : 'Payment initiation'}>
        {pi?.status === 'WAITING_FOR_VALIDATION' ? (
          <>
            <button
              type="button"
              className="primary"
              disabled={busy}
              onClick={() => setConfirming('approve')}
            >
              Approve…
            </button>
            <button type="button" className="danger" disabled={busy} onClick={() => setConfirming('reject')}>
              Reject…
            </button>
          </>
        ) : null}
        <button type="button" onClick={reload}>
          Refresh
        </button>
      </PageHeading>
      {pi ? (
        <DecisionDialogs
          pi={pi}
          confirming={confirming}
          onDecide={decide}
          onClose={() => setConfirming(undefined)}
        />
      ) : null}
      {task ? (
        <div
          className={`notice ${task.status === 'FAILED' ? 'notice-error' : task.status === 'SUCCEEDED' ? 'notice-good' : ''}`}
          role="status"
        >
          <p>
            <span title={`task ${task.id}`}>Approval task</span>: <StatusBadge status={task.status} />
          </p>
          {task.error ? <p className="error-text">{task.error}</p> : null}
        </div>
      ) : null}
      {error !== undefined ? <ErrorState error={error} what="the decision" /> : null}
      <LoadView state={state} what="the payment initiation" onRetry={reload}>
        {({ initiation: p, adjustments, payments }) => (
          <>
            <Facts
              items={[
                ['Status', <StatusBadge key="s" status={p.status} />],
                ['Amount', <AmountText key="a" amount={p.amount} asset={p.asset} />],
                ['Type', enumText(p.type)],
                ['Source account', <AccountLink key="src" id={p.sourceAccountID} />],
                ['Destination account', <AccountLink key="dst" id={p.destinationAccountID} />],
                ['Description', p.description || '—'],
                ['Created', <Time key="c" iso={p.createdAt} />],
                ['Scheduled', <Time key="sch" iso={p.scheduledAt} empty="As soon as approved" />],
                [
                  'Connector',
                  <Link key="con" to={`/connectors/${segment(p.connectorID)}`}>
                    {p.provider}
                  </Link>,
                ],
                ...(p.error
                  ? [
                      [
                        'Error',
                        <span key="e" className="error-text">
                          {p.error}
                        </span>,
                      ] as [string, ReactNode],
                    ]
                  : []),
                ['Initiation ID', <code key="id">{p.id}</code>, 'wide'],
              ]}
            />
            <section aria-labelledby="pi-adjustments">
              <h2 id="pi-adjustments">Adjustments</h2>
              {adjustments.length === 0 ? (
                <EmptyState>No adjustments yet.</EmptyState>
              ) : (
                <TableBox label="Adjustments">
                  <table>
                    <thead>
                      <tr>
                        <th scope="col">When</th>
                        <th scope="col">Status</th>
                        <th scope="col" className="num">
                          Amount
                        </th>
                        <th scope="col">Error</th>
                      </tr>
                    </thead>
                    <tbody>
                      {adjustments.map((adj) => (
                        <tr key={adj.id}>
                          <td>
                            <Time iso={adj.createdAt} />
                          </td>
                          <td>
                            <StatusBadge status={adj.status} />
                          </td>
                          <td className="num">
                            <AmountText amount={adj.amount} asset={adj.asset} />
                          </td>
                          <td className={adj.error ? 'error-text wrap' : undefined}>{adj.error ?? '—'}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </TableBox>
              )}
            </section>
            <section aria-labelledby="pi-payments">
              <h2 id="pi-payments">Related payments</h2>
              {payments.length === 0 ? (
                <EmptyState>
                  {p.status === 'WAITING_FOR_VALIDATION'
                    ? 'None yet: a payment appears once the initiation is approved and the provider takes it.'
                    : 'None yet: the provider\u2019s payment appears here once it reports it.'}
                </EmptyState>
              ) : (
                <TableBox label="Related payments">
                  <table>
                    <thead>
                      <tr>
                        <th scope="col">Reference</th>
                        <th scope="col">Status</th>
                        <th scope="col" className="num">
                          Amount
                        </th>
                        <th scope="col">Created</th>
                      </tr>
                    </thead>
                    <tbody>
                      {payments.map((pay) => (
                        <tr key={pay.id}>
                          <th scope="row">
                            <Link to={`/payments/${segment(pay.id)}`}>{pay.reference}</Link>
                          </th>
                          <td>
                            <StatusBadge status={pay.status} />
                          </td>
                          <td className="num">
                            <AmountText amount={pay.amount} asset={pay.asset} />
                          </td>
                          <td>
                            <Time iso={pay.createdAt} />
                          </td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </TableBox>
              )}
            </section>
            <section aria-labelledby="pi-metadata">
              <h2 id="pi-metadata">Metadata</h2>
              <Metadata metadata={p.metadata} />
            </section>
          </>
        )}
      </LoadView>
    </>
  );
}

function DecisionDialogs({
  pi,
  confirming,
  onDecide,
  onClose,
}: {
  pi: PaymentInitiation;
  confirming: Decision | undefined;
  onDecide: (decision: Decision) => void;
  onClose: () => void;
}) {
  const what = `${enumText(pi.type).toLowerCase()} of ${amountText(pi.amount, pi.asset)}`;
  return (
    <>
      <ConfirmDialog
        open={confirming === 'approve'}
        title={`Approve ${pi.reference}?`}
        confirmLabel="Approve payment"
        onConfirm={() => onDecide('approve')}
        onClose={onClose}
      >
        <p>
          The {what} is sent to the provider at once
          {pi.scheduledAt.startsWith('0001') ? '' : ' or at its scheduled time'}.
        </p>
      </ConfirmDialog>
      <ConfirmDialog
        open={confirming === 'reject'}
        title={`Reject ${pi.reference}?`}
        confirmLabel="Reject payment"
        danger
        onConfirm={() => onDecide('reject')}
        onClose={onClose}
      >
        <p>The {what} is never sent. A rejection cannot be undone.</p>
      </ConfirmDialog>
    </>
  );
}
