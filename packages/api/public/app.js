// @ts-check
/**
 * Vigil dashboard, first cut: login, alert list and triage, alert detail with its raw events,
 * and event search. Plain ES module, no build step. Every value from the server is rendered
 * with `textContent`, never as HTML, so an event carrying `<script>` shows as text.
 */

const TOKEN_KEY = 'vigil.token';

/**
 * @typedef {{ code: string, message: string, details?: unknown }} ApiErrorBody
 * @typedef {{ id: string, message: string, rule: { id: string, name: string }, threat?: { technique?: { id: string[], name?: string[] } },
 *   vigil: { alert: { severity: string, status: string, resolution?: string | null, assignee: string | null, count: number, first_seen: string, last_seen: string,
 *   event_ids: string[], history: { at: string, actor: string, field: string, from: string | null, to: string | null }[] } } }} Alert
 * @typedef {Record<string, any>} EcsEvent
 * @typedef {{ kind: string, name: string, role: string }} WhoAmI
 */

/** An error answered by the API, with its code. */
class ApiError extends Error {
  /** @param {number} status @param {ApiErrorBody} body */
  constructor(status, body) {
    super(body.message);
    this.status = status;
    this.code = body.code;
  }
}

const state = {
  /** @type {WhoAmI | null} */
  me: null,
  /** @type {string | null} */
  selectedAlertId: null,
  /** @type {string | null} */
  searchCursor: null,
  searchQuery: '',
};

/** @param {string} id @returns {HTMLElement} */
function byId(id) {
  const element = document.getElementById(id);
  if (!element) throw new Error(`missing element #${id}`);
  return element;
}

/** @param {string} id @returns {HTMLInputElement} */
function input(id) {
  return /** @type {HTMLInputElement} */ (byId(id));
}

/**
 * Creates an element with text (never HTML) and optional attributes.
 * @param {string} tag
 * @param {string | number | null | undefined} [text]
 * @param {Record<string, string>} [attributes]
 */
function el(tag, text, attributes = {}) {
  const element = document.createElement(tag);
  if (text !== undefined && text !== null) element.textContent = String(text);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  return element;
}

