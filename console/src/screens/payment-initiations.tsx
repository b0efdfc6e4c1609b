// Payment initiations screen: transfers and payouts asked of a provider, filterable by status and connector,
// and the way to create one.
import { PAYMENT_INITIATION_STATUSES } from '../../../src/domain/enums.js';
import {
  AmountText,
  EmptyState,
  LoadView,
  PageHeading,
  Pager,
  StatusBadge,
  TableBox,
  Time,
} from '../components/ui.js';
import { api } from '../lib/api.js';
import { matchAll } from '../lib/filters.js';
import { enumText } from '../lib/format.js';
import { Link, navigate, useLocation } from '../lib/navigation.js';
import { segment, withQuery } from '../lib/router.js';
import { useLoad } from '../lib/use-load.js';
import { ConnectorSelect, EnumSelect } from './filter-bar.js';

export function PaymentInitiationsScreen() {
  const { params } = useLocation();
  const status = params.get('status') ?? '';
  const connector = params.get('connector') ?? '';
  const cursor = params.get('cursor') ?? undefined;
  const query = matchAll([
    ['status', status],
    ['connector_id', connector],
  ]);
  const [state, reload] = useLoad(
    (signal) => api.initiations({ query, cursor, pageSize: 25 }, signal),
    [status, connector, cursor],
  );
  const setFilter = (change: Record<string, string>) =>
    navigate(withQuery('/payment-initiations', { status, connector, ...change }), { replace: true });
  return (
    <>
      <PageHeading title="Payment initiations">
        <Link className="button primary" to="/payment-initiations/new">
          New payout or transfer
        </Link>
      </PageHeading>
      <form
        className="filters"
        role="search"
        aria-label="Filter payment initiations"
        onSubmit={(e) => e.preventDefault()}
      >
        <EnumSelect
          label="Status"
          value={status}
          options={PAYMENT_INITIATION_STATUSES}
          onChange={(v) => setFilter({ status: v })}
        />
        <ConnectorSelect value={connector} onChange={(v) => setFilter({ connector: v })} />
      </form>
      <LoadView state={state} what="payment initiations" onRetry={reload}>
        {(page) =>
          page.data.length === 0 ? (
            <EmptyState>
              {query ? (
                <p>No payment initiation matches these filters. Choose &ldquo;Any&rdquo; to see them all.</p>
              ) : (
                <p>
                  No payment initiations yet. Create one with{' '}
                  <Link to="/payment-initiations/new">New payout or transfer</Link> (or through the API,{' '}
                  <code>POST /v3/payment-initiations</code>); it waits here for approval.
                </p>
              )}
            </EmptyState>
          ) : (
            <>
              <TableBox label="Payment initiations">
                <table>
                  <thead>
                    <tr>
                      <th scope="col">Reference</th>
                      <th scope="col">Type</th>
                      <th scope="col">Status</th>
                      <th scope="col" className="num">
                        Amount
                      </th>
                      <th scope="col">Created</th>
                      <th scope="col">Scheduled</th>
                      <th scope="col">Description</th>
                    </tr>
                  </thead>
                  <tbody>
                    {page.data.map((pi) => (
                      <tr key={pi.id}>
                        <th scope="row">
                          <Link to={`/payment-initiations/${segment(pi.id)}`}>{pi.reference}</Link>
                        </th>
                        <td>{enumText(pi.type)}</td>
                        <td>
                          <StatusBadge status={pi.status} />
                        </td>
                        <td className="num">
                          <AmountText amount={pi.amount} asset={pi.asset} />
                        </td>
                        <td>
                          <Time iso={pi.createdAt} />
                        </td>
                        <td>
                          <Time iso={pi.scheduledAt} empty="Now" />
                        </td>
                        <td className="clip" title={pi.description}>
                          {pi.description || '—'}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </TableBox>
              <Pager
                cursor={page}
                label="Payment initiations"
                onPage={(c) => navigate(withQuery('/payment-initiations', { status, connector, cursor: c }))}
              />
            </>
          )
        }
      </LoadView>
    </>
  );
}
