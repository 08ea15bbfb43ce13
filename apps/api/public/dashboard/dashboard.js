/* global io, document, window, fetch, CSS */
// The live dashboard. It keeps every product as `GET /inventory/{id}` shows it, from the Socket.IO
// `snapshot` on (re)connect, then `update` and `product` events from every store, and sells or
// restocks through the HTTP API, whose changes come back as `update` events like anyone else's.
// Its columns are the chain's locations from `GET /locations` (read again on every snapshot and
// whenever an update names one it does not know, and kept by `location` events), and any other
// place a product is stocked.
// Writes need a credential: the store's DASHBOARD_API_KEY if it has one, else a key its user
// enters, kept in sessionStorage (this tab only). A store whose reads need one too
// (READS_PUBLIC=false) gets the same key for the live feed and its reads. With an admin key it
// also lists the webhook endpoints and the last delivery to each (`GET /webhooks`, then each
// one's newest delivery), read again every few seconds; with any other it says they need one.
'use strict';

(() => {
  const STORE = document.body.dataset.store;
  const SELL = -1;
  const RESTOCK = 10;
  const FEED_SIZE = 40;
  const KEY_ITEM = 'stockwire-api-key';
  const NEEDS_KEY = 'Selling and restocking need an API key';
  const WEBHOOKS_EVERY_MS = 5000;
  const WEBHOOKS_NEED_ADMIN = 'Webhook endpoints are listed with an admin key';

  /** product_id → the product's inventory view */
  const products = new Map();
  /** Event ids already in the feed: a movement shows once. */
  const feedIds = new Set();
  /** Locations shown as columns, in order. */
  let locations = [];
  /** location id → the location as `GET /locations` lists it */
  const known = new Map();

  const grid = document.getElementById('grid');
  const feed = document.getElementById('feed');
  const transferList = document.getElementById('transfers');
  /** The latest transfers, by id, as `GET /transfers` shows them. */
  const transfers = new Map();
  const TRANSFERS_SHOWN = 10;
  const connection = document.getElementById('connection');
  const toast = document.getElementById('toast');
  const credential = document.getElementById('credential');
  const forgetKey = document.getElementById('forget-key');

  /** The store's own key for this page, if it gave one. */
  const storeKey = document.querySelector('meta[name="stockwire-api-key"]')?.content ?? '';
  /** The credential writes are sent with; empty: none, the page asks for one. */
  let apiKey = storeKey || window.sessionStorage.getItem(KEY_ITEM) || '';

  const el = (tag, className, text) => {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = String(text);
    return node;
  };
  const signed = (n) => (n > 0 ? `+${n}` : `−${Math.abs(n)}`);
  const isLow = (available, threshold) => available < threshold;

  function setConnection(state, label) {
    connection.dataset.state = state;
    connection.querySelector('.label').textContent = label;
  }

  let toastTimer;
  function showToast(message) {
    toast.textContent = message;
    toast.classList.add('shown');
    window.clearTimeout(toastTimer);
    toastTimer = window.setTimeout(() => toast.classList.remove('shown'), 4000);
  }

  function columns() {
    const all = new Set([STORE]);
    for (const l of known.values()) if (l.active) all.add(l.id);
    for (const p of products.values()) for (const loc of Object.keys(p.locations)) all.add(loc);
    return [...all].sort((a, b) => a.localeCompare(b));
  }

  /** Whether writes may name the location: not one `GET /locations` says is inactive. */
  const writable = (loc) => known.get(loc)?.active !== false;

  /** `N in transit`, for a cell with units on their way to it. */
  function inTransit(units) {
    const line = el('div', 'transit');
    const count = el('span', '', units);
    count.dataset.field = 'in_transit';
    line.append(count, ' in transit');
    return line;
  }

  function fillCell(td, p, loc) {
    const level = p.locations[loc];
    td.replaceChildren();
    td.classList.remove('low', 'out');
    if (level) {
      const available = el('div', 'available');
      available.append(el('span', '', level.available), ' ', el('small', '', 'available'));
      available.firstChild.dataset.field = 'available';
      const detail = el('div', 'detail');
      const onHand = el('span', '', level.on_hand);
      onHand.dataset.field = 'on_hand';
      const reserved = el('span', '', level.reserved);
      reserved.dataset.field = 'reserved';
      detail.append(onHand, ' on hand · ', reserved, ' reserved');
      td.append(available, detail);
      // On its way here by transfer: neither on hand nor available until it is received.
      if (level.in_transit > 0) td.append(inTransit(level.in_transit));
      if (level.available === 0) td.classList.add('out');
      else if (isLow(level.available, p.low_stock_threshold)) td.classList.add('low');
    } else {
      td.append(el('div', 'detail', 'not stocked here'));
    }
    const actions = el('div', 'actions');
    const sell = el('button', '', `Sell ${Math.abs(SELL)}`);
    sell.dataset.action = 'sell';
    sell.disabled = !apiKey || !writable(loc) || !level || level.available < Math.abs(SELL);
    const restock = el('button', '', `Restock ${RESTOCK}`);
    restock.dataset.action = 'restock';
    restock.disabled = !apiKey || !writable(loc);
    for (const button of [sell, restock]) if (!apiKey) button.title = NEEDS_KEY;
    actions.append(sell, restock);
    td.append(actions);
  }

  function fillTotal(td, p) {
    td.replaceChildren();
    td.classList.remove('low', 'out');
    const available = el('div', 'available');
    available.append(el('span', '', p.available_stock), ' ', el('small', '', 'available'));
    available.firstChild.dataset.field = 'available';
    const detail = el('div', 'detail', `${p.total_stock} on hand · ${p.reserved_stock} reserved`);
    td.append(available, detail);
    if (p.in_transit_stock > 0) td.append(inTransit(p.in_transit_stock));
    if (p.available_stock === 0) td.classList.add('out');
    else if (isLow(p.available_stock, p.low_stock_threshold)) td.classList.add('low');
  }

  function renderRow(p) {
    const tr = el('tr');
    tr.dataset.product = p.product_id;
    const name = el('td', 'product');
    name.append(
      el('div', 'name', p.name),
      el('div', 'meta', `${p.product_id} · low below ${p.low_stock_threshold}`),
    );
    tr.append(name);
    for (const loc of locations) {
      const td = el('td', loc === STORE ? 'cell here' : 'cell');
      td.dataset.location = loc;
      fillCell(td, p, loc);
      tr.append(td);
    }
    const total = el('td', 'cell total');
    total.dataset.location = '*';
    fillTotal(total, p);
    tr.append(total);
    return tr;
  }

  function renderAll() {
    locations = columns();
    const head = el('tr');
    head.append(el('th', '', 'Product'));
    for (const loc of locations) {
      const th = el('th', loc === STORE ? 'here' : '', loc);
      const place = known.get(loc);
      if (place) th.title = place.name;
      if (place?.kind === 'warehouse') th.append(el('span', 'kind', 'warehouse'));
      if (place && !place.active) th.append(el('span', 'kind', 'inactive'));
      if (loc === STORE) th.append(el('span', 'you', 'you are here'));
      head.append(th);
    }
    head.append(el('th', '', 'All stores'));
    grid.tHead.replaceChildren(head);
    const sorted = [...products.values()].sort((a, b) => a.name.localeCompare(b.name));
    grid.tBodies[0].replaceChildren(...sorted.map(renderRow));
    document.getElementById('empty').hidden = products.size > 0;
  }

  function row(productId) {
    return grid.tBodies[0].querySelector(`tr[data-product="${CSS.escape(productId)}"]`);
  }

  function flash(td, change) {
    td.classList.remove('flash-up', 'flash-down');
    void td.offsetWidth; // restart the animation when the same cell changes again
    td.classList.add(change < 0 ? 'flash-down' : 'flash-up');
  }

  function addToFeed(u) {
    // A transfer's end that only moved in transit has no ledger row: the transfers list shows it.
    if (u.transfer_id && u.change === 0) return;
    if (feedIds.has(u.event_id)) return;
    feedIds.add(u.event_id);
    const name = products.get(u.product_id)?.name ?? u.product_id;
    const li = el('li');
    li.dataset.type = u.update_type;
    li.dataset.store = u.store;
    const what = el('span', 'what');
    what.append(
      el('b', '', signed(u.change)),
      ` ${name} at ${u.warehouse} (${u.quantity - u.change} → ${u.quantity})`,
    );
    li.append(
      el('time', '', new Date(u.timestamp).toLocaleTimeString()),
      el('span', `badge ${u.update_type}`, u.update_type),
      what,
      el('span', 'by', `by ${u.store}${u.store === STORE ? ' (this store)' : ''}`),
    );
    feed.prepend(li);
    while (feed.children.length > FEED_SIZE) feed.lastElementChild.remove();
    document.getElementById('feed-empty').hidden = true;
  }

  /** The credential as a request header, if there is one. */
  const authorization = () => (apiKey ? { authorization: `Bearer ${apiKey}` } : {});

  /** Takes the chain's locations from this store, and redraws the columns. */
  async function loadLocations() {
    const res = await fetch('/locations', { headers: authorization() });
    if (!res.ok) return;
    known.clear();
    for (const l of (await res.json()).locations) known.set(l.id, l);
    renderAll();
  }

  function renderTransfers() {
    const shown = [...transfers.values()]
      .sort((a, b) => b.created_at.localeCompare(a.created_at))
      .slice(0, TRANSFERS_SHOWN);
    transferList.replaceChildren(
      ...shown.map((t) => {
        const li = el('li');
        li.dataset.transfer = t.transfer_id;
        li.dataset.status = t.status;
        const lines = t.lines
          .map((l) => `${l.quantity} × ${products.get(l.product_id)?.name ?? l.product_id}`)
          .join(', ');
        const moving = t.lines.reduce((sum, l) => sum + l.in_transit, 0);
        li.append(
          el('span', `badge ${t.status}`, t.status.replace('_', ' ')),
          el('span', 'what', `${t.from} → ${t.to}: ${lines}`),
          el('span', 'by', moving > 0 ? `${moving} still in transit` : `by ${t.store}`),
        );
        return li;
      }),
    );
    document.getElementById('transfers-empty').hidden = transfers.size > 0;
  }

  /** Takes the latest transfers from this store. */
  async function loadTransfers() {
    const res = await fetch(`/transfers?limit=${TRANSFERS_SHOWN}`, { headers: authorization() });
    if (!res.ok) return;
    for (const t of (await res.json()).transfers) transfers.set(t.transfer_id, t);
    renderTransfers();
  }

  /** Takes one transfer as it now stands, after a change that was a step of it. */
  async function loadTransfer(id) {
    const res = await fetch(`/transfers/${encodeURIComponent(id)}`, { headers: authorization() });
    if (!res.ok) return;
    const t = await res.json();
    const shown = transfers.get(id);
    if (shown && shown.updated_at > t.updated_at) return;
    transfers.set(id, t);
    renderTransfers();
  }

  /** Takes a product's exact view from this store, when an event alone cannot say it all. */
  async function refresh(productId) {
    const res = await fetch(`/inventory/${encodeURIComponent(productId)}`, {
      headers: authorization(),
    });
    if (!res.ok) return;
    const view = await res.json();
    const known = products.get(productId);
    if (known && known.version > view.version) return;
    setProduct(view);
  }

  function setProduct(view) {
    const isNew = !products.has(view.product_id);
    products.set(view.product_id, view);
    const current = row(view.product_id);
    if (isNew || !current || columns().length !== locations.length) renderAll();
    else current.replaceWith(renderRow(view));
  }

  function applyUpdate(u) {
    const p = products.get(u.product_id);
    if (!p) {
      void refresh(u.product_id);
      addToFeed(u);
      return;
    }
    addToFeed(u);
    if (!known.has(u.warehouse)) void loadLocations();
    const before = p.locations[u.warehouse];
    if (before && before.version >= u.version) return; // the snapshot already had it
    const reserved = typeof u.reserved === 'number' ? u.reserved : (before?.reserved ?? 0);
    const inTransit = typeof u.in_transit === 'number' ? u.in_transit : (before?.in_transit ?? 0);
    p.in_transit_stock += inTransit - (before?.in_transit ?? 0);
    p.locations[u.warehouse] = {
      on_hand: u.quantity,
      reserved,
      available: u.quantity - reserved,
      in_transit: inTransit,
      version: u.version,
    };
    p.warehouses[u.warehouse] = u.quantity;
    p.total_stock = u.total_stock;
    p.reserved_stock = u.reserved_stock;
    p.available_stock = u.available_stock;
    p.version = u.product_version;
    p.last_updated = u.timestamp;

    const tr = row(p.product_id);
    if (!tr || !locations.includes(u.warehouse)) renderAll();
    else {
      const td = tr.querySelector(`td[data-location="${CSS.escape(u.warehouse)}"]`);
      fillCell(td, p, u.warehouse);
      fillTotal(tr.querySelector('td[data-location="*"]'), p);
    }
    const cell = row(p.product_id)?.querySelector(`td[data-location="${CSS.escape(u.warehouse)}"]`);
    if (cell) flash(cell, u.change);
    if (u.transfer_id) void loadTransfer(u.transfer_id);

    // Reservations move `reserved` without a per-location figure in the event: ask for the view.
    const reservedHere = Object.values(p.locations).reduce((sum, l) => sum + l.reserved, 0);
    if (reservedHere !== p.reserved_stock) void refresh(p.product_id);
  }

  const webhooks = document.getElementById('webhooks');
  const webhooksNote = document.getElementById('webhooks-note');

  function webhooksSay(text) {
    webhooks.hidden = true;
    webhooksNote.hidden = false;
    webhooksNote.textContent = text;
  }

  /** One endpoint's row: where it points, what it takes, and how its newest delivery went. */
  function webhookRow(endpoint, last) {
    const tr = el('tr');
    tr.dataset.webhook = endpoint.id;
    const where = el('td', 'endpoint');
    where.append(el('div', 'name', endpoint.url));
    const about = endpoint.enabled
      ? endpoint.description
      : `disabled${endpoint.disabled_reason ? `: ${endpoint.disabled_reason}` : ''}`;
    if (about) where.append(el('div', 'meta', about));
    tr.dataset.enabled = String(endpoint.enabled);
    const state = el('td', 'delivery');
    state.dataset.state = last?.status ?? 'none';
    if (last) {
      state.append(el('span', `badge ${last.status}`, last.status));
      const http = last.last_status_code ? ` · HTTP ${last.last_status_code}` : '';
      const tries = `${last.attempts} attempt${last.attempts === 1 ? '' : 's'}`;
      const when = new Date(last.finished_at ?? last.created_at).toLocaleTimeString();
      state.append(el('span', 'detail', ` ${last.event_type} · ${tries}${http} · ${when}`));
      if (last.last_error) state.append(el('div', 'meta', last.last_error));
    } else state.append(el('span', 'detail', 'nothing delivered yet'));
    tr.append(where, el('td', 'events', endpoint.events.join(', ')), state);
    return tr;
  }

  /** Lists the webhook endpoints for an admin key; says briefly when the key cannot see them. */
  async function loadWebhooks() {
    if (!apiKey) return webhooksSay(`${WEBHOOKS_NEED_ADMIN}.`);
    try {
      const res = await fetch('/webhooks', { headers: authorization() });
      if (res.status === 401 || res.status === 403)
        return webhooksSay(`${WEBHOOKS_NEED_ADMIN}; this key is not one.`);
      if (!res.ok) return webhooksSay(`Webhook endpoints could not be read (${res.status}).`);
      const endpoints = await res.json();
      const lasts = await Promise.all(
        endpoints.map(async (e) => {
          const page = await fetch(`/webhooks/${encodeURIComponent(e.id)}/deliveries?limit=1`, {
            headers: authorization(),
          });
          return page.ok ? ((await page.json()).deliveries[0] ?? null) : null;
        }),
      );
      webhooks.tBodies[0].replaceChildren(...endpoints.map((e, i) => webhookRow(e, lasts[i])));
      webhooks.hidden = endpoints.length === 0;
      webhooksNote.hidden = endpoints.length > 0;
      webhooksNote.textContent = 'No webhook endpoints yet (POST /webhooks adds one).';
    } catch {
      webhooksSay(`Could not reach ${STORE} for its webhook endpoints.`);
    }
  }

  /** Shows whether writes have a credential: the key form when not, "forget" for the user's own. */
  function showCredential() {
    credential.hidden = Boolean(apiKey);
    forgetKey.hidden = !apiKey || apiKey === storeKey;
  }

  /** Writes with `key` from now on (empty: none); a key the user entered stays in this tab. */
  function useKey(key) {
    apiKey = key;
    if (key && key !== storeKey) window.sessionStorage.setItem(KEY_ITEM, key);
    else window.sessionStorage.removeItem(KEY_ITEM);
    showCredential();
    renderAll();
    void loadWebhooks();
    // A feed the store refused for want of a key tries again with this one.
    if (key && !socket.connected && !socket.active) socket.connect();
  }

  async function move(productId, warehouse, action) {
    if (!apiKey) {
      showToast(NEEDS_KEY);
      return;
    }
    const body =
      action === 'sell'
        ? { warehouse, change: SELL, update_type: 'sale' }
        : { warehouse, change: RESTOCK, update_type: 'restock' };
    try {
      const res = await fetch(`/inventory/${encodeURIComponent(productId)}/update`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...authorization() },
        body: JSON.stringify(body),
      });
      if (!res.ok) {
        const { error } = await res.json();
        showToast(`${error.code}: ${error.message}`);
        // A key that does not hold (unknown, revoked, expired) is dropped: the page asks again.
        if (res.status === 401) useKey('');
      }
    } catch {
      showToast(`Could not reach ${STORE}`);
    }
  }

  credential.addEventListener('submit', (event) => {
    event.preventDefault();
    const input = document.getElementById('api-key');
    const key = input.value.trim();
    input.value = '';
    if (key) useKey(key);
  });
  forgetKey.addEventListener('click', () => useKey(''));

  grid.addEventListener('click', (event) => {
    const button = event.target.closest('button[data-action]');
    if (!button) return;
    const td = button.closest('td[data-location]');
    const tr = button.closest('tr[data-product]');
    void move(tr.dataset.product, td.dataset.location, button.dataset.action);
  });

  showCredential();
  void loadWebhooks();
  window.setInterval(() => void loadWebhooks(), WEBHOOKS_EVERY_MS);
  // The key goes with every (re)connection: a store whose reads need a credential asks for it.
  const socket = io({ auth: (send) => send(apiKey ? { token: apiKey } : {}) });
  socket.on('connect', () => setConnection('live', 'live'));
  socket.on('disconnect', (reason) => {
    setConnection('offline', 'offline');
    if (reason === 'io server disconnect') socket.connect();
  });
  // A stopping store says so before it closes: show it at once, not only when the socket drops.
  socket.on('shutdown', () => setConnection('reconnecting', 'store stopping…'));
  socket.io.on('reconnect_attempt', () => setConnection('reconnecting', 'reconnecting…'));
  socket.on('connect_error', () => {
    if (socket.active) {
      setConnection('reconnecting', 'reconnecting…');
      return;
    }
    // Refused, not unreachable: this store's reads need a key the page does not have (or that
    // no longer holds). The form asks for one; entering it connects again.
    setConnection('locked', 'needs an API key to read');
    credential.querySelector('label').textContent = 'Reading this store’s stock needs an API key.';
    if (apiKey) useKey('');
    else showCredential();
  });
  socket.on('snapshot', (views) => {
    products.clear();
    for (const view of views) products.set(view.product_id, view);
    renderAll();
    void loadLocations();
    void loadTransfers();
  });
  socket.on('product', setProduct);
  socket.on('location', (location) => {
    known.set(location.id, location);
    renderAll();
  });
  socket.on('update', applyUpdate);
})();
