// Signing in when the service asks for a token: the sign-in dialog (client credentials or a pasted token),
// and who is signed in, with Sign out, for the header.
import { type FormEvent, useEffect, useId, useRef, useState } from 'react';
import {
  cancelSignIn,
  openSignIn,
  type PromptReason,
  requestClientToken,
  signIn,
  signOut,
  TokenRequestError,
  useSession,
} from '../lib/session.js';

/**
 * The sign-in form in a modal <dialog>, over the current screen (which stays as it is: its requests wait,
 * then go on). Escape or Cancel closes it, and the waiting requests fail with the service's 401.
 */
export function SignInDialog() {
  const { prompt, lastClientId, signedOut } = useSession();
  const dialog = useRef<HTMLDialogElement>(null);
  const returnFocus = useRef<Element | null>(null);
  const titleId = useId();
  const open = prompt !== undefined;
  useEffect(() => {
    const element = dialog.current;
    if (!element) return;
    if (open && !element.open) {
      returnFocus.current = document.activeElement;
      element.showModal();
      // showModal focuses the first field; the form marks the one to start in (the first empty one).
      element.querySelector<HTMLElement>('[data-start]')?.focus();
    }
    if (!open && element.open) element.close();
  }, [open]);
  const closed = () => {
    cancelSignIn();
    // Back where the reader was; on a first load, the screen's heading.
    const back = returnFocus.current;
    if (back instanceof HTMLElement && back.isConnected && back !== document.body) back.focus();
    else document.querySelector<HTMLElement>('main h1')?.focus();
  };
  return (
    <dialog ref={dialog} className="confirm sign-in" aria-labelledby={titleId} onClose={closed}>
      {/* Mounted only while open, so nothing typed outlives the dialog. */}
      {prompt ? (
        <SignInForm
          titleId={titleId}
          reason={prompt.reason}
          message={prompt.message}
          lastClientId={lastClientId}
          signedOut={signedOut === true}
          onCancel={() => dialog.current?.close()}
        />
      ) : null}
    </dialog>
  );
}

