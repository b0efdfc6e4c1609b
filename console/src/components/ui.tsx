// Shared pieces of every screen: headings and titles, loading/error/empty states, badges, amounts, times, paging, dialogs.
import { type ReactNode, useEffect, useId, useRef } from 'react';
import { ApiError, ForbiddenError, UnreachableError } from '../lib/api.js';
import type { Cursor } from '../lib/api-types.js';
import { type Amount, amountText, enumText, isZeroTime, timeText } from '../lib/format.js';
import { hasNavigated } from '../lib/navigation.js';
import { getSessionState } from '../lib/session.js';
import type { Loadable } from '../lib/use-load.js';

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

/** What went wrong, in the API's own words, and what to do about it. */
export function ErrorState({ error, onRetry, what }: { error: unknown; onRetry?: () => void; what: string }) {
  let title = `Could not load ${what}.`;
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
  if (error instanceof ApiError && error.status === 401) {
    // The sign-in form was closed: retrying brings it back.
    title = `Could not load ${what}: not signed in.`;
    detail = (
      <>
        <code>{error.code}</code>: {error.message}
      </>
    );
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
    detail = (
      <>
        <code>{error.code}</code>: {error.message}
      </>
    );
    if (error.status === 404) next = 'It may have been deleted or never existed: go back to the list.';
    else if (error.status === 400) next = 'The request was refused: check the filters or the values entered.';
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
  onConfirm,
  onClose,
}: {
  open: boolean;
  title: string;
  children: ReactNode;
  confirmLabel: string;
  danger?: boolean;
  onConfirm: () => void;
  onClose: () => void;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const titleId = useId();
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
