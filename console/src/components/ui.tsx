// Shared pieces of every screen: headings and titles, loading/error/not-found/empty states, badges, amounts,
// times, ids with a copy button, paging, dialogs, and the auto-refresh control.
import { type ReactNode, useEffect, useId, useRef, useState } from 'react';
import { ApiError, ForbiddenError, UnreachableError } from '../lib/api.js';
import type { Cursor } from '../lib/api-types.js';
import { type Amount, amountText, enumText, isZeroTime, timeText } from '../lib/format.js';
import { hasNavigated, Link } from '../lib/navigation.js';
import type { ReadableError } from '../lib/psp-error.js';
import { getSessionState } from '../lib/session.js';
import {
  type Loadable,
  refreshNow,
  setRefreshPaused,
  useRefreshHold,
  useRefreshState,
} from '../lib/use-load.js';

/** The screen's h1 and the tab's title; after an in-app navigation it takes the focus, as a page load would. */
export function PageHeading({ title, children }: { title: string; children?: ReactNode }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${title} · Paybridge console`;
  }, [title]);
  // Only when the screen appears: a title filled in once data arrives must not pull the focus back.
  useEffect(() => {
    if (hasNavigated()) heading.current?.focus();
  }, []);
  return (
    <div className="page-heading">
      <h1 ref={heading} tabIndex={-1}>
        {title}
      </h1>
      {children ? <div className="page-actions">{children}</div> : null}
    </div>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p className="loading" role="status">
      Loading {what}…
    </p>
  );
}

/** The heading of a 403: who lacks which scope (the signed-in client's name when the token names one). */
export function forbiddenTitle(error: ForbiddenError): string {
  const session = getSessionState().session;
  const who = session?.identity.name
    ? `Your client ${session.identity.name}`
    : session?.via === 'token'
      ? 'This token'
      : 'Your client';
  return `${who} lacks ${error.scope ?? 'the scope this needs'}.`;
}

/** What a 403 means and how to get past it: another client, which an operator can create. */
export function ForbiddenDetail({ error }: { error: ForbiddenError }) {
  const scopes = error.scope === 'payments:admin' ? 'payments:admin' : 'payments:read,payments:write';
  return (
    <>
      <p>
        <code>{error.code}</code>: {error.message}
      </p>
      <p>
        Sign out, then sign in with a client that holds {error.scope ?? 'it'}. An operator creates one with:
      </p>
      <p>
        <code className="command">paybridge clients create &lt;name&gt; --scopes {scopes}</code>
      </p>
    </>
  );
}

/**
 * Whether an error means the object asked for does not exist: a 404, or a 400 INVALID_ID (an id that is
 * not one of ours cannot name anything either).
 */
export function isNotFound(error: unknown): error is ApiError {
  return (
    error instanceof ApiError &&
    (error.status === 404 || (error.status === 400 && /^INVALID_ID$|^NOT_FOUND$/.test(error.code)))
  );
}

/** `the payment` → `The payment`. */
function capitalised(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** The way back from a page that shows nothing: the four lists. */
export function WayBack() {
  return (
    <p>
      Go to the <Link to="/connectors">connectors</Link>, <Link to="/accounts">accounts</Link>,{' '}
      <Link to="/payments">payments</Link> or <Link to="/payment-initiations">payment initiations</Link>.
    </p>
  );
}

/** The screen for an object that does not exist (an unknown or malformed id in the URL). */
export function NotFoundState({ error, what }: { error: ApiError; what: string }) {
  return (
    <div className="notice notice-error not-found" role="alert">
      <p className="notice-title">{capitalised(what)} does not exist.</p>
      <p>
        No object has the id in this address: it was deleted (an uninstall or a reset removes what a connector
        brought in), or the link was cut or mistyped.
      </p>
      <p className="muted">
        <code>{error.code}</code>: {error.message}
      </p>
      <WayBack />
    </div>
  );
}

/** An API error in words: its message first, its code after, small (the code is for a bug report). */
export function ApiErrorText({ error }: { error: unknown }) {
  if (error instanceof ApiError)
    return (
      <>
        {error.message || 'The service gave no reason.'} <code className="error-code">{error.code}</code>
      </>
    );
  return <>{error instanceof Error ? error.message : String(error)}</>;
}

/** What went wrong, in the API's own words, and what to do about it. */
export function ErrorState({
  error,
  onRetry,
  what,
  verb = 'load',
}: {
  error: unknown;
  onRetry?: () => void;
  what: string;
  /** `Could not <verb> <what>`: load for reads, e.g. approve for an action. */
  verb?: string;
}) {
  let title = `Could not ${verb} ${what}.`;
  let detail: ReactNode = error instanceof Error ? error.message : String(error);
  let next: ReactNode = 'Try again; if it keeps failing, the service logs say more.';
  let retryLabel = 'Retry';
  if (error instanceof ForbiddenError) {
    // Retrying cannot help: the same token gets the same answer.
    return (
      <div className="notice notice-error" role="alert">
        <p className="notice-title">{forbiddenTitle(error)}</p>
        <ForbiddenDetail error={error} />
      </div>
    );
  }
  if (verb === 'load' && isNotFound(error)) return <NotFoundState error={error} what={what} />;
  if (error instanceof ApiError && error.status === 401) {
    // The sign-in form was closed: retrying brings it back.
    title = `Could not ${verb} ${what}: not signed in.`;
    detail = <ApiErrorText error={error} />;
    next = 'This service needs a token: sign in with an API client, or paste a bearer token.';
    retryLabel = 'Sign in';
  } else if (error instanceof UnreachableError) {
    title = 'The service did not answer.';
    detail = (
      <>
        Is the service running? Start it with <code>paybridge start</code> (or <code>npm start</code> in a
        checkout), then retry.
      </>
    );
    next = null;
  } else if (error instanceof ApiError) {
    detail = <ApiErrorText error={error} />;
    if (error.status === 404) next = 'It may have been deleted or never existed: go back to the list.';
    else if (error.status === 400)
      next =
        verb === 'load'
          ? 'The request was refused: check the filters or the values entered.'
          : 'The request was refused: nothing was changed.';
    else if (error.status >= 500) next = 'The service failed: its logs say why. Try again in a moment.';
  }
  return (
    <div className="notice notice-error" role="alert">
      <p className="notice-title">{title}</p>
      <p>{detail}</p>
      {next ? <p>{next}</p> : null}
      {onRetry ? (
        <button type="button" onClick={onRetry}>
          {retryLabel}
        </button>
      ) : null}
    </div>
  );
}

/** Shows a Loadable: loading, then an error with a retry, then the content (kept while a reload runs). */
export function LoadView<T>({
  state,
  what,
  onRetry,
  children,
}: {
  state: Loadable<T>;
  what: string;
  onRetry: () => void;
  children: (data: T) => ReactNode;
}) {
  return (
    <>
      {state.status === 'error' ? <ErrorState error={state.error} onRetry={onRetry} what={what} /> : null}
      {state.data !== undefined ? (
        children(state.data)
      ) : state.status === 'loading' ? (
        <Loading what={what} />
      ) : null}
    </>
  );
}

export function EmptyState({ children }: { children: ReactNode }) {
  return <div className="notice empty">{children}</div>;
}

type Tone = 'good' | 'bad' | 'warn' | 'info' | 'neutral';

const TONES: Record<string, Tone> = {
  SUCCEEDED: 'good',
  PROCESSED: 'good',
  HEALTHY: 'good',
  FAILED: 'bad',
  FAILING: 'bad',
  REJECTED: 'bad',
  CANCELLED: 'bad',
  EXPIRED: 'bad',
  CAPTURE_FAILED: 'bad',
  REVERSE_FAILED: 'bad',
  REFUNDED_FAILURE: 'bad',
  DISPUTE_LOST: 'bad',
  PAUSED: 'warn',
  PENDING: 'info',
  PROCESSING: 'info',
  WAITING_FOR_VALIDATION: 'warn',
  SCHEDULED_FOR_PROCESSING: 'info',
  REVERSE_PROCESSING: 'info',
  DISPUTE: 'warn',
  RECEIVED: 'info',
};

/** A status as a coloured pill; the words carry the meaning, the colour only helps scanning. */
export function StatusBadge({ status, label }: { status: string; label?: string }) {
  return <span className={`badge badge-${TONES[status] ?? 'neutral'}`}>{label ?? enumText(status)}</span>;
}

export function Time({ iso, empty = '—' }: { iso: string | undefined; empty?: string }) {
  if (!iso || isZeroTime(iso)) return <>{empty}</>;
  return (
    <time dateTime={iso} title={iso}>
      {timeText(iso)}
    </time>
  );
}

export function AmountText({ amount, asset }: { amount: Amount | undefined; asset: string | undefined }) {
  if (amount === undefined || asset === undefined) return <>—</>;
  return (
    <span className="amount" title={`${String(amount)} minor units of ${asset}`}>
      {amountText(amount, asset)}
    </span>
  );
}

/** Previous/next through a cursor list; the API's cursors carry the filter, so nothing else is needed. */
export function Pager<T>({
  cursor,
  onPage,
  label,
}: {
  cursor: Cursor<T>;
  onPage: (cursor: string) => void;
  label: string;
}) {
  if (!cursor.previous && !cursor.next) return null;
  return (
    <nav className="pager" aria-label={`${label} pages`}>
      <button
        type="button"
        disabled={!cursor.previous}
        onClick={() => cursor.previous && onPage(cursor.previous)}
      >
        ← Previous
      </button>
      <button type="button" disabled={!cursor.next} onClick={() => cursor.next && onPage(cursor.next)}>
        Next →
      </button>
    </nav>
  );
}

/** A table that scrolls sideways in its own box, so the page itself never does on a laptop. */
export function TableBox({ label, children }: { label: string; children: ReactNode }) {
  return (
    // Focusable so a keyboard user can scroll it; labelled so that stop is announced.
    <div className="table-box" role="region" aria-label={label} tabIndex={0}>
      {children}
    </div>
  );
}

/**
 * A confirmation in the native <dialog>: modal, focus kept inside, Escape cancels. The confirm button
 * names the action (never a bare "OK").
 */
export function ConfirmDialog({
  open,
  title,
  children,
  confirmLabel,
  danger,
  confirmDisabled,
  onConfirm,
  onClose,
}: {
  open: boolean;
  title: string;
  children: ReactNode;
  confirmLabel: string;
  danger?: boolean;
  /** While the body holds a form that is not valid yet. */
  confirmDisabled?: boolean;
  onConfirm: () => void;
  onClose: () => void;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  // Nothing reloads under an open question (the numbers it asks about must not change as one reads).
  useRefreshHold(open);
  useEffect(() => {
    const element = dialog.current;
    if (!element) return;
    if (open && !element.open) element.showModal();
    if (!open && element.open) element.close();
  }, [open]);
  return (
    <dialog ref={dialog} className="confirm" aria-labelledby={titleId} onClose={onClose}>
      <h2 id={titleId}>{title}</h2>
      <div className="confirm-body">{children}</div>
      <div className="confirm-actions">
        <button type="button" autoFocus onClick={onClose}>
          Cancel
        </button>
        <button
          type="button"
          className={danger ? 'danger' : 'primary'}
          disabled={confirmDisabled}
          onClick={() => {
            onConfirm();
            onClose();
          }}
        >
          {confirmLabel}
        </button>
      </div>
    </dialog>
  );
}

/** Key/value facts about one object. */
export function Facts({ items }: { items: [label: string, value: ReactNode, wide?: 'wide'][] }) {
  return (
    <dl className="facts">
      {items.map(([label, value, wide]) => (
        // Long opaque ids take a whole line rather than wrapping into a narrow column.
        <div key={label} className={wide}>
          <dt>{label}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

export function Metadata({ metadata }: { metadata: Record<string, string> }) {
  const entries = Object.entries(metadata);
  if (entries.length === 0) return <p className="muted">No metadata.</p>;
  return <Facts items={entries.map(([key, value]) => [key, <code key={key}>{value}</code>])} />;
}

/**
 * An opaque id, shortened on screen (ids are long base64) with its full text in the tooltip and a button
 * that copies it whole.
 */
export function CopyId({ id, short = false, label = 'id' }: { id: string; short?: boolean; label?: string }) {
  const [copied, setCopied] = useState<'yes' | 'failed'>();
  useEffect(() => {
    if (!copied) return;
    const timeout = setTimeout(() => setCopied(undefined), 2000);
    return () => clearTimeout(timeout);
  }, [copied]);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(id);
      setCopied('yes');
    } catch {
      // No clipboard (plain http on another host): select the text so Ctrl+C does it.
      setCopied('failed');
    }
  };
  const shown = short && id.length > 20 ? `${id.slice(0, 8)}…${id.slice(-6)}` : id;
  return (
    <span className="copy-id">
      <code title={id}>{shown}</code>
      <button
        type="button"
        className="small copy"
        onClick={() => void copy()}
        aria-label={`Copy ${label}`}
        title={`Copy the full ${label}`}
      >
        {copied === 'yes' ? 'Copied' : copied === 'failed' ? 'Select and copy' : 'Copy'}
      </button>
      <span className="visually-hidden" role="status">
        {copied === 'yes' ? `${label} copied` : ''}
      </span>
    </span>
  );
}

function agoText(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return `${seconds} s ago`;
  return `${Math.floor(seconds / 60)} min ago`;
}

/** "Updated 4 s ago", with Pause/Resume and Update now: the auto-refresh every screen shares. */
export function RefreshControl() {
  const { at, paused, held } = useRefreshState();
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  const state = paused
    ? 'paused'
    : held === 'form'
      ? 'paused while a form is open'
      : held === 'signed-out'
        ? 'paused until you sign in'
        : undefined;
  return (
    <div className="refresh" aria-label="Auto-refresh" role="group">
      <span className="refresh-state">
        Updated {agoText(now - at)}
        {state ? ` · ${state}` : ''}
      </span>
      <button type="button" className="small" onClick={() => setRefreshPaused(!paused)} aria-pressed={paused}>
        {paused ? 'Resume auto-refresh' : 'Pause'}
      </button>
      <button type="button" className="small" onClick={refreshNow}>
        Update now
      </button>
    </div>
  );
}

/**
 * A failure of a payment or task as an operator reads it: the PSP's message with amounts in major units,
 * its code and HTTP status; the raw text folded away for a bug report.
 */
export function FailureText({ error }: { error: ReadableError }) {
  const facts = [
    error.code ? <code key="c">{error.code}</code> : null,
    error.status !== undefined ? <span key="s">HTTP {error.status}</span> : null,
    error.unknownOutcome ? <span key="u">outcome unknown: retried with the same key</span> : null,
  ].filter(Boolean);
  return (
    <span className="failure">
      <span className="error-text failure-message">{error.message}</span>
      {facts.length > 0 ? <span className="failure-facts">{facts}</span> : null}
      {error.raw !== error.message ? (
        <details className="raw">
          <summary>Raw error</summary>
          <pre>{error.raw}</pre>
        </details>
      ) : null}
    </span>
  );
}
