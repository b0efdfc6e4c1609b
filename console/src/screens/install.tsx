// Install screen: pick a provider, fill in the form generated from its config schema, install.
import { type FormEvent, useEffect, useId, useRef, useState } from 'react';
import {
  EmptyState,
  FailureText,
  ForbiddenDetail,
  forbiddenTitle,
  LoadView,
  PageHeading,
} from '../components/ui.js';
import { api, ApiError, ForbiddenError } from '../lib/api.js';
import {
  type ConfigField,
  configBody,
  configFields,
  DATA_TYPE_HINTS,
  fieldErrors,
  type FormValues,
} from '../lib/config-form.js';
import type { ConfigEntry } from '../lib/api-types.js';
import { Link, navigate, useLocation } from '../lib/navigation.js';
import { segment, withQuery } from '../lib/router.js';
import { readableError } from '../lib/psp-error.js';
import { useLoad } from '../lib/use-load.js';

export function InstallScreen() {
  const { params } = useLocation();
  const [state, reload] = useLoad((signal) => api.connectorConfigs(signal), [], { autoRefresh: false });
  const provider = params.get('provider') ?? '';
  const selectId = useId();
  return (
    <>
      <PageHeading title="Install a connector" />
      <p className="lead">
        Choose the payment provider, then fill in its settings. Fields marked{' '}
        <span className="required">*</span> are required; greyed-out values are the defaults used when a field
        is left empty.
      </p>
      <LoadView state={state} what="the providers' settings" onRetry={reload}>
        {(catalog) => {
          const providers = Object.keys(catalog).sort();
          if (providers.length === 0)
            return <EmptyState>This service offers no connectors. Check its build and settings.</EmptyState>;
          const schema = catalog[provider];
          return (
            <>
              <div className="field narrow">
                <label htmlFor={selectId}>Provider</label>
                <select
                  id={selectId}
                  value={schema ? provider : ''}
                  onChange={(event) =>
                    navigate(withQuery('/connectors/install', { provider: event.target.value }), {
                      replace: true,
                    })
                  }
                >
                  <option value="" disabled>
                    Choose a provider…
                  </option>
                  {providers.map((p) => (
                    <option key={p} value={p}>
                      {p}
                    </option>
                  ))}
                </select>
              </div>
              {schema ? <InstallForm key={provider} provider={provider} schema={schema} /> : null}
            </>
          );
        }}
      </LoadView>
    </>
  );
}

function InstallForm({ provider, schema }: { provider: string; schema: Record<string, ConfigEntry> }) {
  const fields = configFields(schema);
  const [values, setValues] = useState<FormValues>(() =>
    Object.fromEntries(
      fields.filter((f) => f.dataType === 'boolean').map((f) => [f.key, f.defaultValue === 'true']),
    ),
  );
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const errorBox = useRef<HTMLDivElement>(null);
  // The summary heads the form; take the reader there once it is on the page.
  useEffect(() => {
    if (error !== undefined) errorBox.current?.focus();
  }, [error]);
  const keys = fields.map((f) => f.key);
  const messages =
    error instanceof ApiError
      ? fieldErrors(error.message, keys)
      : { byField: {} as Record<string, string>, general: [] };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const id = await api.installConnector(provider, configBody(fields, values));
      navigate(`/connectors/${segment(id)}`);
    } catch (caught) {
      setError(caught);
      setBusy(false);
    }
  };

  const required = fields.filter((f) => f.required);
  const optional = fields.filter((f) => !f.required);
  return (
    <form className="install-form" onSubmit={submit} aria-busy={busy} noValidate>
      {error !== undefined ? (
        <div className="notice notice-error" role="alert" tabIndex={-1} ref={errorBox}>
          <p className="notice-title">The connector was not installed.</p>
          {error instanceof ForbiddenError ? (
            <>
              <p>{forbiddenTitle(error)}</p>
              <ForbiddenDetail error={error} />
            </>
          ) : error instanceof ApiError ? (
            <InstallRefusal error={error} fieldMessages={Object.keys(messages.byField).length} />
          ) : (
            <p>{error instanceof Error ? error.message : String(error)} Is the service running?</p>
          )}
        </div>
      ) : null}
      <fieldset>
        <legend>{provider} settings</legend>
        {required.map((field) => (
          <ConfigInput
            key={field.key}
            field={field}
            values={values}
            setValues={setValues}
            error={messages.byField[field.key]}
          />
        ))}
      </fieldset>
      {optional.length > 0 ? (
        <fieldset>
          <legend>Optional</legend>
          {optional.map((field) => (
            <ConfigInput
              key={field.key}
              field={field}
              values={values}
              setValues={setValues}
              error={messages.byField[field.key]}
            />
          ))}
        </fieldset>
      ) : null}
      <div className="form-actions">
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Installing…' : `Install ${provider}`}
        </button>
        <Link to="/connectors">Cancel</Link>
      </div>
    </form>
  );
}

