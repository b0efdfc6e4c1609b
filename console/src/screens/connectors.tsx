// Connectors screen: every installed connector with its health (schedules, paused, failing, last run and error).
import { CopyId, EmptyState, LoadView, PageHeading, StatusBadge, TableBox, Time } from '../components/ui.js';
import { api } from '../lib/api.js';
import type { Connector } from '../lib/api-types.js';
import { type ConnectorHealth, connectorHealth, HEALTH_LABELS } from '../lib/health.js';
import { Link } from '../lib/navigation.js';
import { segment } from '../lib/router.js';
import { useLoad } from '../lib/use-load.js';

interface ConnectorRow {
  connector: Connector;
  health: ConnectorHealth;
}

async function loadConnectors(signal: AbortSignal): Promise<ConnectorRow[]> {
  const page = await api.connectors({ pageSize: 100 }, signal);
  // One schedules call per connector: schedules carry their newest run, so that is all a health view needs.
  return Promise.all(
    page.data.map(async (connector) => ({
      connector,
      health: connectorHealth(await api.schedules(connector.id, signal)),
    })),
  );
}

export function ConnectorsScreen() {
  const [state, reload] = useLoad(loadConnectors, []);
  return (
    <>
      <PageHeading title="Connectors">
        <Link className="button primary" to="/connectors/install">
          Install a connector
        </Link>
      </PageHeading>
      <LoadView state={state} what="connectors" onRetry={reload}>
        {(rows) =>
          rows.length === 0 ? (
            <EmptyState>
              <p>
                <strong>No connectors yet.</strong> A connector links Paybridge to a payment provider and
                brings its accounts and payments in.
              </p>
              <p>
                <Link to="/connectors/install">Install one</Link>.
              </p>
            </EmptyState>
          ) : (
            <TableBox label="Installed connectors">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Provider</th>
                    <th scope="col">Health</th>
                    <th scope="col" className="num">
                      Schedules
                    </th>
                    <th scope="col" className="num">
                      Paused
                    </th>
                    <th scope="col" className="num">
                      Failing
                    </th>
                    <th scope="col">Last run</th>
                    <th scope="col">Last error</th>
                    <th scope="col">ID</th>
                  </tr>
                </thead>
                <tbody>
                  {rows.map(({ connector, health }) => (
                    <tr key={connector.id}>
                      <th scope="row">
                        <Link to={`/connectors/${segment(connector.id)}`}>{connector.name}</Link>
                      </th>
                      <td>{connector.provider}</td>
                      <td>
                        {connector.scheduledForDeletion ? (
                          <StatusBadge status="PROCESSING" label="Being uninstalled" />
                        ) : (
                          <StatusBadge status={health.state} label={HEALTH_LABELS[health.state]} />
                        )}
                      </td>
                      <td className="num">{health.schedules}</td>
                      <td className="num">{health.paused}</td>
                      <td className="num">{health.failing}</td>
                      <td>
                        <Time iso={health.lastRunAt} empty="Not yet" />
                      </td>
                      <td
                        className={health.lastError ? 'error-text clip' : undefined}
                        title={health.lastError}
                      >
                        {health.lastError ?? '—'}
                      </td>
                      <td>
                        <CopyId id={connector.id} short label={`ID of ${connector.name}`} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableBox>
          )
        }
      </LoadView>
    </>
  );
}
