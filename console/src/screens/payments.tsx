// Payments screen: payments with status and amount, filtered by connector, status, type and asset through the API's query.
import { type FormEvent, useId, useState } from 'react';
import { PAYMENT_STATUSES, PAYMENT_TYPES } from '../../../src/domain/enums.js';
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
import { filterFromParams, normaliseAsset, PAYMENT_FILTERS } from '../lib/filters.js';
import { enumText } from '../lib/format.js';
import { Link, navigate, useLocation } from '../lib/navigation.js';
import { segment, withQuery } from '../lib/router.js';
import { useLoad } from '../lib/use-load.js';
import { ConnectorSelect, EnumSelect } from './filter-bar.js';

export function PaymentsScreen() {
  const { params } = useLocation();
  const filters = {
    connector: params.get('connector') ?? '',
    status: params.get('status') ?? '',
    type: params.get('type') ?? '',
    asset: params.get('asset') ?? '',
  };
  const cursor = params.get('cursor') ?? undefined;
  const query = filterFromParams(params, PAYMENT_FILTERS);
  const [state, reload] = useLoad(
    (signal) => api.payments({ query, cursor, pageSize: 25 }, signal),
    [JSON.stringify(query), cursor],
  );
  const [assetText, setAssetText] = useState(filters.asset);
  const assetId = useId();
  const setFilter = (change: Partial<typeof filters>) =>
    navigate(withQuery('/payments', { ...filters, ...change }), { replace: true });
  const applyAsset = (event: FormEvent) => {
    event.preventDefault();
    setFilter({ asset: normaliseAsset(assetText) });
  };
  return (
    <>
      <PageHeading title="Payments">
        <button type="button" onClick={reload}>
          Refresh
        </button>
      </PageHeading>
      <form className="filters" role="search" aria-label="Filter payments" onSubmit={applyAsset}>
        <ConnectorSelect value={filters.connector} onChange={(v) => setFilter({ connector: v })} />
        <EnumSelect
          label="Status"
          value={filters.status}
          options={PAYMENT_STATUSES}
          onChange={(v) => setFilter({ status: v })}
        />
        <EnumSelect
          label="Type"
          value={filters.type}
          options={PAYMENT_TYPES}
          onChange={(v) => setFilter({ type: v })}
        />
        <div className="field">
          <label htmlFor={assetId}>Asset</label>
          <input
            id={assetId}
            value={assetText}
            placeholder="e.g. USD/2"
            spellCheck={false}
            size={10}
            onChange={(e) => setAssetText(e.target.value)}
            onBlur={() =>
              normaliseAsset(assetText) !== filters.asset && setFilter({ asset: normaliseAsset(assetText) })
            }
          />
        </div>
        <button type="submit">Apply</button>
        {query ? (
          <button
            type="button"
            onClick={() => {
              setAssetText('');
              navigate('/payments', { replace: true });
            }}
          >
            Clear filters
          </button>
        ) : null}
      </form>
      <LoadView state={state} what="payments" onRetry={reload}>
        {(page) =>
          page.data.length === 0 ? (
            <EmptyState>
              {query ? (
                <p>No payment matches these filters. Clear a filter to see more.</p>
              ) : (
                <p>
                  No payments yet: the first poll of a connector brings them; check its schedules on the{' '}
                  <Link to="/connectors">connectors</Link> page.
                </p>
              )}
            </EmptyState>
          ) : (
            <>
              <TableBox label="Payments">
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
                      <th scope="col">Scheme</th>
                    </tr>
                  </thead>
                  <tbody>
                    {page.data.map((p) => (
                      <tr key={p.id}>
                        <th scope="row">
                          <Link to={`/payments/${segment(p.id)}`}>{p.reference}</Link>
                        </th>
                        <td>{enumText(p.type)}</td>
                        <td>
                          <StatusBadge status={p.status} />
                        </td>
                        <td className="num">
                          <AmountText amount={p.amount} asset={p.asset} />
                        </td>
                        <td>
                          <Time iso={p.createdAt} />
                        </td>
                        <td>{enumText(p.scheme)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </TableBox>
              <Pager
                cursor={page}
                label="Payments"
                onPage={(c) => navigate(withQuery('/payments', { ...filters, cursor: c }))}
              />
            </>
          )
        }
      </LoadView>
    </>
  );
}
