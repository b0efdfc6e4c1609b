// Create a transfer or payout: connector, type, accounts (or a bank account, forwarded first), an amount
// typed in major units and sent in exact minor units, reference, description and metadata.
import { type FormEvent, useId, useState } from 'react';
import { ConfirmDialog, ErrorState, LoadView, PageHeading } from '../components/ui.js';
import { api, followTask } from '../lib/api.js';
import type { Account, BankAccount, Connector, InitiationRequest } from '../lib/api-types.js';
import { amountText } from '../lib/format.js';
import { toMinorUnits } from '../lib/money-input.js';
import { Link, navigate } from '../lib/navigation.js';
import { segment, withQuery } from '../lib/router.js';
import { useLoad, useRefreshHold } from '../lib/use-load.js';

type InitiationType = 'TRANSFER' | 'PAYOUT';

const CAPABILITY: Record<InitiationType, string> = { TRANSFER: 'CREATE_TRANSFER', PAYOUT: 'CREATE_PAYOUT' };
/** A destination that is a bank account, to be forwarded to the connector first, is written `bank:<id>`. */
const BANK = 'bank:';

async function loadChoices(signal: AbortSignal) {
  const [connectors, bankAccounts] = await Promise.all([
    api.connectors({ pageSize: 100 }, signal),
    // Bank accounts need payments:read too; a service without any answers an empty list.
    api.bankAccounts(signal).catch(() => [] as BankAccount[]),
  ]);
  const movers = connectors.data.filter(
    (c) => c.capabilities.includes(CAPABILITY.TRANSFER) || c.capabilities.includes(CAPABILITY.PAYOUT),
  );
  return { connectors: movers, bankAccounts };
}

export function CreateInitiationScreen({ type: initialType }: { type: string | null }) {
  const [state, reload] = useLoad(loadChoices, [], { autoRefresh: false });
  return (
    <>
      <p className="breadcrumb">
        <Link to="/payment-initiations">Payment initiations</Link> /
      </p>
      <PageHeading title="New payment initiation" />
      <LoadView state={state} what="the connectors" onRetry={reload}>
        {({ connectors, bankAccounts }) =>
          connectors.length === 0 ? (
            <div className="notice empty">
              <p>
                No installed connector can move money. <Link to="/connectors/install">Install one</Link> that
                supports transfers or payouts (the Generic connector does).
              </p>
            </div>
          ) : (
            <CreateForm
              connectors={connectors}
              bankAccounts={bankAccounts}
              initialType={initialType === 'TRANSFER' ? 'TRANSFER' : 'PAYOUT'}
            />
          )
        }
      </LoadView>
    </>
  );
}

function accountLabel(account: Account): string {
  const name = account.name || account.reference;
  return account.defaultAsset ? `${name} (${account.defaultAsset})` : name;
}

function bankLabel(bank: BankAccount): string {
  const number = bank.iban ?? bank.accountNumber ?? '';
  return `${bank.name}${number ? ` · ${number}` : ''}`;
}