/** @param {string | undefined | null} iso */
function formatTime(iso) {
  if (!iso) return '';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

/**
 * Reads a dotted field from an event (`source.ip`).
 * @param {EcsEvent} event @param {string} path @returns {unknown}
 */
function field(event, path) {
  /** @type {any} */
  let current = event;
  for (const part of path.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = current[part];
  }
  return current;
}

/** @param {unknown} value */
function show(value) {
  if (value === undefined || value === null) return '';
  return Array.isArray(value) ? value.join(', ') : String(value);
}

/**
 * Calls the API with the session token; a 401 ends the session.
 * @param {string} path @param {{ method?: string, body?: unknown }} [options]
 */
async function api(path, options = {}) {
  /** @type {Record<string, string>} */
  const headers = {};
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (token) headers.authorization = `Bearer ${token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(path, {
    method: options.method ?? 'GET',
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  if (response.status === 204) return null;
  const body = await response.json().catch(() => ({ error: { code: 'VIGIL_ERR_UI_BAD_RESPONSE', message: `unexpected answer (HTTP ${response.status})` } }));
  if (!response.ok) {
    const error = new ApiError(response.status, body.error ?? { code: 'VIGIL_ERR_UI_BAD_RESPONSE', message: `HTTP ${response.status}` });
    if (response.status === 401 && path !== '/api/v1/auth/login') signedOut('Your session has ended; sign in again.');
    throw error;
  }
  return body;
}

/** @param {unknown} error */
function messageOf(error) {
  return error instanceof Error ? error.message : String(error);
}

// ---- session ------------------------------------------------------------------------------

/** @param {string} [message] */
function signedOut(message = '') {
  sessionStorage.removeItem(TOKEN_KEY);
  state.me = null;
  byId('app-view').hidden = true;
  byId('logout').hidden = true;
  byId('who').textContent = '';
  byId('login-view').hidden = false;
  byId('login-error').textContent = message;
  input('login-username').focus();
}

async function signedIn() {
  byId('login-view').hidden = true;
  byId('app-view').hidden = false;
  byId('logout').hidden = false;
  try {
    state.me = /** @type {WhoAmI} */ (await api('/api/v1/auth/me'));
    byId('who').textContent = `${state.me.name} (${state.me.role})`;
  } catch {
    return;
  }
  await loadAlerts();
}

/** @param {Event} event */
async function onLogin(event) {
  event.preventDefault();
  const username = input('login-username').value;
  const password = input('login-password');
  byId('login-error').textContent = '';
  try {
    const session = await api('/api/v1/auth/login', { method: 'POST', body: { username, password: password.value } });
    sessionStorage.setItem(TOKEN_KEY, session.token);
    password.value = '';
    await signedIn();
  } catch (error) {
    byId('login-error').textContent = messageOf(error);
  }
}

async function onLogout() {
  try {
    await api('/api/v1/auth/logout', { method: 'POST' });
  } finally {
    signedOut();
  }
}

// ---- alerts -------------------------------------------------------------------------------

function canTriage() {
  return state.me !== null && (state.me.role === 'admin' || state.me.role === 'analyst');
}

async function loadAlerts() {
  const status = /** @type {HTMLSelectElement} */ (byId('alert-filter')).value;
  const params = new URLSearchParams({ size: '200' });
  if (status) params.set('status', status);
  byId('alerts-error').textContent = '';
  try {
    const page = await api(`/api/v1/alerts?${params}`);
    renderAlerts(page.alerts, page.total);
  } catch (error) {
    byId('alerts-error').textContent = messageOf(error);
  }
}

/** @param {Alert[]} alerts @param {number} total */
function renderAlerts(alerts, total) {
  byId('alerts-total').textContent = `${total} alert${total === 1 ? '' : 's'}`;
  const rows = alerts.map((alert) => {
    const info = alert.vigil.alert;
    const row = el('tr', undefined, { 'data-testid': 'alert-row', 'data-alert-id': alert.id, class: 'clickable' });
    if (alert.id === state.selectedAlertId) row.classList.add('selected');
    const severity = el('td');
    severity.append(el('span', info.severity, { class: `sev sev-${info.severity}`, 'data-testid': 'alert-severity' }));
    row.append(
      severity,
      el('td', alert.rule.name, { 'data-testid': 'alert-rule' }),
      el('td', alert.message, { class: 'message', 'data-testid': 'alert-message' }),
      el('td', info.count, { 'data-testid': 'alert-count' }),
      el('td', formatTime(info.first_seen), { class: 'time' }),
      el('td', formatTime(info.last_seen), { class: 'time' }),
      el('td', info.status, { 'data-testid': 'alert-status' }),
    );
    const actions = el('td');
    const buttons = el('div', undefined, { class: 'actions' });
    buttons.append(
      triageButton(alert, 'Acknowledge', 'alert-ack', 'acknowledged', info.status !== 'open'),
      closeSelect(alert, info.status === 'closed'),
    );
    actions.append(buttons);
    row.append(actions);
    row.addEventListener('click', () => void showAlert(alert.id));
    return row;
  });
  byId('alert-rows').replaceChildren(...rows);
}

/**
 * @param {Alert} alert @param {string} label @param {string} testId @param {string} status @param {boolean} done
 */
function triageButton(alert, label, testId, status, done) {
  const button = /** @type {HTMLButtonElement} */ (el('button', label, { type: 'button', 'data-testid': testId }));
  button.disabled = done || !canTriage();
  if (!canTriage()) button.title = 'Your role may not change alerts';
  button.addEventListener('click', async (event) => {
    event.stopPropagation();
    button.disabled = true;
    if (!(await patchAlert(alert, { status }))) button.disabled = false;
  });
  return button;
}

/** Why an alert may be closed (the API's resolutions), as the close menu offers them. */
const RESOLUTIONS = [
  ['true_positive', 'True positive'],
  ['benign_positive', 'Benign (expected activity)'],
  ['false_positive', 'False positive'],
  ['duplicate', 'Duplicate'],
];

/** Closing an alert asks why: a menu of resolutions. @param {Alert} alert @param {boolean} done */
function closeSelect(alert, done) {
  const select = /** @type {HTMLSelectElement} */ (el('select', undefined, { 'data-testid': 'alert-close', 'aria-label': 'Close as' }));
  const prompt = /** @type {HTMLOptionElement} */ (el('option', 'Close as…', { value: '' }));
  prompt.disabled = true;
  prompt.selected = true;
  select.append(prompt, ...RESOLUTIONS.map(([value, label]) => el('option', label, { value })));
  select.disabled = done || !canTriage();
  if (!canTriage()) select.title = 'Your role may not change alerts';
  select.addEventListener('click', (event) => event.stopPropagation());
  select.addEventListener('change', async () => {
    select.disabled = true;
    if (!(await patchAlert(alert, { status: 'closed', resolution: select.value }))) {
      select.disabled = false;
      select.value = '';
    }
  });
  return select;
}

/** Sends a triage change and shows the result; false when it failed (the error is shown). @param {Alert} alert @param {object} body */
async function patchAlert(alert, body) {
  try {
    await api(`/api/v1/alerts/${encodeURIComponent(alert.id)}`, { method: 'PATCH', body });
    byId('alerts-error').textContent = '';
    await loadAlerts();
    if (state.selectedAlertId === alert.id) await showAlert(alert.id);
    return true;
  } catch (error) {
    byId('alerts-error').textContent = messageOf(error);
    return false;
  }
}

/** @param {string} id */
async function showAlert(id) {
  state.selectedAlertId = id;
  for (const row of byId('alert-rows').children) row.classList.toggle('selected', row.getAttribute('data-alert-id') === id);
  try {
    const detail = await api(`/api/v1/alerts/${encodeURIComponent(id)}`);
    renderDetail(detail.alert, detail.events);
  } catch (error) {
    byId('alerts-error').textContent = messageOf(error);
  }
}

/** @param {Alert} alert @param {EcsEvent[]} events */
function renderDetail(alert, events) {
  const info = alert.vigil.alert;
  byId('detail-title').textContent = alert.message;
  /** @type {[string, string][]} */
  const fields = [
    ['Rule', `${alert.rule.name} (${alert.rule.id})`],
    ['Severity', info.severity],
    ['Status', info.resolution ? `${info.status} (${RESOLUTIONS.find(([value]) => value === info.resolution)?.[1] ?? info.resolution})` : info.status],
    ['Assignee', info.assignee ?? '—'],
    ['Count', String(info.count)],
    ['First seen', formatTime(info.first_seen)],
    ['Last seen', formatTime(info.last_seen)],
  ];
  const technique = alert.threat?.technique;
  if (technique) fields.push(['ATT&CK', technique.id.map((tid, i) => `${tid} ${technique.name?.[i] ?? ''}`.trim()).join(', ')]);
  byId('detail-fields').replaceChildren(...fields.flatMap(([name, value]) => [el('dt', name), el('dd', value)]));

  const history = info.history.map((entry) =>
    el('li', `${formatTime(entry.at)} ${entry.actor}: ${entry.field} ${entry.from ?? '∅'} → ${entry.to ?? '∅'}`),
  );
  byId('detail-history').replaceChildren(...(history.length > 0 ? history : [el('li', 'No changes yet.', { class: 'muted' })]));

  const missing = info.event_ids.length - events.length;
  byId('detail-events-note').textContent =
    missing > 0 ? `${events.length} of ${info.event_ids.length} events are still stored.` : `${events.length} event${events.length === 1 ? '' : 's'}.`;
  byId('detail-events').replaceChildren(...events.map(renderEvent));
  byId('alert-detail').hidden = false;
}

/** @param {EcsEvent} event */
function renderEvent(event) {
  const box = el('div', undefined, { class: 'event', 'data-testid': 'alert-event' });
  const meta = [
    formatTime(show(field(event, '@timestamp'))),
    show(field(event, 'host.name')),
    `edge ${show(field(event, 'vigil.edge.id')) || '?'}`,
    `batch ${show(field(event, 'vigil.batch.sequence')) || '?'}`,
    `signature ${show(field(event, 'vigil.signature.status')) || 'unknown'}`,
    show(field(event, 'event.id')),
  ].filter(Boolean);
  box.append(el('div', meta.join(' · '), { class: 'event-meta' }));
  const original = field(event, 'event.original');
  box.append(el('pre', typeof original === 'string' ? original : JSON.stringify(event, null, 2), { 'data-testid': 'event-raw' }));
  return box;
}

// ---- event search -------------------------------------------------------------------------

/** @param {Event} event */
async function onSearch(event) {
  event.preventDefault();
  state.searchQuery = input('search-input').value;
  state.searchCursor = null;
  byId('search-rows').replaceChildren();
  await searchPage();
}

async function searchPage() {
  const params = new URLSearchParams({ q: state.searchQuery, size: '100' });
  if (state.searchCursor) params.set('cursor', state.searchCursor);
  byId('search-error').textContent = '';
  try {
    const page = await api(`/api/v1/events?${params}`);
    byId('search-total').textContent = `${page.total} event${page.total === 1 ? '' : 's'}`;
    byId('search-rows').append(...page.events.map(searchRow));
    state.searchCursor = page.cursor;
    byId('search-more').hidden = page.cursor === null;
  } catch (error) {
    byId('search-error').textContent = messageOf(error);
    byId('search-total').textContent = '';
    byId('search-more').hidden = true;
  }
}

/** @param {EcsEvent} event */
function searchRow(event) {
  const row = el('tr', undefined, { 'data-testid': 'search-row' });
  row.append(
    el('td', formatTime(show(field(event, '@timestamp'))), { class: 'time' }),
    el('td', show(field(event, 'host.name'))),
    el('td', show(field(event, 'source.ip'))),
    el('td', show(field(event, 'user.name'))),
    el('td', show(field(event, 'message') ?? field(event, 'event.original')), { class: 'message' }),
  );
  return row;
}

// ---- start --------------------------------------------------------------------------------

function main() {
  byId('login-form').addEventListener('submit', (event) => void onLogin(event));
  byId('logout').addEventListener('click', () => void onLogout());
  byId('alert-filter').addEventListener('change', () => void loadAlerts());
  byId('alerts-refresh').addEventListener('click', () => void loadAlerts());
  byId('detail-close').addEventListener('click', () => {
    state.selectedAlertId = null;
    byId('alert-detail').hidden = true;
    for (const row of byId('alert-rows').children) row.classList.remove('selected');
  });
  byId('search-form').addEventListener('submit', (event) => void onSearch(event));
  byId('search-more').addEventListener('click', () => void searchPage());
  if (sessionStorage.getItem(TOKEN_KEY)) void signedIn();
  else signedOut();
}

main();
