// Accounts screen: the accounts connectors brought in (or that were created), filterable by connector and type.
import { EmptyState, LoadView, PageHeading, Pager, StatusBadge, TableBox, Time } from '../components/ui.js';
import { ACCOUNT_TYPES } from '../../../src/domain/enums.js';
import { api } from '../lib/api.js';
import { matchAll } from '../lib/filters.js';
import { Link, navigate, useLocation } from '../lib/navigation.js';
import { segment, withQuery } from '../lib/router.js';
import { useLoad } from '../lib/use-load.js';
import { ConnectorSelect, EnumSelect } from './filter-bar.js';

export function AccountsScreen() {
  const { params } = useLocation();
  const connector = params.get('connector') ?? '';
  const type = params.get('type') ?? '';
  const cursor = params.get('cursor') ?? undefined;
  const query = matchAll([
    ['connector_id', connector],
    ['type', type],
  ]);
  const [state, reload] = useLoad(
    (signal) => api.accounts({ query, cursor, pageSize: 25 }, signal),
    [connector, type, cursor],
  );
  // A filter change starts again from the first page.
  const setFilter = (change: Record<string, string>) =>
    navigate(withQuery('/accounts', { connector, type, ...change }), { replace: true });
  return (
    <>
      <PageHeading title="Accounts" />
      <form
        className="filters"
        role="search"
        aria-label="Filter accounts"
        onSubmit={(e) => e.preventDefault()}
      >
        <ConnectorSelect value={connector} onChange={(v) => setFilter({ connector: v })} />
        <EnumSelect
          label="Type"
          value={type}
          options={ACCOUNT_TYPES}
          onChange={(v) => setFilter({ type: v })}
        />
      </form>
      <LoadView state={state} what="accounts" onRetry={reload}>
        {(page) =>
          page.data.length === 0 ? (
            <EmptyState>
              {query ? (
                <p>No account matches these filters. Clear a filter to see more.</p>
              ) : (
                <p>
                  No accounts yet. The first poll of a connector brings them in:{' '}
                  <Link to="/connectors">check your connectors</Link> and their schedules, or{' '}
                  <Link to="/connectors/install">install one</Link>.
                </p>
              )}
            </EmptyState>
          ) : (
            <>
              <TableBox label="Accounts">
                <table>
                  <thead>
                    <tr>
                      <th scope="col">Name</th>
                      <th scope="col">Reference</th>
                      <th scope="col">Type</th>
                      <th scope="col">Default asset</th>
                      <th scope="col">Connector</th>
                      <th scope="col">Created</th>
                    </tr>
                  </thead>
                  <tbody>
                    {page.data.map((a) => (
                      <tr key={a.id}>
                        <th scope="row">
                          <Link to={`/accounts/${segment(a.id)}`}>{a.name || a.reference}</Link>
                        </th>
                        <td>
                          <code>{a.reference}</code>
                        </td>
                        <td>
                          <StatusBadge status={a.type} />
                        </td>
                        <td>{a.defaultAsset ?? '—'}</td>
                        <td>{a.connector.name}</td>
                        <td>
                          <Time iso={a.createdAt} />
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </TableBox>
              <Pager
                cursor={page}
                label="Accounts"
                onPage={(c) => navigate(withQuery('/accounts', { connector, type, cursor: c }))}
              />
            </>
          )
        }
      </LoadView>
    </>
  );
}
