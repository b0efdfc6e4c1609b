// Connector detail: config (masked) and its edit form, schedules with their health and Resume, recent runs,
// webhook deliveries, reset and uninstall (with what the connector holds, when the service can count it).
import { type FormEvent, type ReactNode, useEffect, useId, useRef, useState } from 'react';
import {
  ConfirmDialog,
  CopyId,
  EmptyState,
  ErrorState,
  Facts,
  FailureText,
  LoadView,
  PageHeading,
  Pager,
  StatusBadge,
  TableBox,
  Time,
} from '../components/ui.js';
import { api, ApiError, followTask, ForbiddenError } from '../lib/api.js';
import {
  type ConfigEntry,
  type ConnectorCounts,
  type Schedule,
  type ScheduleRun,
  type Task,
  WEBHOOK_STATUSES,
} from '../lib/api-types.js';
import {
  configFields,
  fieldErrors,
  fieldLabel,
  type FormValues,
  prefillValues,
  secretsToResend,
  updateBody,
} from '../lib/config-form.js';
import { enumText } from '../lib/format.js';
import { connectorHealth, HEALTH_LABELS, scheduleLabel } from '../lib/health.js';
import { Link, navigate, useLocation } from '../lib/navigation.js';
import { readableError } from '../lib/psp-error.js';
import { withQuery } from '../lib/router.js';
import { useLoad, useRefreshHold } from '../lib/use-load.js';
import { ConfigInput } from './install.js';

type Action = 'reset' | 'uninstall';

interface TaskProgress {
  action: Action;
  task?: Task;
  error?: unknown;
}

async function loadConnector(id: string, signal: AbortSignal) {
  const [list, config, schedules] = await Promise.all([
    api.connectors({ query: { $match: { id } }, pageSize: 1 }, signal),
    api.connectorConfig(id, signal),
    api.schedules(id, signal),
  ]);
  const connector = list.data[0];
  if (!connector) throw new ApiError(404, 'NOT_FOUND', 'connector not found');
  return { connector, config, schedules };
}

/**
 * What the connector holds, from the Paybridge extension route `GET /v3/connectors/{id}/counts` (the CLI's
 * uninstall and reset show the same), with a loud line when payouts that already moved money would go.
 */
function DeletionCounts({ connectorID }: { connectorID: string }) {
  const [state] = useLoad((signal) => api.connectorCounts(connectorID, signal), [connectorID], {
    autoRefresh: false,
  });
  const counts: ConnectorCounts | undefined = state.status === 'ready' ? state.data : undefined;
  if (!counts) return null;
  const initiations = counts.paymentInitiations;
  const entries: [string, number][] = (
    [
      ['accounts', counts.accounts],
      ['balance entries', counts.balances],
      ['payments', counts.payments],
      ['payment initiations', initiations.total],
      ['bank account links', counts.bankAccountLinks],
      ['pool memberships', counts.poolMemberships],
      ['orders', counts.orders],
      ['conversions', counts.conversions],
      ['webhook deliveries', counts.webhooks],
    ] as [string, number][]
  ).filter(([, count]) => count > 0);
  if (entries.length === 0) return <p>It holds nothing yet.</p>;
  return (
    <>
      <p>It holds:</p>
      <ul className="usage">
        {entries.map(([kind, count]) => (
          <li key={kind}>
            <strong>{count.toLocaleString()}</strong> {kind}
          </li>
        ))}
      </ul>
      {initiations.processed + initiations.inFlight > 0 ? (
        <p className="notice notice-warn" role="alert">
          {initiations.processed > 0
            ? `${initiations.processed.toLocaleString()} of the payment initiations already moved money at the PSP. `
            : ''}
          {initiations.inFlight > 0
            ? `${initiations.inFlight.toLocaleString()} are being sent to the PSP right now. `
            : ''}
          Their records are deleted here; the money stays moved.
        </p>
      ) : null}
    </>
  );
}