/**
 * Why the install was refused. A config the service cannot accept names its fields (shown next to them);
 * otherwise the connector called the provider and it said no: its reason, readable, and what to check.
 */
export function InstallRefusal({ error, fieldMessages }: { error: ApiError; fieldMessages: number }) {
  const fromProvider = /refused|answered|cannot reach|credentials|no answer|timed? ?out|PSP|provider/i.test(
    error.message,
  );
  if (fieldMessages > 0 || !fromProvider)
    return (
      <>
        <p>
          {error.message} <code className="error-code">{error.code}</code>
        </p>
        <p>
          {fieldMessages > 0
            ? 'Correct the fields marked below and try again.'
            : 'Check the values below and try again.'}
        </p>
      </>
    );
  return (
    <>
      <p>The provider was called with these settings and the connection failed:</p>
      <FailureText error={readableError(error.message)} />
      <p>
        Check the endpoint and the credentials below (a key for another environment is a common cause), then
        try again. Nothing was installed.
      </p>
    </>
  );
}

export function ConfigInput({
  field,
  values,
  setValues,
  error,
  secretHint,
  requiredNow,
}: {
  field: ConfigField;
  values: FormValues;
  setValues: (update: (values: FormValues) => FormValues) => void;
  error: string | undefined;
  /** In place of the install hint for a secret (the edit form: "leave blank to keep"). */
  secretHint?: string;
  /** Required although the schema says otherwise, e.g. a secret once the endpoint changes. */
  requiredNow?: boolean;
}) {
  const id = useId();
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const describedBy = error ? `${hintId} ${errorId}` : hintId;
  const set = (value: string | boolean) => setValues((current) => ({ ...current, [field.key]: value }));
  const text = typeof values[field.key] === 'string' ? (values[field.key] as string) : '';
  const hint = (
    <span className="hint" id={hintId}>
      <code>{field.key}</code> ·{' '}
      {field.secret
        ? (secretHint ?? 'secret, stored encrypted and never shown again')
        : DATA_TYPE_HINTS[field.dataType]}
      {field.defaultValue ? ` · default ${field.defaultValue}` : ''}
    </span>
  );
  const common = {
    id,
    name: field.key,
    'aria-describedby': describedBy,
    'aria-invalid': error ? true : undefined,
    'aria-required': field.required || requiredNow || undefined,
  };
  let input;
  if (field.dataType === 'boolean') {
    return (
      <div className="field checkbox">
        <input
          {...common}
          type="checkbox"
          checked={values[field.key] === true}
          onChange={(e) => set(e.target.checked)}
        />
        <label htmlFor={id}>{field.label}</label>
        {hint}
        {error ? (
          <span className="field-error" id={errorId}>
            {error}
          </span>
        ) : null}
      </div>
    );
  } else if (field.dataType === 'long string') {
    input = (
      <textarea
        {...common}
        rows={4}
        value={text}
        placeholder={field.defaultValue}
        onChange={(e) => set(e.target.value)}
      />
    );
  } else {
    const numeric = field.dataType === 'unsigned integer' || field.dataType === 'number';
    input = (
      <input
        {...common}
        type={field.secret ? 'password' : numeric ? 'number' : 'text'}
        min={field.dataType === 'unsigned integer' ? 0 : undefined}
        step={field.dataType === 'unsigned integer' ? 1 : numeric ? 'any' : undefined}
        inputMode={field.dataType === 'unsigned integer' ? 'numeric' : undefined}
        // Secrets are never pre-filled, and the browser must not offer to fill them either.
        autoComplete={field.secret ? 'new-password' : 'off'}
        spellCheck={false}
        value={text}
        placeholder={field.secret ? '' : field.defaultValue}
        onChange={(e) => set(e.target.value)}
      />
    );
  }
  return (
    <div className="field">
      <label htmlFor={id}>
        {field.label}
        {field.required || requiredNow ? (
          <span className="required" aria-hidden="true">
            {' '}
            *
          </span>
        ) : null}
        {field.required || requiredNow ? <span className="visually-hidden"> (required)</span> : null}
      </label>
      {input}
      {hint}
      {error ? (
        <span className="field-error" id={errorId}>
          {error}
        </span>
      ) : null}
    </div>
  );
}
