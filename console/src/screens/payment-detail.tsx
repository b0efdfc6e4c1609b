// Payment detail: its current state, then one timeline of what happened to it: the adjustments the PSP
// reported and the events Paybridge published about it (with their delivery), newest first.
import { useState } from 'react';
import { PaymentAmount } from '../components/payment-amount.js';
import {
  CopyId,
  AmountText,
  EmptyState,
  Facts,
  LoadView,
  Metadata,
  PageHeading,
  StatusBadge,
  Time,
} from '../components/ui.js';
import { api } from '../lib/api.js';
import { paymentEvents } from '../lib/api-reports.js';
import type { Payment, PaymentEvent } from '../lib/api-types.js';
import { amountText, schemeText, statusText } from '../lib/format.js';
import { Link } from '../lib/navigation.js';
import { segment } from '../lib/router.js';
import { useLoad } from '../lib/use-load.js';

/** A link to an account, by its name and reference (ids are long opaque strings nobody reads). */
export function AccountLink({ id }: { id: string | null | undefined }) {
  if (!id) return <>—</>;
  return <NamedAccountLink id={id} />;
}

function NamedAccountLink({ id }: { id: string }) {
  const [state] = useLoad((signal) => api.account(id, signal), [id]);
  const account = state.data;
  return (
    <Link to={`/accounts/${segment(id)}`} title={id}>
      {account ? (
        <>
          {account.name || account.reference} <span className="muted">({account.type.toLowerCase()})</span>
        </>
      ) : state.status === 'error' ? (
        // Unknown to the service (not fetched yet, or removed): the id is all there is.
        <code>{id}</code>
      ) : (
        'Loading…'
      )}
    </Link>
  );
}

export function PaymentDetailScreen({ paymentID }: { paymentID: string }) {
  const [state, reload] = useLoad((signal) => api.payment(paymentID, signal), [paymentID]);
  return (
    <>
      <p className="breadcrumb">
        <Link to="/payments">Payments</Link> /
      </p>
      <PageHeading title={state.data ? `Payment ${state.data.reference}` : 'Payment'} />
      <LoadView state={state} what="the payment" onRetry={reload}>
        {(p) => (
          <>
            <Facts
              items={[
                ['Status', <StatusBadge key="s" status={p.status} label={statusText(p.status)} />],
                ['Amount', <PaymentAmount key="a" payment={p} />],
                ['Initial amount', <AmountText key="i" amount={p.initialAmount} asset={p.asset} />],
                ['Type', statusText(p.type)],
                ['Scheme', schemeText(p.scheme)],
                ['Created', <Time key="c" iso={p.createdAt} />],
                ['Source account', <AccountLink key="src" id={p.sourceAccountID} />],
                ['Destination account', <AccountLink key="dst" id={p.destinationAccountID} />],
                [
                  'Connector',
                  <Link key="con" to={`/connectors/${segment(p.connectorID)}`}>
                    {p.provider}
                  </Link>,
                ],
                ['Payment ID', <CopyId key="id" id={p.id} label="payment ID" />, 'wide'],
              ]}
            />
            <Timeline payment={p} />
            <section aria-labelledby="metadata">
              <h2 id="metadata">Metadata</h2>
              <Metadata metadata={p.metadata} />
            </section>
          </>
        )}
      </LoadView>
    </>
  );
}

type Entry =
  | { kind: 'adjustment'; at: string; key: string; adjustment: NonNullable<Payment['adjustments']>[number] }
  | { kind: 'event'; at: string; key: string; event: PaymentEvent };

const DELIVERY: Record<string, string> = {
  SENT: 'delivered',
  PENDING: 'not delivered yet',
  DEAD: 'gave up delivering',
};

