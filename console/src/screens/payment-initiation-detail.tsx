// Payment initiation detail: approve, reject, retry or reverse it (each confirmed, each followed to the end
// of its task), its failure in words, its adjustments and related payments.
import { useEffect, useId, useRef, useState } from 'react';
import {
  AmountText,
  ConfirmDialog,
  CopyId,
  EmptyState,
  ErrorState,
  Facts,
  FailureText,
  LoadView,
  Metadata,
  PageHeading,
  StatusBadge,
  TableBox,
  Time,
} from '../components/ui.js';
import { api, followTask } from '../lib/api.js';
import type { PaymentInitiation, PaymentInitiationAdjustment, Task } from '../lib/api-types.js';
import { amountText, enumText, isZeroTime } from '../lib/format.js';
import { toMajorText, toMinorUnits } from '../lib/money-input.js';
import { Link, navigate, useLocation } from '../lib/navigation.js';
import { readableError } from '../lib/psp-error.js';
import { segment } from '../lib/router.js';
import { useLoad } from '../lib/use-load.js';
import { AccountLink } from './payment-detail.js';

type Action = 'approve' | 'reject' | 'retry' | 'reverse';

const ACTION_LABELS: Record<Action, string> = {
  approve: 'Approval',
  reject: 'Rejection',
  retry: 'Retry',
  reverse: 'Reversal',
};

/** Statuses from which money that reached the PSP can be sent back (as the engine has them). */
const REVERSIBLE = ['PROCESSED', 'REVERSED', 'REVERSE_FAILED'];

interface Outcome {
  action: Action;
  task?: Task;
  error?: unknown;
}

async function loadInitiation(id: string, signal: AbortSignal) {
  const [initiation, adjustments, payments] = await Promise.all([
    api.initiation(id, signal),
    api.initiationAdjustments(id, signal),
    api.initiationPayments(id, signal),
  ]);
  return { initiation, adjustments: adjustments.data, payments: payments.data };
}

/** What is left to reverse: the amount less what REVERSED adjustments sent back. */
export function reversibleAmount(pi: PaymentInitiation, adjustments: PaymentInitiationAdjustment[]): bigint {
  const reversed = adjustments
    .filter((a) => a.status === 'REVERSED' && a.amount !== undefined)
    .reduce((sum, a) => sum + BigInt(a.amount ?? 0), 0n);
  const left = BigInt(pi.amount) - reversed;
  return left > 0n ? left : 0n;
}

/** A step that gave up on an unknown outcome at its deadline: retrying repeats it with the same key. */
function abandoned(pi: PaymentInitiation): boolean {
  return (pi.status === 'PROCESSING' || pi.status === 'REVERSE_PROCESSING') && /gave up/.test(pi.error ?? '');
}