export function ConnectorDetailScreen({ connectorID }: { connectorID: string }) {
  const [state, reload] = useLoad((signal) => loadConnector(connectorID, signal), [connectorID]);
  const [confirming, setConfirming] = useState<Action>();
  const [editing, setEditing] = useState(false);
  const [progress, setProgress] = useState<TaskProgress>();
  const [actionError, setActionError] = useState<unknown>();
  const following = useRef<AbortController>(null);
  useEffect(() => () => following.current?.abort(), []);

  const run = async (action: Action) => {
    setActionError(undefined);
    setProgress({ action });
    const controller = new AbortController();
    following.current = controller;
    try {
      const taskID =
        action === 'reset'
          ? await api.resetConnector(connectorID)
          : await api.uninstallConnector(connectorID);
      const task = await followTask(taskID, (t) => setProgress({ action, task: t }), controller.signal);
      if (action === 'reset' || task.status === 'FAILED') reload();
    } catch (error) {
      if (!controller.signal.aborted) setProgress({ action, error });
    }
  };

  const resume = async (schedule: Schedule) => {
    setActionError(undefined);
    try {
      await api.resumeSchedule(connectorID, schedule.id);
      reload();
    } catch (error) {
      setActionError(error);
    }
  };

  const uninstalled = progress?.action === 'uninstall' && progress.task?.status === 'SUCCEEDED';
  if (uninstalled) {
    return (
      <>
        <PageHeading title="Connector uninstalled" />
        <div className="notice notice-good" role="status">
          <p>The connector and everything it brought in (accounts, balances, payments) were removed.</p>
          <p>
            <Link to="/connectors">Back to connectors</Link>
          </p>
        </div>
      </>
    );
  }

  const name = state.data?.connector.name ?? 'Connector';
  return (
    <>
      <p className="breadcrumb">
        <Link to="/connectors">Connectors</Link> /
      </p>
      <PageHeading title={name}>
        {state.data ? (
          <>
            <Link className="button" to={withQuery('/accounts', { connector: connectorID })}>
              Accounts
            </Link>
            <Link className="button" to={withQuery('/payments', { connector: connectorID })}>
              Payments
            </Link>
            <button
              type="button"
              onClick={() => setConfirming('reset')}
              disabled={progress?.task?.status === 'PROCESSING'}
            >
              Reset…
            </button>
            <button
              type="button"
              className="danger"
              onClick={() => setConfirming('uninstall')}
              disabled={progress?.task?.status === 'PROCESSING'}
            >
              Uninstall…
            </button>
          </>
        ) : null}
      </PageHeading>
      <ConfirmDialog
        open={confirming === 'reset'}
        title={`Reset ${name}?`}
        confirmLabel="Reset connector"
        danger
        onConfirm={() => void run('reset')}
        onClose={() => setConfirming(undefined)}
      >
        <p>
          Reset deletes the accounts, balances and payments this connector brought in, then fetches everything
          again from the provider. The connector and its settings stay.
        </p>
        {confirming === 'reset' ? <DeletionCounts connectorID={connectorID} /> : null}
      </ConfirmDialog>
      <ConfirmDialog
        open={confirming === 'uninstall'}
        title={`Uninstall ${name}?`}
        confirmLabel="Uninstall connector"
        danger
        onConfirm={() => void run('uninstall')}
        onClose={() => setConfirming(undefined)}
      >
        <p>
          Uninstalling stops all polling and removes the connector with its accounts, balances and payments.
          This cannot be undone; installing again fetches them anew.
        </p>
        {confirming === 'uninstall' ? <DeletionCounts connectorID={connectorID} /> : null}
      </ConfirmDialog>
      {progress ? <TaskNotice progress={progress} /> : null}
      {actionError !== undefined ? <ErrorState error={actionError} what="the schedule's resume" /> : null}
      <LoadView state={state} what="the connector" onRetry={reload}>
        {({ connector, config, schedules }) => {
          const health = connectorHealth(schedules);
          return (
            <>
              <section aria-labelledby="overview">
                <h2 id="overview">Overview</h2>
                <Facts
                  items={[
                    [
                      'Health',
                      <StatusBadge key="h" status={health.state} label={HEALTH_LABELS[health.state]} />,
                    ],
                    ['Provider', connector.provider],
                    ['Installed', <Time key="t" iso={connector.createdAt} />],
                    ['Schedules', `${health.schedules} (${health.paused} paused, ${health.failing} failing)`],
                    ['Connector ID', <CopyId key="id" id={connector.id} label="connector ID" />, 'wide'],
                  ]}
                />
                <div className="section-heading">
                  <h3 id="settings">Settings</h3>
                  {editing ? null : (
                    <button type="button" className="small" onClick={() => setEditing(true)}>
                      Edit settings
                    </button>
                  )}
                </div>
                {editing ? (
                  <ConfigEditor
                    connectorID={connectorID}
                    provider={connector.provider}
                    config={config}
                    onDone={(saved) => {
                      setEditing(false);
                      if (saved) reload();
                    }}
                  />
                ) : (
                  <Facts
                    items={Object.entries(config)
                      .filter(([key]) => key !== 'provider')
                      .map(([key, value]): [string, ReactNode] => [
                        fieldLabel(key),
                        // As the API returns it: secret fields arrive masked and stay so.
                        <code key={key}>{typeof value === 'string' ? value : JSON.stringify(value)}</code>,
                      ])}
                  />
                )}
              </section>
              <SchedulesSection schedules={schedules} onResume={resume} />
              <RunsSection connectorID={connectorID} schedules={schedules} />
              <WebhooksSection connectorID={connectorID} />
            </>
          );
        }}
      </LoadView>
    </>
  );
}

