// Admin panel of the Generic PSP simulator: renders one tenant's data from the /admin API and drives it.
/* global document, window, localStorage, fetch, FormData */

const KEY_STORAGE = 'mock-psp.apiKey';
const TRANSACTION_LIMIT = 100;
const TYPES = ['PAYIN', 'PAYOUT', 'TRANSFER'];
/** Steps that end or reverse money movement; their buttons are styled as warnings. */
const DESTRUCTIVE_ACTIONS = new Set(['fail', 'cancel', 'lose-dispute', 'refund']);
/** Steps that accept an optional partial amount. */
const AMOUNT_ACTIONS = new Set(['capture', 'refund']);

const state = { key: '', lastChangedIds: new Set(), busy: 0 };

const $ = (id) => {
  const node = document.getElementById(id);
  if (!node) throw new Error(`panel markup is missing #${id}`);
  return node;
};

/** An error the panel shows as `TITLE: Detail`, whether the API, the network or the panel itself raised it. */
class PanelError extends Error {
  constructor(title, detail, status, request) {
    super(`${title}: ${detail}`);
    this.title = title;
    this.detail = detail;
    this.status = status;
    this.request = request;
  }
}

// ---------- API ----------

async function api(method, path, body) {
  if (!state.key)
    throw new PanelError('NO_API_KEY', 'Enter an API key and press Load: the key selects the tenant.');
  const request = `${method} ${path}`;
  const headers = { authorization: `Bearer ${state.key}` };
  const init = { method, headers };
  if (body !== undefined) {
    headers['content-type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch (error) {
    throw new PanelError(
      'NETWORK_ERROR',
      `the simulator did not answer (${error.message})`,
      undefined,
      request,
    );
  }
  const text = await response.text();
  let json;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (!response.ok) {
    const title = typeof json?.Title === 'string' ? json.Title : `HTTP_${response.status}`;
    const detail = typeof json?.Detail === 'string' ? json.Detail : text || response.statusText;
    throw new PanelError(title, detail, response.status, request);
  }
  if (text && json === undefined) {
    throw new PanelError(
      'INVALID_RESPONSE',
      `expected JSON, got: ${text.slice(0, 200)}`,
      response.status,
      request,
    );
  }
  return json;
}

// ---------- amounts ----------

const precisionCache = new Map();

/** `EUR/2` → 2; a bare ISO code gets its ISO 4217 minor units (JPY → 0); unknown codes fall back to 2. */
function precisionOf(currency) {
  const [code, explicit] = String(currency ?? '').split('/');
  if (explicit !== undefined && /^\d+$/.test(explicit)) return Number(explicit);
  if (!precisionCache.has(code)) {
    let precision = 2;
    try {
      precision = new Intl.NumberFormat('en', { style: 'currency', currency: code }).resolvedOptions()
        .maximumFractionDigits;
    } catch {
      // Not an ISO 4217 code (a test asset, say): keep the common default.
    }
    precisionCache.set(code, precision);
  }
  return precisionCache.get(code);
}

/** Minor units (an integer string, any size) → major units, exactly: ("12345", 2) → "123.45". */
function toMajor(minor, precision) {
  const text = String(minor);
  if (!/^-?\d+$/.test(text)) return text;
  const negative = text.startsWith('-');
  const digits = (negative ? text.slice(1) : text).padStart(precision + 1, '0');
  const whole = digits.slice(0, digits.length - precision);
  const fraction = digits.slice(digits.length - precision);
  return `${negative ? '-' : ''}${whole}${precision > 0 ? `.${fraction}` : ''}`;
}

/** Major units typed by a person → minor units string, exactly; throws a PanelError on bad input. */
function toMinor(major, precision, field) {
  const text = major.trim();
  const match = /^(-?)(\d*)(?:\.(\d*))?$/.exec(text);
  if (!match || (match[2] === '' && !match[3])) {
    throw new PanelError('INVALID_AMOUNT', `${field}: "${text}" is not a number.`);
  }
  const [, sign, whole, fraction = ''] = match;
  if (fraction.length > precision) {
    throw new PanelError('INVALID_AMOUNT', `${field}: at most ${precision} decimal(s) for this currency.`);
  }
  const minor = BigInt(`${whole || '0'}${fraction.padEnd(precision, '0')}`);
  return `${sign && minor !== 0n ? '-' : ''}${minor}`;
}

/** A major-units amount that keeps the exact minor-units integer in a data attribute and a tooltip. */
function amountNode(minor, currency, testid) {
  const precision = precisionOf(currency);
  return el('span', {
    class: String(minor).startsWith('-') ? 'amount negative' : 'amount',
    'data-testid': testid,
    'data-minor': String(minor),
    'data-currency': currency,
    title: `${minor} (minor units, precision ${precision})`,
    text: toMajor(minor, precision),
  });
}

// ---------- DOM ----------

function el(tag, attrs = {}, children = []) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'text') node.textContent = String(value);
    else if (name === 'onclick') node.addEventListener('click', value);
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children) if (child) node.append(child);
  return node;
}

