// Keeps the line dashboard current through Server-Sent Events; shows "reconnecting" while the server
// is away. Plain browser JavaScript, no libraries: shop-floor terminals have no internet.
(function () {
  "use strict";
  const board = document.getElementById("dashboard");
  if (!board) return;
  const text = board.dataset;
  const note = document.getElementById("live-note");
  const WATCHDOG_MS = 12000;   // the server sends a heartbeat every 5 s: silence this long means trouble
  const RETRY_MS = 3000;       // after a refused stream (busy server, expired session)
  const timeFormat = new Intl.DateTimeFormat("sv-SE", {
    timeZone: text.timezone, year: "numeric", month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false,
  });
  const percentFormat = new Intl.NumberFormat(text.lang === "ru" ? "ru-RU" : "en-US",
    { style: "percent", minimumFractionDigits: 1, maximumFractionDigits: 1 });
  let source = null;
  let lastEvent = Date.now();
  let retryTimer = null;

  function percent(value) { return value === null || value === undefined ? "—" : percentFormat.format(value); }

  function setField(card, field, value) {
    const el = card.querySelector('[data-field="' + field + '"]');
    if (el && el.textContent !== value) el.textContent = value;
    return el;
  }

  function renderStation(s) {
    const card = board.querySelector('article[data-station="' + s.code + '"]');
    if (!card) return;
    card.className = "station group-" + s.state_group + (s.stale ? " stale" : "") + (s.alarm_code ? " alarm" : "");
    setField(card, "state", s.state_group === "offline" ? text.textOffline : s.state_label);
    let connection = s.connected ? text.textOnline : text.textOffline;
    if (s.consecutive_failures) connection += " · " + s.consecutive_failures + " " + text.textFailures;
    setField(card, "connection", connection).title = s.last_error || "";
    const error = setField(card, "last_error", s.last_error || "");
    error.title = s.last_error || "";
    error.parentElement.hidden = !s.last_error;
    setField(card, "last_serial", s.last_serial || "—");
    setField(card, "good_count", s.good_count === null ? "—" : String(s.good_count));
    setField(card, "bad_count", s.bad_count === null ? "—" : String(s.bad_count));
    setField(card, "alarm_code", s.alarm_code ? String(s.alarm_code) : "—");
    const oee = s.oee || {};
    setField(card, "oee", percent(oee.oee)).title = oee.ideal_cycle_s ? "" : text.textNoIdeal;
    setField(card, "availability", percent(oee.availability));
    setField(card, "performance", percent(oee.performance));
    setField(card, "quality", percent(oee.quality));
    const when = setField(card, "updated_at", s.updated_at ? timeFormat.format(new Date(s.updated_at)) : text.textNodata);
    when.setAttribute("datetime", s.updated_at || "");
  }

  function renderAlarms(stations) {
    const list = document.getElementById("alarm-list");
    const active = stations.filter(function (s) { return s.alarm_code; });
    const items = active.map(function (s) { return s.code + ": " + text.textAlarm + " " + s.alarm_code; });
    const current = Array.from(list.children).map(function (li) { return li.textContent; });
    const wanted = items.length ? items : [text.textNoAlarms];
    document.getElementById("alarms").classList.toggle("active", active.length > 0);
    if (current.join("\n") === wanted.join("\n")) return;
    list.replaceChildren.apply(list, wanted.map(function (t) {
      const li = document.createElement("li");
      li.textContent = t;
      if (!items.length) li.className = "none";
      return li;
    }));
  }

  const clockFormat = new Intl.DateTimeFormat("sv-SE", { timeZone: text.timezone, hour: "2-digit", minute: "2-digit",
    hour12: false });

  function renderShift(doc) {
    // A wall screen stays open across shifts: the window moves with the counts the server sends.
    if (!doc.shift_start) return;
    const start = document.getElementById("shift-start");
    if (start.getAttribute("datetime") === doc.shift_start) return;
    const end = document.getElementById("shift-end");
    start.setAttribute("datetime", doc.shift_start);
    start.textContent = clockFormat.format(new Date(doc.shift_start));
    end.setAttribute("datetime", doc.shift_end);
    end.textContent = clockFormat.format(new Date(doc.shift_end));
    document.getElementById("shift-name").textContent = doc.shift_label || doc.shift_name;
  }

  function render(doc) {
    renderShift(doc);
    doc.stations.forEach(renderStation);
    renderAlarms(doc.stations);
  }

  function markLive() {
    lastEvent = Date.now();
    note.dataset.state = "live";
    note.textContent = text.textLive;
    delete board.dataset.connection;
  }

  function markDown() {
    note.dataset.state = "reconnecting";
    note.textContent = text.textReconnecting;
    board.dataset.connection = "lost";
  }

  // The stream was refused (every stream slot busy, session expired): read the status once, then
  // try the stream again; a busy server so still updates the page every few seconds.
  async function fallback() {
    try {
      const response = await fetch(text.statusUrl, { headers: { Accept: "application/json" } });
      if (response.status === 401) { window.location.reload(); return; }
      if (response.ok) { render(await response.json()); markLive(); }
    } catch (err) { /* the server is away: the next attempt will tell */ }
    retryTimer = setTimeout(connect, RETRY_MS);
  }

  function connect() {
    clearTimeout(retryTimer);
    if (source) source.close();
    source = new EventSource(text.eventsUrl);
    source.addEventListener("status", function (event) {
      render(JSON.parse(event.data));
      markLive();
    });
    source.addEventListener("heartbeat", function () { markLive(); });
    // The server ends each stream after a while: open the next one at once, without a red badge.
    source.addEventListener("reconnect", function () { connect(); });
    source.onerror = function () {
      markDown();
      // CONNECTING: the browser retries by itself (server restart). CLOSED: it gave up (HTTP error).
      if (source.readyState === EventSource.CLOSED) {
        source.close();
        fallback();
      }
    };
  }

  setInterval(function () {
    if (Date.now() - lastEvent > WATCHDOG_MS) { markDown(); lastEvent = Date.now(); connect(); }
  }, 1000);
  window.addEventListener("pagehide", function () { if (source) source.close(); });
  connect();
})();
