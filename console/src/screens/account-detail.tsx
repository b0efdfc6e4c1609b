// Account detail: what the account is, its balance per asset with a chart over time, and its payments.
import { BalanceChart } from '../components/balance-chart.js';
import {
  CopyId,
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
import { historyByAsset } from '../lib/balance-history.js';
import { Link } from '../lib/navigation.js';
import { segment, withQuery } from '../lib/router.js';
import { useLoad } from '../lib/use-load.js';

async function loadAccount(id: string, signal: AbortSignal) {
  const [account, balances] = await Promise.all([api.account(id, signal), api.balances(id, signal)]);
  return { account, history: historyByAsset(balances.data) };
}

export function AccountDetailScreen({ accountID }: { accountID: string }) {
  const [state, reload] = useLoad((signal) => loadAccount(accountID, signal), [accountID]);
  const account = state.data?.account;
  return (
    <>
      <p className="breadcrumb">
        <Link to="/accounts">Accounts</Link> /
      </p>
      <PageHeading title={account ? `Account ${account.name || account.reference}` : 'Account'} />
      <LoadView state={state} what="the account" onRetry={reload}>
        {({ account: a, history }) => (
          <>
            <Facts
              items={[
                ['Reference', <code key="r">{a.reference}</code>],
                ['Type', <StatusBadge key="t" status={a.type} />],
                ['Default asset', a.defaultAsset ?? '—'],
                [
                  'Connector',
                  <Link key="c" to={`/connectors/${segment(a.connectorID)}`}>
                    {a.connector.name}
                  </Link>,
                ],
                ['Created', <Time key="d" iso={a.createdAt} />],
                ['Account ID', <CopyId key="id" id={a.id} label="account ID" />, 'wide'],
              ]}
            />
            <p>
              <Link to={withQuery('/payments', { connector: a.connectorID })}>
                Payments of this connector
              </Link>
            </p>
            <section aria-labelledby="balances">
              <h2 id="balances">Balances</h2>
              {history.length === 0 ? (
                <EmptyState>
                  {a.type === 'EXTERNAL'
                    ? 'No balances: providers report balances for their own (internal) accounts, not for external ones.'
                    : 'No balances yet. They come with the connector\u2019s balances schedule; check its runs on the connector page.'}
                </EmptyState>
              ) : (
                <div className="cards">
                  {history.map((h) => (
                    <article key={h.asset} className="card" aria-labelledby={`asset-${h.asset}`}>
                      <h3 id={`asset-${h.asset}`}>{h.asset}</h3>
                      <p className="balance">
                        <AmountText amount={h.current} asset={h.asset} />
                      </p>
                      <BalanceChart history={h} />
                      <details>
                        <summary>History ({h.steps.length})</summary>
                        <TableBox label={`${h.asset} balance history`}>
                          <table>
                            <thead>
                              <tr>
                                <th scope="col">From</th>
                                <th scope="col">Last seen</th>
                                <th scope="col" className="num">
                                  Balance
                                </th>
                              </tr>
                            </thead>
                            <tbody>
                              {[...h.steps].reverse().map((s) => (
                                <tr key={s.from}>
                                  <td>
                                    <Time iso={new Date(s.from).toISOString()} />
                                  </td>
                                  <td>
                                    <Time iso={new Date(s.to).toISOString()} />
                                  </td>
                                  <td className="num">
                                    <AmountText amount={s.value} asset={h.asset} />
                                  </td>
                                </tr>
                              ))}
                            </tbody>
                          </table>
                        </TableBox>
                      </details>
                    </article>
                  ))}
                </div>
              )}
            </section>
            <section aria-labelledby="metadata">
              <h2 id="metadata">Metadata</h2>
              <Metadata metadata={a.metadata} />
            </section>
          </>
        )}
      </LoadView>
    </>
  );
}
