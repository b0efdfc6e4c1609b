// Payments screen: search by reference, filters (connector, status, type, asset, a created-at day range),
// the totals per asset of the whole filter and its CSV export (both computed by the service), refreshed
// on its own while visible.
import { type FormEvent, useCallback, useId, useState } from 'react';
import { PAYMENT_STATUSES, PAYMENT_TYPES } from '../../../src/domain/enums.js';
import { EmptyState, LoadView, PageHeading, Pager, StatusBadge, TableBox, Time } from '../components/ui.js';
import { PaymentAmount } from '../components/payment-amount.js';
import { api } from '../lib/api.js';
import { downloadPaymentsCsv, paymentTotals } from '../lib/api-reports.js';
import type { AssetTotal } from '../lib/api-types.js';
import { normaliseAsset, paymentQuery } from '../lib/filters.js';
import { amountText, schemeText, statusText } from '../lib/format.js';
import { Link, navigate, useLocation } from '../lib/navigation.js';
import { segment, withQuery } from '../lib/router.js';
import { useLoad } from '../lib/use-load.js';
import { ConnectorSelect, EnumSelect } from './filter-bar.js';

/** How often the list and its totals refresh while the tab is visible. */

export function PaymentsScreen() {
  const { params } = useLocation();
  const filters = {
    reference: params.get('reference') ?? '',
    connector: params.get('connector') ?? '',
    status: params.get('status') ?? '',
    type: params.get('type') ?? '',
    asset: params.get('asset') ?? '',
    from: params.get('from') ?? '',
    to: params.get('to') ?? '',
  };
  const cursor = params.get('cursor') ?? undefined;
  const query = paymentQuery(params);
  const queryKey = JSON.stringify(query ?? null);
  const [state, reloadList] = useLoad(
    (signal) => api.payments({ query, cursor, pageSize: 25 }, signal),
    [queryKey, cursor],
  );
  const [totals, reloadTotals] = useLoad((signal) => paymentTotals(query, signal), [queryKey]);
  const reload = useCallback(() => {
    reloadList();
    reloadTotals();
  }, [reloadList, reloadTotals]);

  const [text, setText] = useState({ reference: filters.reference, asset: filters.asset });
  const [exporting, setExporting] = useState<'idle' | 'running' | Error>('idle');
  const ids = { reference: useId(), asset: useId(), from: useId(), to: useId() };
  const setFilter = (change: Partial<typeof filters>) =>
    navigate(withQuery('/payments', { ...filters, ...change, cursor: undefined }), { replace: true });
  const applyText = (event?: FormEvent) => {
    event?.preventDefault();
    setFilter({ reference: text.reference.trim(), asset: normaliseAsset(text.asset) });
  };
  const rangeProblem = filters.from && filters.to && filters.from > filters.to;
  const exportCsv = async () => {
    setExporting('running');
    try {
      await downloadPaymentsCsv(query);
      setExporting('idle');
    } catch (error) {
      setExporting(error instanceof Error ? error : new Error(String(error)));
    }
  };

  return (
    <>
      <PageHeading title="Payments">
        <button type="button" onClick={() => void exportCsv()} disabled={exporting === 'running'}>
          {exporting === 'running' ? 'Exporting…' : 'Export CSV'}
        </button>
      </PageHeading>
      <form
        className="filters payment-filters"
        role="search"
        aria-label="Filter payments"
        onSubmit={applyText}
      >
        <div className="field field-search">
          <label htmlFor={ids.reference}>Reference</label>
          <input
            id={ids.reference}
            type="search"
            value={text.reference}
            placeholder="Exact PSP reference"
            spellCheck={false}
            onChange={(e) => setText({ ...text, reference: e.target.value })}
          />
        </div>
        <div className="field">
          <label htmlFor={ids.from}>Created from</label>
          <input
            id={ids.from}
            type="date"
            value={filters.from}
            max={filters.to || undefined}
            onChange={(e) => setFilter({ from: e.target.value })}
          />
        </div>
        <div className="field">
          <label htmlFor={ids.to}>to (inclusive)</label>
          <input
            id={ids.to}
            type="date"
            value={filters.to}
            min={filters.from || undefined}
            onChange={(e) => setFilter({ to: e.target.value })}
          />
        </div>
        <button type="submit">Search</button>
        {query ? (
          <button
            type="button"
            onClick={() => {
              setText({ reference: '', asset: '' });
              navigate('/payments', { replace: true });
            }}
          >
            Clear filters
          </button>
        ) : null}
        {/* The list filters on a second line of their own. */}
        <span className="filters-break" aria-hidden="true" />
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
          <label htmlFor={ids.asset}>Asset</label>
          <input
            id={ids.asset}
            value={text.asset}
            placeholder="e.g. USD/2"
            spellCheck={false}
            size={8}
            onChange={(e) => setText({ ...text, asset: e.target.value })}
            onBlur={() => normaliseAsset(text.asset) !== filters.asset && applyText()}
          />
        </div>
      </form>
      {rangeProblem ? (
        <p className="notice notice-warn" role="status">
          The “from” day is after the “to” day: no payment can match.
        </p>
      ) : null}
      {exporting instanceof Error ? (
        <p className="notice notice-error" role="alert">
          The export failed: {exporting.message}
        </p>
      ) : null}
      {/* When the list itself failed, its error says it all: no second one for the totals. */}
      <Totals state={totals} filtered={query !== undefined} quiet={state.status === 'error'} />
      <LoadView state={state} what="payments" onRetry={reload}>
        {(page) =>
          page.data.length === 0 ? (
            <EmptyState>
              {query ? (
                <p>
                  No payment matches these filters. A reference must match exactly; clear a filter to see
                  more.
                </p>
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
                        <td>{statusText(p.type)}</td>
                        <td>
                          <StatusBadge status={p.status} label={statusText(p.status)} />
                        </td>
                        <td className="num">
                          <PaymentAmount payment={p} />
                        </td>
                        <td>
                          <Time iso={p.createdAt} />
                        </td>
                        <td>{schemeText(p.scheme)}</td>
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

/** Count and sums per asset of every payment the filter matches (not only this page), from the service. */
function Totals({
  state,
  filtered,
  quiet,
}: {
  state: ReturnType<typeof useLoad<AssetTotal[]>>[0];
  filtered: boolean;
  quiet: boolean;
}) {
  const totals = state.data;
  if (!totals) {
    return state.status === 'error' && !quiet ? (
      <p className="notice notice-error" role="status">
        Totals unavailable: {state.error instanceof Error ? state.error.message : String(state.error)}
      </p>
    ) : null;
  }
  if (totals.length === 0) return null;
  return (
    <section className="totals" aria-label={filtered ? 'Totals for these filters' : 'Totals of all payments'}>
      <h2 className="totals-title">{filtered ? 'Totals for these filters' : 'All payments'}</h2>
      <ul>
        {totals.map((t) => (
          <li key={t.asset}>
            <span className="totals-amount" title={`${String(t.amount)} minor units of ${t.asset}`}>
              {amountText(t.amount, t.asset)}
            </span>{' '}
            <span className="muted">
              in {String(t.count)} payment{String(t.count) === '1' ? '' : 's'}
              {String(t.initialAmount) !== String(t.amount)
                ? ` · initial amounts ${amountText(t.initialAmount, t.asset)}`
                : ''}
            </span>
          </li>
        ))}
      </ul>
    </section>
  );
}