function TaskNotice({ progress }: { progress: TaskProgress }) {
  const what = progress.action === 'reset' ? 'Reset' : 'Uninstall';
  if (progress.error !== undefined)
    return <ErrorState error={progress.error} what={`the ${what.toLowerCase()} task`} />;
  const task = progress.task;
  if (!task)
    return (
      <p className="notice" role="status">
        {what}: starting…
      </p>
    );
  return (
    <div
      className={`notice ${task.status === 'FAILED' ? 'notice-error' : task.status === 'SUCCEEDED' ? 'notice-good' : ''}`}
      role="status"
    >
      <p>
        <span title={`task ${task.id}`}>{what} task</span>: <StatusBadge status={task.status} />
        {task.status === 'PROCESSING' ? ' (following it until it ends)' : null}
      </p>
      {task.error ? <FailureText error={readableError(task.error)} /> : null}
      {task.status === 'FAILED' ? (
        <p>Check the error above, then try again; the service logs say more.</p>
      ) : null}
    </div>
  );
}

function SchedulesSection({
  schedules,
  onResume,
}: {
  schedules: Schedule[];
  onResume: (schedule: Schedule) => void;
}) {
  return (
    <section aria-labelledby="schedules">
      <h2 id="schedules">Schedules</h2>
      {schedules.length === 0 ? (
        <EmptyState>No schedules: the install task creates them. Refresh in a moment.</EmptyState>
      ) : (
        <TableBox label="Schedules">
          <table>
            <thead>
              <tr>
                <th scope="col">Task</th>
                <th scope="col">State</th>
                <th scope="col">Last run</th>
                <th scope="col" className="num">
                  Items
                </th>
                <th scope="col" className="num">
                  Skipped
                </th>
                <th scope="col">Next run</th>
                <th scope="col" className="num">
                  Failures in a row
                </th>
              </tr>
            </thead>
            {schedules.map((s) => {
              const label = scheduleLabel(s);
              const problem = s.pausedAt ? s.pausedReason : s.lastRun?.error;
              const warnings = s.lastRun?.warnings ?? [];
              return (
                // One body per schedule: its row, then why it is paused or failing, or what its run warned of.
                <tbody key={s.id} className={problem || warnings.length > 0 ? 'with-detail' : undefined}>
                  <tr>
                    <th scope="row" className="nowrap">
                      {label}
                    </th>
                    <td>
                      {s.pausedAt ? (
                        <span className="stack">
                          <StatusBadge status="PAUSED" label="Paused" />
                          <button type="button" className="small" onClick={() => onResume(s)}>
                            Resume<span className="visually-hidden"> {label}</span>
                          </button>
                        </span>
                      ) : s.lastRun?.error || s.consecutiveFailures > 0 ? (
                        <StatusBadge status="FAILING" label="Failing" />
                      ) : s.lastRun ? (
                        <StatusBadge status="HEALTHY" label="OK" />
                      ) : (
                        <StatusBadge status="WAITING" label="Not run yet" />
                      )}
                    </td>
                    <td>
                      <Time iso={s.lastRun?.createdAt} empty="Not yet" />
                    </td>
                    <td className="num">{s.lastRun?.items ?? '—'}</td>
                    <td className={`num ${s.lastRun?.skippedRecords ? 'warn-text' : ''}`}>
                      {s.lastRun?.skippedRecords ?? '—'}
                    </td>
                    <td>
                      <Time iso={s.nextRunAt} empty={s.pausedAt ? 'Paused' : '—'} />
                    </td>
                    <td className="num">{s.consecutiveFailures}</td>
                  </tr>
                  {problem ? (
                    <tr className="detail">
                      <td colSpan={7} className="error-text">
                        {s.pausedAt ? (
                          <>
                            Paused since <Time iso={s.pausedAt} />: {problem}. Fix the cause, then Resume.
                          </>
                        ) : (
                          <>Last run failed: {problem}</>
                        )}
                      </td>
                    </tr>
                  ) : warnings.length > 0 ? (
                    <tr className="detail">
                      <td colSpan={7} className="warn-text">
                        Last run warned: {warnings.join('; ')}
                      </td>
                    </tr>
                  ) : null}
                </tbody>
              );
            })}
          </table>
        </TableBox>
      )}
    </section>
  );
}