function SignInForm({
  titleId,
  reason,
  message,
  lastClientId,
  signedOut,
  onCancel,
}: {
  titleId: string;
  reason: PromptReason;
  message: string;
  lastClientId: string | undefined;
  signedOut: boolean;
  onCancel: () => void;
}) {
  const [clientId, setClientId] = useState(lastClientId ?? '');
  const [secret, setSecret] = useState('');
  const [pasted, setPasted] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<TokenRequestError>();
  const errorBox = useRef<HTMLDivElement>(null);
  const ids = { id: useId(), secret: useId(), token: useId(), note: useId() };

  // The first empty field takes the focus (the secret, when the client id is offered again).
  const start = lastClientId ? 'secret' : 'id';
  // A refusal heads the form; take the reader there once it is on the page.
  useEffect(() => {
    if (error) errorBox.current?.focus();
  }, [error]);

  const submitClient = async (event: FormEvent) => {
    event.preventDefault();
    if (clientId.trim() === '' || secret === '') {
      setError(new TokenRequestError(0, 'missing', 'enter the client id and its secret'));
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      signIn(await requestClientToken(clientId.trim(), secret), 'client');
    } catch (caught) {
      // A refused secret is not kept, even in the field.
      setSecret('');
      setBusy(false);
      setError(
        caught instanceof TokenRequestError
          ? caught
          : new TokenRequestError(0, 'failed', caught instanceof Error ? caught.message : String(caught)),
      );
    }
  };

  const submitToken = (event: FormEvent) => {
    event.preventDefault();
    const token = pasted.trim().replace(/^bearer\s+/i, '');
    if (token === '') {
      setError(new TokenRequestError(0, 'missing', 'paste a bearer token'));
      return;
    }
    // Not checked here: the requests that waited are sent with it, and a refusal brings this form back.
    signIn(token, 'token');
  };

  return (
    <>
      <h2 id={titleId}>{reason === 'refused' ? 'Sign in again' : 'Sign in to Paybridge'}</h2>
      {reason === 'refused' ? (
        <p>
          The service refused the token in use
          {/* The service's words, without the preamble every 401 shares. */}
          {message ? <> ({message.replace(/^authentication required: /, '')})</> : null}. Sign in again to
          carry on: the screen behind stays as it is.
        </p>
      ) : signedOut ? (
        <p>You signed out: the token is forgotten. Sign in with an API client, or paste a bearer token.</p>
      ) : (
        <p>
          This service needs a token. Sign in with an API client (an operator creates one with{' '}
          <code>paybridge clients create &lt;name&gt;</code>), or paste a bearer token.
        </p>
      )}
      {error ? (
        <div className="notice notice-error" role="alert" tabIndex={-1} ref={errorBox}>
          <p className="notice-title">Not signed in.</p>
          <p>
            <code>{error.code}</code>: {error.message}
          </p>
          {error.code === 'invalid_client' ? (
            <p>Check the client id and secret: the client may be unknown, revoked, or its secret wrong.</p>
          ) : null}
        </div>
      ) : null}
      <form className="sign-in-form" onSubmit={submitClient} aria-busy={busy} noValidate>
        <div className="field">
          <label htmlFor={ids.id}>Client ID</label>
          <input
            data-start={start === 'id' || undefined}
            id={ids.id}
            name="client_id"
            autoComplete="off"
            spellCheck={false}
            value={clientId}
            onChange={(e) => setClientId(e.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor={ids.secret}>Client secret</label>
          <input
            data-start={start === 'secret' || undefined}
            id={ids.secret}
            name="client_secret"
            type="password"
            autoComplete="off"
            spellCheck={false}
            value={secret}
            onChange={(e) => setSecret(e.target.value)}
          />
        </div>
        <div className="form-actions">
          <button type="submit" className="primary" disabled={busy}>
            {busy ? 'Signing in…' : 'Sign in'}
          </button>
          <button type="button" onClick={onCancel}>
            Cancel
          </button>
        </div>
      </form>
      <details className="paste-token">
        <summary>Paste a bearer token instead</summary>
        <form onSubmit={submitToken} noValidate>
          <div className="field">
            <label htmlFor={ids.token}>Bearer token</label>
            <input
              id={ids.token}
              name="token"
              type="password"
              autoComplete="off"
              spellCheck={false}
              value={pasted}
              onChange={(e) => setPasted(e.target.value)}
            />
          </div>
          <button type="submit">Use this token</button>
        </form>
      </details>
      <p className="hint" id={ids.note}>
        The token is kept in this tab&rsquo;s memory only, never stored: reloading or closing the tab signs
        you out.
      </p>
    </>
  );
}

/** Who is signed in (read from the token, for display only), their scopes, and Sign out. */
export function SessionStatus() {
  const { session, authRequired, prompt } = useSession();
  if (session) {
    const { name, subject, scopes, expiresAt } = session.identity;
    const until = expiresAt ? `; the token expires at ${new Date(expiresAt).toLocaleTimeString()}` : '';
    return (
      <div className="session">
        <p title={`${subject && subject !== name ? `subject ${subject}` : ''}${until}`.replace(/^; /, '')}>
          {name ? (
            <>
              Signed in as <strong>{name}</strong>
            </>
          ) : (
            'Signed in with a token'
          )}
          {scopes.length > 0 ? (
            <span className="session-scopes">
              <span className="visually-hidden">, scopes </span>
              {scopes.join(' · ')}
            </span>
          ) : null}
        </p>
        <button type="button" className="small" onClick={signOut}>
          Sign out
        </button>
      </div>
    );
  }
  if (authRequired && !prompt) {
    return (
      <div className="session">
        <button type="button" className="small" onClick={openSignIn}>
          Sign in
        </button>
      </div>
    );
  }
  return null;
}
