// Payment detail: its current state and the history of adjustments (newest first) that led there.
import {
  AmountText,
  EmptyState,
  Facts,
  LoadView,
  Metadata,
  PageHeading,
  StatusBadge,
  TableBox,
  Time,
} from '../components/ui.js';
import { api } from '../lib/api.js';
import { enumText } from '../lib/format.js';
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
      <PageHeading title={state.data ? `Payment ${state.data.reference}` : 'Payment'}>
        <button type="button" onClick={reload}>
          Refresh
        </button>
      </PageHeading>
      <LoadView state={state} what="the payment" onRetry={reload}>
        {(p) => {
          const adjustments = p.adjustments ?? [];
          return (
            <>
              <Facts
                items={[
                  ['Status', <StatusBadge key="s" status={p.status} />],
                  ['Amount', <AmountText key="a" amount={p.amount} asset={p.asset} />],
                  ['Initial amount', <AmountText key="i" amount={p.initialAmount} asset={p.asset} />],
                  ['Type', enumText(p.type)],
                  ['Scheme', enumText(p.scheme)],
                  ['Created', <Time key="c" iso={p.createdAt} />],
                  ['Source account', <AccountLink key="src" id={p.sourceAccountID} />],
                  ['Destination account', <AccountLink key="dst" id={p.destinationAccountID} />],
                  [
                    'Connector',
                    <Link key="con" to={`/connectors/${segment(p.connectorID)}`}>
                      {p.provider}
                    </Link>,
                  ],
                  ['Payment ID', <code key="id">{p.id}</code>, 'wide'],
                ]}
              />
              <section aria-labelledby="adjustments">
                <h2 id="adjustments">Adjustments</h2>
                <p className="muted">Each change the provider reported, newest first.</p>
                {adjustments.length === 0 ? (
                  <EmptyState>No adjustments recorded for this payment.</EmptyState>
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
                          <th scope="col">Reference</th>
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
                              <AmountText amount={adj.amount} asset={adj.asset ?? p.asset} />
                            </td>
                            <td>
                              <code>{adj.reference}</code>
                            </td>
                          </tr>
                        ))}
                      </tbody>
                    </table>
                  </TableBox>
                )}
              </section>
              <section aria-labelledby="metadata">
                <h2 id="metadata">Metadata</h2>
                <Metadata metadata={p.metadata} />
              </section>
            </>
          );
        }}
      </LoadView>
    </>
  );
}