/** A schedule whose newest run failed or skipped records: its runs are worth opening at once. */
function needsAttention(schedule: Schedule): boolean {
  return Boolean(schedule.lastRun?.error) || (schedule.lastRun?.skippedRecords ?? 0) > 0;
}

function RunsSection({ connectorID, schedules }: { connectorID: string; schedules: Schedule[] }) {
  if (schedules.length === 0) return null;
  return (
    <section aria-labelledby="runs">
      <h2 id="runs">Recent runs</h2>
      <p className="muted">
        The five newest runs of each schedule, loaded when opened. Skipped records are PSP records that failed
        validation: the run went on without them.
      </p>
      {schedules.map((s) => (
        <ScheduleRuns key={s.id} connectorID={connectorID} schedule={s} />
      ))}
    </section>
  );
}

/** One schedule's runs behind a disclosure; a connector has a schedule per account, so none load unasked. */
function ScheduleRuns({ connectorID, schedule }: { connectorID: string; schedule: Schedule }) {
  const [open, setOpen] = useState(() => needsAttention(schedule));
  const label = scheduleLabel(schedule);
  return (
    <details className="runs" open={open} onToggle={(event) => setOpen(event.currentTarget.open)}>
      <summary>
        {label}
        {schedule.lastRun?.error ? <StatusBadge status="FAILED" label="errors" /> : null}
        {(schedule.lastRun?.skippedRecords ?? 0) > 0 ? (
          <StatusBadge status="PAUSED" label="skipped records" />
        ) : null}
      </summary>
      {open ? <RunsTable connectorID={connectorID} schedule={schedule} label={label} /> : null}
    </details>
  );
}