/** The adjustments and the outbox events, merged newest first; events load a page at a time. */
function Timeline({ payment }: { payment: Payment }) {
  const [older, setOlder] = useState<PaymentEvent[]>([]);
  const [more, setMore] = useState<{ cursor?: string; loading: boolean; error?: string }>({ loading: false });
  const [events] = useLoad(
    async (signal) => {
      const page = await paymentEvents(payment.id, { pageSize: 50 }, signal);
      setOlder([]);
      setMore({ loading: false, ...(page.hasMore && page.next ? { cursor: page.next } : {}) });
      return page.data;
      // The payment object changes on every refresh: its events are read again with it.
    },
    [payment],
  );
  const loadOlder = async () => {
    if (!more.cursor) return;
    setMore({ ...more, loading: true });
    try {
      const page = await paymentEvents(payment.id, { pageSize: 50, cursor: more.cursor });
      setOlder((list) => [...list, ...page.data]);
      setMore({ loading: false, ...(page.hasMore && page.next ? { cursor: page.next } : {}) });
    } catch (error) {
      setMore({ ...more, loading: false, error: error instanceof Error ? error.message : String(error) });
    }
  };

  const entries: Entry[] = [
    ...(payment.adjustments ?? []).map((adjustment): Entry => ({
      kind: 'adjustment',
      at: adjustment.createdAt,
      key: `a-${adjustment.id}`,
      adjustment,
    })),
    ...[...(events.data ?? []), ...older].map((event): Entry => ({
      kind: 'event',
      at: event.createdAt,
      key: `e-${event.id}`,
      event,
    })),
  ];
  // ISO times in UTC compare as text; on a tie the PSP's adjustment comes after the event it caused.
  entries.sort((a, b) => (a.at === b.at ? (a.kind === 'event' ? -1 : 1) : a.at < b.at ? 1 : -1));

  return (
    <section aria-labelledby="timeline">
      <h2 id="timeline">Timeline</h2>
      <p className="muted">
        What the provider reported and the events Paybridge wrote about this payment, newest first. Events
        wait in the outbox until an event sink (NATS or HTTP) takes them; delivered ones are kept for the
        outbox retention period only.
      </p>
      {events.status === 'error' ? (
        <p className="notice notice-error" role="alert">
          Events unavailable: {events.error instanceof Error ? events.error.message : String(events.error)}
        </p>
      ) : null}
      {entries.length === 0 ? (
        <EmptyState>
          {events.status === 'loading' ? 'Loading the timeline…' : 'Nothing recorded yet.'}
        </EmptyState>
      ) : (
        <ol className="timeline" aria-label="Payment timeline">
          {entries.map((entry) =>
            entry.kind === 'adjustment' ? (
              <li key={entry.key} className="timeline-item timeline-adjustment">
                <div className="timeline-when">
                  <Time iso={entry.at} />
                </div>
                <div className="timeline-body">
                  <p className="timeline-head">
                    <span className="timeline-kind">Provider</span>
                    <StatusBadge
                      status={entry.adjustment.status}
                      label={statusText(entry.adjustment.status)}
                    />
                    {entry.adjustment.amount !== undefined ? (
                      <AmountText
                        amount={entry.adjustment.amount}
                        asset={entry.adjustment.asset ?? payment.asset}
                      />
                    ) : null}
                  </p>
                  <p className="timeline-detail">
                    Reference <code>{entry.adjustment.reference}</code>
                  </p>
                </div>
              </li>
            ) : (
              <li key={entry.key} className="timeline-item timeline-event">
                <div className="timeline-when">
                  <Time iso={entry.at} />
                </div>
                <div className="timeline-body">
                  <p className="timeline-head">
                    <span className="timeline-kind">Event</span>
                    <code>{entry.event.type}</code>
                    <span className={`delivery delivery-${entry.event.delivery.status.toLowerCase()}`}>
                      {DELIVERY[entry.event.delivery.status] ?? entry.event.delivery.status.toLowerCase()}
                    </span>
                  </p>
                  <p className="timeline-detail">{eventSummary(entry.event, payment.asset)}</p>
                  {entry.event.delivery.lastError ? (
                    <p className="timeline-detail timeline-error">
                      Last delivery error: {entry.event.delivery.lastError}
                    </p>
                  ) : null}
                </div>
              </li>
            ),
          )}
        </ol>
      )}
      {more.cursor ? (
        <button type="button" onClick={() => void loadOlder()} disabled={more.loading}>
          {more.loading ? 'Loading…' : 'Older events'}
        </button>
      ) : null}
      {more.error ? (
        <p className="notice notice-error" role="alert">
          Older events unavailable: {more.error}
        </p>
      ) : null}
    </section>
  );
}

/** What the payment looked like in an event, in words and major units. */
function eventSummary(event: PaymentEvent, fallbackAsset: string): string {
  const s = event.summary;
  const asset = s.asset ?? fallbackAsset;
  const parts: string[] = [];
  if (s.status) parts.push(`status ${statusText(s.status)}`);
  if (s.amount !== undefined) parts.push(`amount ${amountText(s.amount, asset)}`);
  if (s.initialAmount !== undefined && String(s.initialAmount) !== String(s.amount))
    parts.push(`initial ${amountText(s.initialAmount, asset)}`);
  if (s.pspStatus) parts.push(`PSP status “${s.pspStatus}”`);
  if (event.delivery.attempts > 1) parts.push(`${event.delivery.attempts} delivery attempts`);
  return parts.length > 0 ? parts.join(' · ') : 'No payment fields in this event.';
}
