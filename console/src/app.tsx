// The console's frame: skip link, navigation, who is signed in, the sign-in dialog, and the screen the current path names.
import type { ReactNode } from 'react';
import { SessionStatus, SignInDialog } from './components/sign-in.js';
import { PageHeading, RefreshControl, WayBack } from './components/ui.js';
import { Link, useLocation } from './lib/navigation.js';
import { matchPath } from './lib/router.js';
import { useSession } from './lib/session.js';
import { AccountDetailScreen } from './screens/account-detail.js';
import { AccountsScreen } from './screens/accounts.js';
import { ConnectorDetailScreen } from './screens/connector-detail.js';
import { ConnectorsScreen } from './screens/connectors.js';
import { InstallScreen } from './screens/install.js';
import { PaymentDetailScreen } from './screens/payment-detail.js';
import { PaymentInitiationDetailScreen } from './screens/payment-initiation-detail.js';
import { PaymentInitiationsScreen } from './screens/payment-initiations.js';
import { CreateInitiationScreen } from './screens/initiation-create.js';
import { PaymentsScreen } from './screens/payments.js';

function NewInitiationRoute() {
  const { params } = useLocation();
  return <CreateInitiationScreen type={params.get('type')} />;
}

type Screen = (params: Record<string, string>) => ReactNode;

/** Most specific first: `/connectors/install` must win over `/connectors/:connectorID` (ids are never `install` or `new`). */
const ROUTES: [pattern: string, section: string, screen: Screen][] = [
  ['/', '/connectors', () => <ConnectorsScreen />],
  ['/connectors', '/connectors', () => <ConnectorsScreen />],
  ['/connectors/install', '/connectors', () => <InstallScreen />],
  [
    '/connectors/:connectorID',
    '/connectors',
    (p) => <ConnectorDetailScreen connectorID={p.connectorID ?? ''} />,
  ],
  ['/accounts', '/accounts', () => <AccountsScreen />],
  ['/accounts/:accountID', '/accounts', (p) => <AccountDetailScreen accountID={p.accountID ?? ''} />],
  ['/payments', '/payments', () => <PaymentsScreen />],
  ['/payments/:paymentID', '/payments', (p) => <PaymentDetailScreen paymentID={p.paymentID ?? ''} />],
  ['/payment-initiations', '/payment-initiations', () => <PaymentInitiationsScreen />],
  ['/payment-initiations/new', '/payment-initiations', () => <NewInitiationRoute />],
  [
    '/payment-initiations/:initiationID',
    '/payment-initiations',
    (p) => <PaymentInitiationDetailScreen initiationID={p.initiationID ?? ''} />,
  ],
];

const SECTIONS: [path: string, label: string][] = [
  ['/connectors', 'Connectors'],
  ['/accounts', 'Accounts'],
  ['/payments', 'Payments'],
  ['/payment-initiations', 'Payment initiations'],
];

function resolve(path: string): { section?: string; content: ReactNode; refresh: boolean } {
  for (const [pattern, section, screen] of ROUTES) {
    const params = matchPath(pattern, path);
    // The key remounts a screen when its id changes, so no state leaks from one payment to the next.
    if (params)
      return {
        section,
        content: <div key={`${pattern}:${JSON.stringify(params)}`}>{screen(params)}</div>,
        // The install form shows nothing that changes; every other screen shows live data.
        refresh: pattern !== '/connectors/install' && pattern !== '/payment-initiations/new',
      };
  }
  return { content: <NotFoundScreen path={path} />, refresh: false };
}

/** A URL that names no screen: say so, show what was asked, and offer the way back. */
function NotFoundScreen({ path }: { path: string }) {
  return (
    <>
      <PageHeading title="Page not found" />
      <div className="notice notice-error not-found" role="alert">
        <p className="notice-title">This page does not exist.</p>
        <p>
          The console has no screen at <code>{path}</code>: the link was cut or mistyped, or it comes from
          another version of Paybridge.
        </p>
        <WayBack />
      </div>
    </>
  );
}

export function App() {
  const { path } = useLocation();
  const { epoch } = useSession();
  const { section, content, refresh } = resolve(path);
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="top">
        <Link className="brand" to="/">
          Paybridge
        </Link>
        <nav aria-label="Main">
          <ul>
            {SECTIONS.map(([to, label]) => (
              <li key={to}>
                <Link to={to} aria-current={section === to ? 'page' : undefined}>
                  {label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <SessionStatus />
      </header>
      <main id="main" tabIndex={-1}>
        {/* Rebuilt on a sign-out (nothing loaded with the old token stays on screen) and a fresh sign-in. */}
        {refresh ? <RefreshControl /> : null}
        <div key={epoch}>{content}</div>
      </main>
      <SignInDialog />
    </>
  );
}