function RunsTable({
  connectorID,
  schedule,
  label,
}: {
  connectorID: string;
  schedule: Schedule;
  label: string;
}) {
  const [state, reload] = useLoad(
    (signal) => api.scheduleRuns(connectorID, schedule.id, 5, signal),
    [connectorID, schedule.id, schedule.lastRun?.id],
  );
  return (
    <LoadView state={state} what={`the runs of ${label}`} onRetry={reload}>
      {({ data: list }) =>
        list.length === 0 ? (
          <p className="muted">
            No run yet: the first one starts right after install, then at each polling period.
          </p>
        ) : (
          <TableBox label={`Runs of ${label}`}>
            <table>
              <thead>
                <tr>
                  <th scope="col">Started</th>
                  <th scope="col">Finished</th>
                  <th scope="col" className="num">
                    Pages
                  </th>
                  <th scope="col" className="num">
                    Items
                  </th>
                  <th scope="col">Warnings</th>
                  <th scope="col">Error</th>
                </tr>
              </thead>
              <tbody>
                {list.map((r: ScheduleRun) => (
                  <tr key={r.id}>
                    <td>
                      <Time iso={r.createdAt} />
                    </td>
                    <td>
                      {r.terminated ? (
                        <Time iso={r.terminatedAt} />
                      ) : (
                        <StatusBadge status="PROCESSING" label="Running" />
                      )}
                    </td>
                    <td className="num">{r.pages}</td>
                    <td className="num">{r.items}</td>
                    <td className={r.skippedRecords > 0 ? 'warn-text' : ''}>
                      {r.skippedRecords > 0
                        ? `${r.skippedRecords} skipped record${r.skippedRecords === 1 ? '' : 's'}`
                        : '—'}
                    </td>
                    <td className={r.error ? 'error-text wrap' : undefined}>{r.error ?? '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableBox>
        )
      }
    </LoadView>
  );
}

function WebhooksSection({ connectorID }: { connectorID: string }) {
  const { params, path } = useLocation();
  const status = params.get('webhookStatus') ?? '';
  const cursor = params.get('webhookCursor') ?? undefined;
  const [state, reload] = useLoad(
    (signal) =>
      api.webhooks(
        connectorID,
        { query: status ? { $match: { status } } : undefined, cursor, pageSize: 10 },
        signal,
      ),
    [connectorID, status, cursor],
  );
  const selectId = useId();
  return (
    <section aria-labelledby="webhooks">
      <h2 id="webhooks">Webhook deliveries</h2>
      <div className="filters">
        <div className="field">
          <label htmlFor={selectId}>Status</label>
          <select
            id={selectId}
            value={status}
            onChange={(e) => navigate(withQuery(path, { webhookStatus: e.target.value }), { replace: true })}
          >
            <option value="">Any</option>
            {WEBHOOK_STATUSES.map((s) => (
              <option key={s} value={s}>
                {enumText(s)}
              </option>
            ))}
          </select>
        </div>
      </div>
      <LoadView state={state} what="webhook deliveries" onRetry={reload}>
        {(page) =>
          page.data.length === 0 ? (
            <EmptyState>
              {status
                ? 'No deliveries with this status. Choose "Any" to see them all.'
                : 'No webhook deliveries. Providers that push events send them to /connectors/webhooks/<connector ID>/…; polling goes on either way.'}
            </EmptyState>
          ) : (
            <>
              <TableBox label="Webhook deliveries">
                <table>
                  <thead>
                    <tr>
                      <th scope="col">Received</th>
                      <th scope="col">Status</th>
                      <th scope="col">Hook</th>
                      <th scope="col" className="num">
                        Attempts
                      </th>
                      <th scope="col">Processed</th>
                      <th scope="col">Error</th>
                    </tr>
                  </thead>
                  <tbody>
                    {page.data.map((d) => (
                      <tr key={d.id}>
                        <td>
                          <Time iso={d.receivedAt} />
                        </td>
                        <td>
                          <StatusBadge status={d.status} />
                        </td>
                        <td>
                          <code>{d.config}</code>
                        </td>
                        <td className="num">{d.attempts}</td>
                        <td>
                          <Time iso={d.processedAt} />
                        </td>
                        <td className={d.error ? 'error-text wrap' : undefined}>{d.error ?? '—'}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </TableBox>
              <Pager
                cursor={page}
                label="Webhook deliveries"
                onPage={(c) =>
                  navigate(withQuery(path, { webhookStatus: status, webhookCursor: c }), { replace: true })
                }
              />
            </>
          )
        }
      </LoadView>
    </section>
  );
}

/**
 * The connector's settings as a form generated like the install form, prefilled with the current config.
 * Secrets start blank and, left blank, keep their stored value, unless the endpoint changes: then each
 * must be typed again (the service refuses otherwise, so a stored key never goes to a new host).
 */
function ConfigEditor({
  connectorID,
  provider,
  config,
  onDone,
}: {
  connectorID: string;
  provider: string;
  config: Record<string, unknown>;
  onDone: (saved: boolean) => void;
}) {
  const [catalog] = useLoad((signal) => api.connectorConfigs(signal), [], { autoRefresh: false });
  const schema = catalog.status === 'ready' ? findSchema(catalog.data, provider) : undefined;
  if (catalog.status === 'error') return <ErrorState error={catalog.error} what="the settings form" />;
  if (catalog.status !== 'ready') return <p className="loading">Loading the settings form…</p>;
  if (!schema)
    return (
      <div className="notice notice-error" role="alert">
        <p>This service no longer offers the {provider} connector: its settings cannot be edited here.</p>
      </div>
    );
  return <ConfigEditForm connectorID={connectorID} schema={schema} config={config} onDone={onDone} />;
}

/** The catalog names providers in lower case; connectors carry them as installed (any case). */
function findSchema(
  catalog: Record<string, Record<string, ConfigEntry>>,
  provider: string,
): Record<string, ConfigEntry> | undefined {
  const key = Object.keys(catalog).find((p) => p.toLowerCase() === provider.toLowerCase());
  return key ? catalog[key] : undefined;
}

function ConfigEditForm({
  connectorID,
  schema,
  config,
  onDone,
}: {
  connectorID: string;
  schema: Record<string, ConfigEntry>;
  config: Record<string, unknown>;
  onDone: (saved: boolean) => void;
}) {
  const fields = configFields(schema);
  const [values, setValues] = useState<FormValues>(() => prefillValues(fields, config));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [submitted, setSubmitted] = useState(false);
  const form = useRef<HTMLFormElement>(null);
  useRefreshHold(true);
  const resend = secretsToResend(fields, values, config);
  const missing = resend.filter((key) => typeof values[key] !== 'string' || values[key] === '');
  const serverMessages =
    error instanceof ApiError
      ? fieldErrors(
          error.message,
          fields.map((f) => f.key),
        )
      : undefined;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setSubmitted(true);
    if (missing.length > 0) {
      // Take the reader to the first secret to type again.
      const input = form.current?.elements.namedItem(missing[0] ?? '');
      if (input instanceof HTMLElement) input.focus();
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      await api.updateConnectorConfig(connectorID, updateBody(fields, values, config));
      onDone(true);
    } catch (caught) {
      setError(caught);
      setBusy(false);
    }
  };

  const fieldError = (key: string): string | undefined => {
    if (submitted && missing.includes(key))
      return 'Required because the endpoint changed: a stored secret is never sent to a new host.';
    return serverMessages?.byField[key];
  };
  return (
    <form ref={form} className="install-form config-edit" onSubmit={submit} aria-busy={busy} noValidate>
      {error !== undefined ? (
        error instanceof ApiError && !(error instanceof ForbiddenError) ? (
          <div className="notice notice-error" role="alert">
            <p className="notice-title">The settings were not saved.</p>
            <p>
              {error.message} <code className="error-code">{error.code}</code>
            </p>
          </div>
        ) : (
          <ErrorState error={error} what="the settings" verb="save" />
        )
      ) : null}
      {resend.length > 0 ? (
        <p className="notice" role="status">
          The endpoint changed: type the secrets again ({resend.map(fieldLabel).join(', ')}). Left blank, they
          would be refused, so a stored key never goes to a new host.
        </p>
      ) : null}
      <fieldset>
        <legend>Settings</legend>
        {fields.map((field) => (
          <ConfigInput
            key={field.key}
            field={field}
            values={values}
            setValues={setValues}
            error={fieldError(field.key)}
            requiredNow={resend.includes(field.key)}
            secretHint={
              resend.includes(field.key)
                ? 'secret · required because the endpoint changed'
                : 'secret · leave blank to keep the stored value'
            }
          />
        ))}
      </fieldset>
      <p className="hint">
        Saving runs the connector&rsquo;s install check again and resumes paused schedules.
      </p>
      <div className="form-actions">
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Saving…' : 'Save settings'}
        </button>
        <button type="button" onClick={() => onDone(false)} disabled={busy}>
          Cancel
        </button>
      </div>
    </form>
  );
}