function emptyRow(columns, text) {
  return el('tr', { class: 'empty' }, [el('td', { colspan: columns, text })]);
}

function showMessage(kind, text) {
  const box = $('message');
  box.hidden = false;
  box.dataset.kind = kind;
  box.setAttribute('role', kind === 'error' ? 'alert' : 'status');
  $('message-text').textContent = text;
}

function showError(error) {
  if (error instanceof PanelError) {
    const where = [error.status, error.request].filter((part) => part !== undefined).join(' ');
    showMessage('error', `${error.title}: ${error.detail}${where ? ` (${where})` : ''}`);
  } else {
    showMessage('error', `PANEL_ERROR: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** Runs one user action: marks the page busy (tests wait on it) and shows any failure, never swallowing it. */
async function run(action) {
  state.busy += 1;
  document.body.dataset.busy = 'true';
  try {
    await action();
  } catch (error) {
    showError(error);
  } finally {
    state.busy -= 1;
    if (state.busy === 0) document.body.dataset.busy = 'false';
  }
}

/** Runs loaders side by side, lets each render what it got, then reports every failure together. */
async function settleAll(loaders) {
  const results = await Promise.allSettled(loaders.map((load) => load()));
  const failures = results.filter((result) => result.status === 'rejected').map((result) => result.reason);
  if (failures.length === 1) throw failures[0];
  if (failures.length > 1) {
    throw new PanelError(
      'SEVERAL_ERRORS',
      failures.map((error) => (error instanceof Error ? error.message : String(error))).join(' · '),
    );
  }
}

// ---------- sections ----------

async function loadAccounts() {
  const accounts = await api('GET', '/admin/accounts');
  const body = $('accounts-body');
  body.replaceChildren();
  if (accounts.length === 0) body.append(emptyRow(3, 'No internal accounts yet.'));
  for (const account of accounts) {
    const balances = account.balances.length
      ? account.balances.map((balance) =>
          el('div', { class: 'balance' }, [
            amountNode(balance.amount, balance.currency, 'account-balance'),
            el('span', { class: 'muted cur', text: ` ${balance.currency}` }),
          ]),
        )
      : [el('span', { class: 'muted', text: '—' })];
    body.append(
      el('tr', { 'data-testid': 'account-row', 'data-account-id': account.id }, [
        el('td', {}, [
          el('div', { 'data-testid': 'account-row-name', text: account.accountName }),
          el('code', { class: 'id', text: account.id }),
        ]),
        el('td', { 'data-testid': 'account-row-currency', text: account.currency }),
        el('td', { class: 'num' }, balances),
      ]),
    );
  }
}

async function loadBeneficiaries() {
  const beneficiaries = await api('GET', '/admin/beneficiaries');
  const body = $('beneficiaries-body');
  body.replaceChildren();
  if (beneficiaries.length === 0) body.append(emptyRow(2, 'No beneficiaries yet.'));
  for (const beneficiary of beneficiaries) {
    body.append(
      el('tr', { 'data-testid': 'beneficiary-row', 'data-beneficiary-id': beneficiary.id }, [
        el('td', { 'data-testid': 'beneficiary-row-owner', text: beneficiary.ownerName }),
        el('td', {}, [el('code', { class: 'id', text: beneficiary.id })]),
      ]),
    );
  }
}

async function loadTransactions() {
  const transactions = await api('GET', `/admin/transactions?order=newest&limit=${TRANSACTION_LIMIT}`);
  const body = $('transactions-body');
  body.replaceChildren();
  // The admin API has no total count; below the limit the list is complete, at the limit it may not be.
  $('transactions-count').textContent =
    transactions.length < TRANSACTION_LIMIT
      ? `(${transactions.length})`
      : `(latest ${TRANSACTION_LIMIT}, newest first)`;
  if (transactions.length === 0) body.append(emptyRow(8, 'No transactions yet. Generate some.'));
  for (const transaction of transactions) body.append(transactionRow(transaction));
}

function transactionRow(transaction) {
  const actions = (transaction.actions ?? []).map((action) =>
    el('button', {
      type: 'button',
      class: `action${DESTRUCTIVE_ACTIONS.has(action) ? ' warn' : ''}`,
      'data-testid': `action-${action}`,
      text: action,
      onclick: () => run(() => step(transaction, action)),
    }),
  );
  return el(
    'tr',
    {
      'data-testid': 'transaction-row',
      'data-transaction-id': transaction.id,
      'data-status': transaction.status,
      class: state.lastChangedIds.has(transaction.id) ? 'changed' : undefined,
    },
    [
      el('td', {}, [el('code', { class: 'id', 'data-testid': 'transaction-id', text: transaction.id })]),
      el('td', { 'data-testid': 'transaction-type', text: transaction.type }),
      el('td', {}, [
        el('span', {
          class: `status status-${transaction.status}`,
          'data-testid': 'transaction-status',
          text: transaction.status,
        }),
      ]),
      el('td', { class: 'num' }, [
        amountNode(transaction.amount, transaction.currency, 'transaction-amount'),
      ]),
      el('td', { 'data-testid': 'transaction-currency', text: transaction.currency }),
      el('td', { class: 'time', 'data-testid': 'transaction-updated-at', text: transaction.updatedAt }),
      el('td', {}, [
        transaction.relatedTransactionID
          ? el('code', {
              class: 'id',
              'data-testid': 'transaction-related',
              text: transaction.relatedTransactionID,
            })
          : el('span', { class: 'muted', text: '—' }),
      ]),
      el('td', {}, [
        actions.length ? el('div', { class: 'actions' }, actions) : el('span', { class: 'muted', text: '—' }),
      ]),
    ],
  );
}

async function step(transaction, action) {
  const amountText = $('step-amount').value;
  const body = {};
  if (AMOUNT_ACTIONS.has(action) && amountText.trim() !== '') {
    body.amount = toMinor(amountText, precisionOf(transaction.currency), 'Capture / refund amount');
  }
  const result = await api(
    'POST',
    `/admin/transactions/${encodeURIComponent(transaction.id)}/${action}`,
    AMOUNT_ACTIONS.has(action) ? body : undefined,
  );
  state.lastChangedIds = new Set([transaction.id, ...(result.created ? [result.created.id] : [])]);
  const created = result.created ? `; created ${result.created.id} (${result.created.status})` : '';
  showMessage('info', `${transaction.id}: ${action} → ${result.transaction.status}${created}`);
  // Balances follow statuses, so a step can move money: refresh both.
  await settleAll([loadTransactions, loadAccounts]);
}

// ---------- faults ----------

/** A number field: blank → omitted; not a number → sent as typed, so the server's validation answers. */
function numberField(form, name) {
  const text = form.elements.namedItem(name).value.trim();
  if (text === '') return undefined;
  const value = Number(text);
  return Number.isNaN(value) ? text : value;
}

function setField(form, name, value) {
  form.elements.namedItem(name).value = value === undefined || value === null ? '' : String(value);
}

function renderFaults(faults) {
  const form = $('faults-form');
  setField(form, 'latencyMs', faults.latencyMs);
  setField(form, 'errorRate', faults.errorRate);
  setField(form, 'requestsPerSecond', faults.rateLimit?.requestsPerSecond);
  setField(form, 'retryAfterSeconds', faults.rateLimit?.retryAfterSeconds);
  setField(form, 'maxPageSize', faults.maxPageSize);
  setField(form, 'webhookDuplicates', faults.webhookDuplicates);
  setField(form, 'webhookFailRate', faults.webhookFailRate);
  form.elements.namedItem('ignoreFilters').checked = faults.ignoreFilters === true;
  form.elements.namedItem('secondPrecisionFilters').checked = faults.secondPrecisionFilters === true;
  form.elements.namedItem('webhookReorder').checked = faults.webhookReorder === true;
  $('faults-current').textContent = Object.keys(faults).length ? JSON.stringify(faults) : 'none';
}

async function loadFaults() {
  renderFaults(await api('GET', '/admin/faults'));
}

function faultsFromForm(form) {
  const faults = {};
  const latencyMs = numberField(form, 'latencyMs');
  const errorRate = numberField(form, 'errorRate');
  const requestsPerSecond = numberField(form, 'requestsPerSecond');
  const retryAfterSeconds = numberField(form, 'retryAfterSeconds');
  const maxPageSize = numberField(form, 'maxPageSize');
  if (latencyMs !== undefined) faults.latencyMs = latencyMs;
  if (errorRate !== undefined) faults.errorRate = errorRate;
  if (requestsPerSecond !== undefined) {
    faults.rateLimit = { requestsPerSecond };
    if (retryAfterSeconds !== undefined) faults.rateLimit.retryAfterSeconds = retryAfterSeconds;
  } else if (retryAfterSeconds !== undefined) {
    throw new PanelError('INVALID_FAULTS', 'Retry-After needs a rate limit (requests per second).');
  }
  if (form.elements.namedItem('ignoreFilters').checked) faults.ignoreFilters = true;
  if (form.elements.namedItem('secondPrecisionFilters').checked) faults.secondPrecisionFilters = true;
  if (maxPageSize !== undefined) faults.maxPageSize = maxPageSize;
  const webhookDuplicates = numberField(form, 'webhookDuplicates');
  const webhookFailRate = numberField(form, 'webhookFailRate');
  if (webhookDuplicates !== undefined) faults.webhookDuplicates = webhookDuplicates;
  if (webhookFailRate !== undefined) faults.webhookFailRate = webhookFailRate;
  if (form.elements.namedItem('webhookReorder').checked) faults.webhookReorder = true;
  return faults;
}

async function saveFaults(faults) {
  const saved = await api('PUT', '/admin/faults', faults);
  // PUT may answer with the settings or with nothing; the GET is the source of truth either way.
  if (saved && typeof saved === 'object') renderFaults(saved);
  else await loadFaults();
  showMessage('info', Object.keys(faults).length ? 'Fault modes saved.' : 'Fault modes cleared.');
}

// ---------- wiring ----------

async function loadTenant() {
  await settleAll([loadAccounts, loadBeneficiaries, loadTransactions, loadFaults]);
}

function onSubmit(id, handler) {
  $(id).addEventListener('submit', (event) => {
    event.preventDefault();
    void run(() => handler(event.currentTarget));
  });
}

function wire() {
  const keyInput = $('api-key');
  keyInput.value = localStorage.getItem(KEY_STORAGE) ?? '';

  onSubmit('key-form', async () => {
    state.key = keyInput.value.trim();
    state.lastChangedIds = new Set();
    if (state.key) localStorage.setItem(KEY_STORAGE, state.key);
    else localStorage.removeItem(KEY_STORAGE);
    $('message').hidden = true;
    await loadTenant();
  });

  onSubmit('account-form', async (form) => {
    const accountName = form.elements.namedItem('accountName').value.trim();
    const currency = form.elements.namedItem('currency').value.trim();
    const initialText = form.elements.namedItem('initialBalance').value;
    const request = { accountName, currency };
    if (initialText.trim() !== '') {
      request.initialBalance = toMinor(initialText, precisionOf(currency), 'Initial balance');
    }
    const account = await api('POST', '/admin/accounts', request);
    form.reset();
    showMessage('info', `Created account ${account.id} (${account.accountName}).`);
    await loadAccounts();
  });

  onSubmit('beneficiary-form', async (form) => {
    const ownerName = form.elements.namedItem('ownerName').value.trim();
    const beneficiary = await api('POST', '/admin/beneficiaries', { ownerName });
    form.reset();
    showMessage('info', `Created beneficiary ${beneficiary.id} (${beneficiary.ownerName}).`);
    await loadBeneficiaries();
  });

  onSubmit('generate-form', async (form) => {
    const data = new FormData(form);
    const types = data.getAll('types').map(String);
    if (types.length === 0) throw new PanelError('NO_TYPES', 'Pick at least one transaction type.');
    const count = numberField(form, 'count');
    const request = { count };
    if (types.length < TYPES.length) request.types = types;
    const result = await api('POST', '/admin/transactions/generate', request);
    state.lastChangedIds = new Set();
    showMessage('info', `Generated ${result.generated} transaction(s).`);
    // Generation may also create accounts and a beneficiary, and it moves balances.
    await loadTenant();
  });

  onSubmit('faults-form', async (form) => saveFaults(faultsFromForm(form)));
  $('faults-clear').addEventListener('click', () => run(() => saveFaults({})));
  $('transactions-refresh').addEventListener('click', () =>
    run(() => settleAll([loadTransactions, loadAccounts])),
  );
  $('message-close').addEventListener('click', () => {
    $('message').hidden = true;
  });

  if (keyInput.value) $('key-form').requestSubmit();
  else showMessage('info', 'Enter an API key and press Load. Any string works; each key is its own tenant.');
}

if (document.readyState === 'loading') window.addEventListener('DOMContentLoaded', wire);
else wire();
