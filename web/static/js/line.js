// Keeps the line page current: polls the status endpoint every second and updates each row.
// Plain browser JavaScript, no libraries: shop-floor terminals have no internet.
(function () {
  "use strict";
  const table = document.getElementById("stations");
  if (!table) return;
  const text = table.dataset;
  const note = document.getElementById("live-note");
  const timeFormat = new Intl.DateTimeFormat("sv-SE", {
    timeZone: text.timezone, year: "numeric", month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false,
  });

  function setCell(row, field, value) {
    const cell = row.querySelector('[data-field="' + field + '"]');
    if (cell && cell.textContent !== value) cell.textContent = value;
    return cell;
  }

  function render(station) {
    const row = table.querySelector('tr[data-station="' + station.code + '"]');
    if (!row) return;
    row.className = "group-" + station.state_group + (station.stale ? " stale" : "");
    const state = row.querySelector('[data-field="state"] .state');
    if (state) state.textContent = station.state_label;
    const conn = setCell(row, "connection", station.connected ? text.textOnline : text.textOffline);
    if (conn) conn.title = station.last_error || "";
    setCell(row, "good_count", station.good_count === null ? "—" : String(station.good_count));
    setCell(row, "bad_count", station.bad_count === null ? "—" : String(station.bad_count));
    setCell(row, "alarm_code", station.alarm_code ? String(station.alarm_code) : "—");
    const when = station.updated_at ? timeFormat.format(new Date(station.updated_at)) : text.textNodata;
    const cell = setCell(row, "updated_at", when);
    if (cell) cell.dataset.utc = station.updated_at || "";
  }

  async function refresh() {
    try {
      const response = await fetch(text.statusUrl, { headers: { Accept: "application/json" } });
      if (response.status === 401) { window.location.reload(); return; }
      if (!response.ok) throw new Error("HTTP " + response.status);
      const data = await response.json();
      data.stations.forEach(render);
      note.textContent = text.textLive;
      note.classList.remove("lost");
    } catch (err) {
      note.textContent = text.textLost;
      note.classList.add("lost");
    }
  }

  setInterval(refresh, 1000);
  refresh();
})();