export function PaymentInitiationDetailScreen({ initiationID }: { initiationID: string }) {
  const { params } = useLocation();
  const [state, reload] = useLoad((signal) => loadInitiation(initiationID, signal), [initiationID]);
  const [confirming, setConfirming] = useState<Action>();
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<Outcome>();
  const following = useRef<AbortController>(null);
  useEffect(() => () => following.current?.abort(), []);

  /** Follows a task to its end, reloading as it goes, so the status shown is the settled one. */
  const follow = async (action: Action, taskID: string, controller: AbortController) => {
    setOutcome({ action });
    const task = await followTask(taskID, (t) => setOutcome({ action, task: t }), controller.signal);
    if (!controller.signal.aborted) setOutcome({ action, task });
  };

  // Arriving from the create form with the task of an initiation sent at once: follow it here.
  const createdTask = params.get('task');
  useEffect(() => {
    if (!createdTask) return;
    const controller = new AbortController();
    following.current = controller;
    navigate(`/payment-initiations/${segment(initiationID)}`, { replace: true });
    follow('approve', createdTask, controller)
      .then(reload)
      .catch((error: unknown) => {
        if (!controller.signal.aborted) setOutcome({ action: 'approve', error });
      });
  }, []);

  const act = async (action: Action, reversal?: ReversalRequest) => {
    setBusy(true);
    setOutcome({ action });
    const controller = new AbortController();
    following.current?.abort();
    following.current = controller;
    try {
      if (action === 'reject') await api.rejectInitiation(initiationID);
      else {
        const taskID =
          action === 'approve'
            ? await api.approveInitiation(initiationID)
            : action === 'retry'
              ? await api.retryInitiation(initiationID)
              : (await api.reverseInitiation(initiationID, reversal as ReversalRequest)).taskID;
        reload();
        await follow(action, taskID, controller);
      }
      if (action === 'reject') setOutcome({ action });
      reload();
    } catch (caught) {
      if (!controller.signal.aborted) setOutcome({ action, error: caught });
    } finally {
      setBusy(false);
    }
  };

  const pi = state.data?.initiation;
  const adjustments = state.data?.adjustments ?? [];
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
        {pi && (pi.status === 'FAILED' || abandoned(pi)) ? (
          <button type="button" className="primary" disabled={busy} onClick={() => setConfirming('retry')}>
            Retry…
          </button>
        ) : null}
        {pi && REVERSIBLE.includes(pi.status) && reversibleAmount(pi, adjustments) > 0n ? (
          <button type="button" disabled={busy} onClick={() => setConfirming('reverse')}>
            Reverse…
          </button>
        ) : null}
      </PageHeading>
      {pi ? (
        <ActionDialogs
          pi={pi}
          left={reversibleAmount(pi, adjustments)}
          confirming={confirming}
          onAct={(action, reversal) => void act(action, reversal)}
          onClose={() => setConfirming(undefined)}
        />
      ) : null}
      {outcome ? <OutcomeNotice outcome={outcome} pi={pi} /> : null}
      <LoadView state={state} what="the payment initiation" onRetry={reload}>
        {({ initiation: p, adjustments, payments }) => (
          <>
            {p.error && p.status !== 'PROCESSED' ? (
              <div className="notice notice-error failure-notice">
                <p className="notice-title">
                  {p.status === 'FAILED'
                    ? `The ${enumText(p.type).toLowerCase()} failed.`
                    : p.status === 'REVERSE_FAILED'
                      ? 'The reversal failed.'
                      : 'The last attempt ran into an error.'}
                </p>
                <FailureText error={readableError(p.error, p.asset, [p.amount])} />
                {p.status === 'FAILED' ? (
                  <p>Retry sends it again, as a new request to the provider.</p>
                ) : null}
              </div>
            ) : null}
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
                ['Initiation ID', <CopyId key="id" id={p.id} label="initiation ID" />, 'wide'],
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
                          <td className="wrap">
                            {adj.error ? (
                              <FailureText error={readableError(adj.error, p.asset, [p.amount])} />
                            ) : (
                              '—'
                            )}
                          </td>
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

interface ReversalRequest {
  reference: string;
  amount: bigint;
  asset: string;
  description?: string;
}

function OutcomeNotice({ outcome, pi }: { outcome: Outcome; pi: PaymentInitiation | undefined }) {
  const label = ACTION_LABELS[outcome.action];
  if (outcome.error !== undefined)
    return <ErrorState error={outcome.error} what={`the ${label.toLowerCase()}`} verb="complete" />;
  const { task } = outcome;
  if (outcome.action === 'reject')
    return (
      <div className="notice notice-good" role="status">
        <p>Rejected: nothing was sent to the provider.</p>
      </div>
    );
  const tone = task?.status === 'FAILED' ? 'notice-error' : task?.status === 'SUCCEEDED' ? 'notice-good' : '';
  return (
    <div className={`notice ${tone}`} role="status">
      <p>
        <span title={task ? `task ${task.id}` : undefined}>{label} task</span>:{' '}
        {task ? <StatusBadge status={task.status} /> : 'starting…'}
      </p>
      {task?.status === 'PROCESSING' ? (
        <p className="muted">Waiting for the provider; this page follows the task until it ends.</p>
      ) : null}
      {task?.status === 'SUCCEEDED' && pi && pi.status.endsWith('PROCESSING') ? (
        <p className="muted">
          The provider accepted it and reports it as pending: the status changes once the provider settles it
          (this page refreshes on its own).
        </p>
      ) : null}
      {/* The initiation's own error box says it already when it is the same reason. */}
      {task?.error && task.error !== pi?.error ? (
        <FailureText error={readableError(task.error, pi?.asset, pi ? [pi.amount] : [])} />
      ) : task?.error ? (
        <p className="muted">Why: see below.</p>
      ) : null}
    </div>
  );
}

function ActionDialogs({
  pi,
  left,
  confirming,
  onAct,
  onClose,
}: {
  pi: PaymentInitiation;
  left: bigint;
  confirming: Action | undefined;
  onAct: (action: Action, reversal?: ReversalRequest) => void;
  onClose: () => void;
}) {
  const what = `${enumText(pi.type).toLowerCase()} of ${amountText(pi.amount, pi.asset)}`;
  return (
    <>
      <ConfirmDialog
        open={confirming === 'approve'}
        title={`Approve ${pi.reference}?`}
        confirmLabel="Approve payment"
        onConfirm={() => onAct('approve')}
        onClose={onClose}
      >
        <p>
          The {what} is sent to the provider at once
          {isZeroTime(pi.scheduledAt) ? '' : ' or at its scheduled time'}.
        </p>
      </ConfirmDialog>
      <ConfirmDialog
        open={confirming === 'reject'}
        title={`Reject ${pi.reference}?`}
        confirmLabel="Reject payment"
        danger
        onConfirm={() => onAct('reject')}
        onClose={onClose}
      >
        <p>The {what} is never sent. A rejection cannot be undone.</p>
      </ConfirmDialog>
      <ConfirmDialog
        open={confirming === 'retry'}
        title={`Retry ${pi.reference}?`}
        confirmLabel="Send it again"
        onConfirm={() => onAct('retry')}
        onClose={onClose}
      >
        <p>
          The {what} is sent to the provider again
          {pi.status === 'FAILED'
            ? ', as a new request: check first that the cause of the failure is gone.'
            : ', as the same request (same idempotency key), so the provider cannot pay it twice.'}
        </p>
      </ConfirmDialog>
      {confirming === 'reverse' ? (
        <ReverseDialog pi={pi} left={left} onAct={onAct} onClose={onClose} />
      ) : null}
    </>
  );
}

/** Reverse asks how much (all that is left by default) and under which reference. */
function ReverseDialog({
  pi,
  left,
  onAct,
  onClose,
}: {
  pi: PaymentInitiation;
  left: bigint;
  onAct: (action: Action, reversal?: ReversalRequest) => void;
  onClose: () => void;
}) {
  const id = useId();
  const [amount, setAmount] = useState(() => toMajorText(left, pi.asset));
  const [reference, setReference] = useState(`${pi.reference}-reversal`);
  const [description, setDescription] = useState('');
  const minor = toMinorUnits(amount, pi.asset);
  const tooMuch = minor.ok && minor.minor > left;
  const amountError = !minor.ok
    ? minor.error
    : tooMuch
      ? `At most ${amountText(left, pi.asset)} is left to reverse.`
      : undefined;
  const valid = minor.ok && !tooMuch && reference.trim() !== '';
  return (
    <ConfirmDialog
      open
      title={`Reverse ${pi.reference}?`}
      confirmLabel={minor.ok && !tooMuch ? `Reverse ${amountText(minor.minor, pi.asset)}` : 'Reverse'}
      danger
      confirmDisabled={!valid}
      onConfirm={() =>
        minor.ok &&
        onAct('reverse', {
          reference: reference.trim(),
          amount: minor.minor,
          asset: pi.asset,
          ...(description.trim() ? { description: description.trim() } : {}),
        })
      }
      onClose={onClose}
    >
      <p>
        Asks the provider to send money back from the {enumText(pi.type).toLowerCase()}. Up to{' '}
        {amountText(left, pi.asset)} is left to reverse.
      </p>
      <div className="dialog-form">
        <div className="field">
          <label htmlFor={`${id}-amount`}>Amount ({pi.asset.split('/')[0]})</label>
          <input
            id={`${id}-amount`}
            inputMode="decimal"
            value={amount}
            aria-invalid={amountError ? true : undefined}
            aria-describedby={`${id}-amount-hint`}
            onChange={(e) => setAmount(e.target.value)}
          />
          <span className={amountError ? 'field-error' : 'hint'} id={`${id}-amount-hint`}>
            {amountError ??
              `In major units; sent as ${minor.ok ? String(minor.minor) : '…'} minor units of ${pi.asset}.`}
          </span>
        </div>
        <div className="field">
          <label htmlFor={`${id}-reference`}>Reference</label>
          <input
            id={`${id}-reference`}
            value={reference}
            aria-invalid={reference.trim() === '' ? true : undefined}
            onChange={(e) => setReference(e.target.value)}
          />
          <span className="hint">Unique per connector: the reversal's own id derives from it.</span>
        </div>
        <div className="field">
          <label htmlFor={`${id}-description`}>Description (optional)</label>
          <input
            id={`${id}-description`}
            value={description}
            onChange={(e) => setDescription(e.target.value)}
          />
        </div>
      </div>
    </ConfirmDialog>
  );
}