/** `key=value` lines as metadata; a line without `=` is an error naming it. */
export function parseMetadata(text: string): { metadata: Record<string, string> } | { error: string } {
  const metadata: Record<string, string> = {};
  for (const [index, line] of text.split('\n').entries()) {
    if (line.trim() === '') continue;
    const eq = line.indexOf('=');
    if (eq <= 0) return { error: `Line ${index + 1}: write key=value.` };
    metadata[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  }
  return { metadata };
}

function CreateForm({
  connectors,
  bankAccounts,
  initialType,
}: {
  connectors: Connector[];
  bankAccounts: BankAccount[];
  initialType: InitiationType;
}) {
  const id = useId();
  const [connectorID, setConnectorID] = useState(connectors[0]?.id ?? '');
  const connector = connectors.find((c) => c.id === connectorID);
  const types = (['TRANSFER', 'PAYOUT'] as const).filter((t) =>
    connector?.capabilities.includes(CAPABILITY[t]),
  );
  const [chosenType, setType] = useState<InitiationType>(initialType);
  const type = types.includes(chosenType) ? chosenType : (types[0] ?? 'PAYOUT');
  // Only a connector that can create bank accounts at its PSP takes one as a payout's destination.
  const canForward = connector?.capabilities.includes('CREATE_BANK_ACCOUNT') ?? false;
  const [source, setSource] = useState('');
  const [destination, setDestination] = useState('');
  const [amount, setAmount] = useState('');
  const [assetText, setAsset] = useState('');
  const [reference, setReference] = useState(() => `${initialType.toLowerCase()}-${Date.now()}`);
  const [description, setDescription] = useState('');
  const [metadataText, setMetadata] = useState('');
  const [sendNow, setSendNow] = useState(false);
  const [submitted, setSubmitted] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState<string>();
  const [error, setError] = useState<unknown>();
  // The form holds the auto-refresh: nothing on this screen changes while one fills it in.
  useRefreshHold(true);

  const [accountsState] = useLoad(
    (signal) => api.accounts({ query: { $match: { connector_id: connectorID } }, pageSize: 100 }, signal),
    [connectorID],
    { autoRefresh: false },
  );
  const accounts = accountsState.data?.data ?? [];
  const byName = (a: Account, b: Account) => accountLabel(a).localeCompare(accountLabel(b));
  const internal = accounts.filter((a) => a.type === 'INTERNAL').sort(byName);
  const external = accounts.filter((a) => a.type === 'EXTERNAL').sort(byName);
  const destinations = type === 'TRANSFER' ? internal : external;
  const sourceAccount = accounts.find((a) => a.id === source);
  // What the source holds, newest balance per asset: the default asset, and how much is there.
  const [balancesState] = useLoad(
    async (signal) => (source ? (await api.balances(source, signal)).data : []),
    [source],
    { autoRefresh: false },
  );
  const held = new Map<string, bigint>();
  for (const b of balancesState.data ?? []) if (!held.has(b.asset)) held.set(b.asset, BigInt(b.balance));
  const defaultAsset = sourceAccount?.defaultAsset ?? [...held.keys()][0];
  const asset = (assetText.trim() || defaultAsset || '').toUpperCase();
  const available = held.get(asset);
  const assetOk = /^[A-Z]{3}\/\d{1,2}$/.test(asset);
  const minor = assetOk ? toMinorUnits(amount, asset) : undefined;
  const metadata = parseMetadata(metadataText);
  const destinationLabel = destination.startsWith(BANK)
    ? bankLabel(bankAccounts.find((b) => `${BANK}${b.id}` === destination) ?? ({ name: '?' } as BankAccount))
    : accountLabel(accounts.find((a) => a.id === destination) ?? ({ reference: '?' } as Account));

  const problems: Record<string, string | undefined> = {
    source: source ? undefined : 'Choose the account the money leaves.',
    destination: destination ? undefined : 'Choose where the money goes.',
    asset: assetOk ? undefined : 'An ISO currency and its decimals, e.g. EUR/2.',
    amount: !assetOk ? 'Choose the asset first.' : minor && !minor.ok ? minor.error : undefined,
    reference: reference.trim() ? undefined : 'A reference, unique per connector.',
    metadata: 'error' in metadata ? metadata.error : undefined,
  };
  const valid = Object.values(problems).every((p) => p === undefined);
  // A problem shows once the form was submitted, or as soon as something typed in that field is wrong.
  const typed: Record<string, boolean> = {
    amount: amount.trim() !== '',
    asset: assetText.trim() !== '',
    metadata: metadataText.trim() !== '',
  };
  const shown = (field: string) =>
    submitted || (typed[field] && (field !== 'amount' || assetOk)) ? problems[field] : undefined;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setSubmitted(true);
    // Only a payment sent at once moves money now; one that waits for approval is confirmed there.
    if (valid) {
      if (sendNow) setConfirming(true);
      else void create();
    }
  };

  const create = async () => {
    if (!minor?.ok || 'error' in metadata) return;
    setError(undefined);
    try {
      let destinationAccountID = destination;
      if (destination.startsWith(BANK)) {
        // A bank account becomes an external account at the PSP first; the forward task names it.
        const bankID = destination.slice(BANK.length);
        const bank = bankAccounts.find((b) => b.id === bankID);
        const known = bank?.relatedAccounts.find((r) => accounts.some((a) => a.id === r.accountID));
        if (known) destinationAccountID = known.accountID;
        else {
          setBusy('Forwarding the bank account to the connector…');
          const task = await followTask(await api.forwardBankAccount(bankID, connectorID), () => undefined);
          if (task.status !== 'SUCCEEDED' || !task.createdObjectID)
            throw new Error(`the bank account could not be forwarded: ${task.error ?? task.status}`);
          destinationAccountID = task.createdObjectID;
        }
      }
      setBusy(sendNow ? 'Sending…' : 'Creating…');
      const request: InitiationRequest = {
        reference: reference.trim(),
        connectorID,
        type,
        amount: minor.minor,
        asset,
        sourceAccountID: source,
        destinationAccountID,
        ...(description.trim() ? { description: description.trim() } : {}),
        metadata: metadata.metadata,
      };
      const created = await api.createInitiation(request, { sendNow });
      navigate(
        withQuery(`/payment-initiations/${segment(created.paymentInitiationID)}`, {
          task: sendNow ? created.taskID : undefined,
        }),
      );
    } catch (caught) {
      setError(caught);
      setBusy(undefined);
    }
  };

  const field = (name: string) => ({
    'aria-invalid': shown(name) ? true : undefined,
    'aria-describedby': `${id}-${name}-hint`,
  });
  const hint = (name: string, text: string) => (
    <span className={shown(name) ? 'field-error' : 'hint'} id={`${id}-${name}-hint`}>
      {shown(name) ?? text}
    </span>
  );
  const what = `${type === 'TRANSFER' ? 'transfer' : 'payout'} of ${minor?.ok ? amountText(minor.minor, asset) : amount}`;
  return (
    <form className="install-form action-form" onSubmit={submit} noValidate aria-busy={busy !== undefined}>
      {error !== undefined ? (
        <ErrorState error={error} what={`the ${type === 'TRANSFER' ? 'transfer' : 'payout'}`} verb="create" />
      ) : null}
      <fieldset>
        <legend>What</legend>
        <div className="field">
          <label htmlFor={`${id}-connector`}>Connector</label>
          <select
            id={`${id}-connector`}
            value={connectorID}
            onChange={(e) => {
              setConnectorID(e.target.value);
              setSource('');
              setDestination('');
            }}
          >
            {connectors.map((c) => (
              <option key={c.id} value={c.id}>
                {c.name} ({c.provider})
              </option>
            ))}
          </select>
        </div>
        <div className="field" role="radiogroup" aria-labelledby={`${id}-type`}>
          <span className="label" id={`${id}-type`}>
            Type
          </span>
          <div className="choices">
            {(['PAYOUT', 'TRANSFER'] as const).map((t) => (
              <label key={t} className="choice">
                <input
                  type="radio"
                  name="type"
                  value={t}
                  checked={type === t}
                  disabled={!types.includes(t)}
                  onChange={() => {
                    setType(t);
                    setDestination('');
                  }}
                />{' '}
                {t === 'PAYOUT' ? 'Payout (to an external account)' : 'Transfer (between own accounts)'}
              </label>
            ))}
          </div>
        </div>
        <div className="field">
          <label htmlFor={`${id}-source`}>Source account</label>
          <select
            id={`${id}-source`}
            value={source}
            onChange={(e) => setSource(e.target.value)}
            {...field('source')}
          >
            <option value="">{accountsState.status === 'loading' ? 'Loading…' : 'Choose…'}</option>
            {internal.map((a) => (
              <option key={a.id} value={a.id}>
                {accountLabel(a)}
              </option>
            ))}
          </select>
          {hint('source', 'An account of this connector the money leaves.')}
        </div>
        <div className="field">
          <label htmlFor={`${id}-destination`}>Destination</label>
          <select
            id={`${id}-destination`}
            value={destination}
            onChange={(e) => setDestination(e.target.value)}
            {...field('destination')}
          >
            <option value="">Choose…</option>
            <optgroup label={type === 'TRANSFER' ? 'Accounts' : 'External accounts'}>
              {destinations
                .filter((a) => a.id !== source)
                .map((a) => (
                  <option key={a.id} value={a.id}>
                    {accountLabel(a)}
                  </option>
                ))}
            </optgroup>
            {type === 'PAYOUT' && canForward && bankAccounts.length > 0 ? (
              <optgroup label="Bank accounts (forwarded to the connector first)">
                {bankAccounts.map((b) => (
                  <option key={b.id} value={`${BANK}${b.id}`}>
                    {bankLabel(b)}
                  </option>
                ))}
              </optgroup>
            ) : null}
          </select>
          {hint(
            'destination',
            type === 'PAYOUT'
              ? canForward
                ? 'An external account, or a bank account (created at the provider first).'
                : 'An external account of this connector.'
              : 'Another account of this connector.',
          )}
        </div>
      </fieldset>
      <fieldset>
        <legend>How much</legend>
        <div className="field-row">
          <div className="field">
            <label htmlFor={`${id}-amount`}>Amount</label>
            <input
              id={`${id}-amount`}
              inputMode="decimal"
              autoComplete="off"
              value={amount}
              placeholder="0.00"
              onChange={(e) => setAmount(e.target.value)}
              {...field('amount')}
            />
            {hint(
              'amount',
              (minor?.ok
                ? `${amountText(minor.minor, asset)}: sent as ${String(minor.minor)} minor units of ${asset}.`
                : 'In major units, e.g. 1234.56; a point for the decimals.') +
                (available !== undefined ? ` Available: ${amountText(available, asset)}.` : ''),
            )}
          </div>
          <div className="field">
            <label htmlFor={`${id}-asset`}>Asset</label>
            <input
              id={`${id}-asset`}
              value={assetText}
              placeholder={defaultAsset ?? 'EUR/2'}
              list={`${id}-assets`}
              autoComplete="off"
              spellCheck={false}
              onChange={(e) => setAsset(e.target.value)}
              {...field('asset')}
            />
            <datalist id={`${id}-assets`}>
              {[...new Set([...held.keys(), ...accounts.map((a) => a.defaultAsset ?? '')])]
                .filter(Boolean)
                .map((a) => (
                  <option key={a} value={a} />
                ))}
            </datalist>
            {hint(
              'asset',
              defaultAsset && !assetText.trim()
                ? `The source account's ${defaultAsset}.`
                : 'Currency/decimals, e.g. EUR/2.',
            )}
          </div>
        </div>
      </fieldset>
      <fieldset>
        <legend>Details</legend>
        <div className="field">
          <label htmlFor={`${id}-reference`}>Reference</label>
          <input
            id={`${id}-reference`}
            value={reference}
            spellCheck={false}
            onChange={(e) => setReference(e.target.value)}
            {...field('reference')}
          />
          {hint('reference', 'Unique per connector; the initiation id derives from it.')}
        </div>
        <div className="field">
          <label htmlFor={`${id}-description`}>Description (optional)</label>
          <input
            id={`${id}-description`}
            value={description}
            onChange={(e) => setDescription(e.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor={`${id}-metadata`}>Metadata (optional)</label>
          <textarea
            id={`${id}-metadata`}
            rows={3}
            value={metadataText}
            placeholder={'invoice=INV-42\ncustomer=acme'}
            spellCheck={false}
            onChange={(e) => setMetadata(e.target.value)}
            {...field('metadata')}
          />
          {hint('metadata', 'One key=value per line.')}
        </div>
        <div className="field checkbox">
          <input
            id={`${id}-now`}
            type="checkbox"
            checked={sendNow}
            onChange={(e) => setSendNow(e.target.checked)}
          />
          <label htmlFor={`${id}-now`}>Send at once, without waiting for approval</label>
          <span className="hint">Off: it waits as “Waiting for validation” until someone approves it.</span>
        </div>
      </fieldset>
      <div className="form-actions">
        <button type="submit" className="primary" disabled={busy !== undefined}>
          {busy ??
            (sendNow
              ? `Send ${type === 'TRANSFER' ? 'transfer' : 'payout'}…`
              : `Create ${type === 'TRANSFER' ? 'transfer' : 'payout'}`)}
        </button>
        <Link to="/payment-initiations">Cancel</Link>
      </div>
      <ConfirmDialog
        open={confirming}
        title={
          sendNow
            ? `Send this ${type === 'TRANSFER' ? 'transfer' : 'payout'} now?`
            : `Create this ${type === 'TRANSFER' ? 'transfer' : 'payout'}?`
        }
        confirmLabel={sendNow ? 'Send now' : 'Create'}
        onConfirm={() => void create()}
        onClose={() => setConfirming(false)}
      >
        <p>
          The {what} from {sourceAccount ? accountLabel(sourceAccount) : '?'} to {destinationLabel}, reference{' '}
          <code>{reference.trim()}</code>
          {sendNow
            ? ', is sent to the provider at once: money moves.'
            : ', waits for approval: nothing is sent until someone approves it.'}
        </p>
      </ConfirmDialog>
    </form>
  );
}
