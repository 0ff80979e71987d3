// Operator terminal: scanner input wherever the focus is, actions posted in the background with the
// result swapped in, sound and colour feedback, and the machine panel refreshed every second.
(function () {
  "use strict";
  const root = document.querySelector(".terminal");
  if (!root) return;
  const work = document.getElementById("work");
  const scanForm = document.getElementById("scan-form");
  const scan = document.getElementById("scan");
  const machinePanel = document.getElementById("machine-panel");
  const downtimeForm = document.getElementById("downtime-form");
  const PANEL_MS = 1000;
  const BURST_GAP_MS = 50; // a scanner types faster than any person
  // The screen's own refreshes are not the operator's activity: the session still ends after the idle time.
  const BACKGROUND = { "X-Terminal-Partial": "1", "X-Background-Refresh": "1" };
  let audio = null;
  let queue = Promise.resolve();

  function editable(el) {
    return el && (el.tagName === "TEXTAREA" || el.tagName === "SELECT" ||
      (el.tagName === "INPUT" && !["button", "submit", "checkbox", "radio", "hidden"].includes(el.type)));
  }

  function tone(freq, start, length, type) {
    const osc = audio.createOscillator();
    const gain = audio.createGain();
    osc.type = type;
    osc.frequency.value = freq;
    gain.gain.setValueAtTime(0.2, audio.currentTime + start);
    gain.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + start + length);
    osc.connect(gain).connect(audio.destination);
    osc.start(audio.currentTime + start);
    osc.stop(audio.currentTime + start + length);
  }

  function beep(kind) {
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      if (kind === "ok") { tone(880, 0, 0.1, "sine"); tone(1320, 0.12, 0.12, "sine"); }
      else if (kind === "error") { tone(196, 0, 0.6, "square"); }
      else { tone(440, 0, 0.25, "triangle"); }
    } catch (e) { /* no sound device: the colours still say it */ }
  }

  function feedback() {
    const outcome = work.querySelector("[data-outcome]");
    if (!outcome) return;
    const kind = outcome.dataset.outcome;
    root.dataset.flash = kind;
    root.dataset.lastOutcome = outcome.dataset.code || kind;
    setTimeout(function () { delete root.dataset.flash; }, 900);
    beep(kind);
  }

  function focusNext() {
    const lead = work.querySelector("#lead");
    (lead || scan).focus();
  }

  function gone(response) {
    // The session ended (idle timeout, sign-out elsewhere): back to the badge sign-in.
    if (response.status === 401 || (response.redirected && /\/login/.test(response.url))) {
      window.location.href = root.dataset.loginUrl;
      return true;
    }
    return false;
  }

  async function refreshPanel() {
    try {
      const response = await fetch(root.dataset.panelUrl, { credentials: "same-origin", headers: BACKGROUND });
      if (gone(response) || !response.ok) return;
      const html = await response.text();
      if (machinePanel.innerHTML !== html) machinePanel.innerHTML = html;
      const card = machinePanel.querySelector("[data-needs-reason]");
      downtimeForm.hidden = !(card && card.dataset.needsReason === "1");
      const job = machinePanel.querySelector("[data-job-status]");
      if (job && root.dataset.jobStatus && root.dataset.jobStatus !== job.dataset.jobStatus &&
          ["done", "failed"].includes(job.dataset.jobStatus)) {
        await reloadWork();
      }
      root.dataset.jobStatus = job ? job.dataset.jobStatus : "";
    } catch (e) { /* the server is away for a moment: try again on the next tick */ }
  }

  async function reloadWork() {
    const response = await fetch(root.dataset.workUrl, { credentials: "same-origin", headers: BACKGROUND });
    if (gone(response) || !response.ok) return;
    work.innerHTML = await response.text();
    feedback();
  }

  async function post(form, data) {
    root.setAttribute("aria-busy", "true");
    try {
      const response = await fetch(form.action, {
        method: "POST", body: data, credentials: "same-origin", headers: { "X-Terminal-Partial": "1" } });
      if (gone(response)) return;
      if (response.status === 400) { window.location.reload(); return; } // the form expired: a fresh page
      work.innerHTML = await response.text();
      if (form.closest("#downtime-form")) form.reset();
      feedback();
      focusNext();
      await refreshPanel();
    } catch (e) {
      form.submit(); // no background request possible: an ordinary post still works
    } finally {
      root.removeAttribute("aria-busy");
    }
  }

  document.addEventListener("submit", function (event) {
    const form = event.target;
    if (!form.hasAttribute("data-partial")) return;
    event.preventDefault();
    // Read the form now and clear the scan field at once: the next scan may arrive before the answer.
    const data = new FormData(form);
    if (event.submitter && event.submitter.name) data.append(event.submitter.name, event.submitter.value);
    if (form === scanForm) scan.value = "";
    queue = queue.then(function () { return post(form, data); }); // one action at a time, in scan order
  });

  // Keyboard-wedge scanner: keys typed while the focus is not in a text field go to the scan field;
  // a fast burst ending in Enter inside another field (a measurement) is taken out of it and scanned.
  let burst = { el: null, text: "", last: 0 };
  document.addEventListener("keydown", function (event) {
    const target = event.target;
    const now = performance.now();
    const printable = event.key.length === 1 && !event.ctrlKey && !event.altKey && !event.metaKey;
    if (printable) {
      if (burst.el !== target || now - burst.last > BURST_GAP_MS) burst = { el: target, text: "", last: now };
      burst.text += event.key;
      burst.last = now;
      if (!editable(target)) {
        event.preventDefault();
        scan.value += event.key;
        scan.focus();
      }
      return;
    }
    if (event.key !== "Enter") return;
    const fromScanner = burst.el === target && burst.text.length >= 4 && now - burst.last <= BURST_GAP_MS;
    if (target !== scan && editable(target) && fromScanner && target.type !== "password") {
      event.preventDefault();
      target.value = target.value.slice(0, Math.max(0, target.value.length - burst.text.length));
      scan.value = burst.text;
      burst = { el: null, text: "", last: 0 };
      scanForm.requestSubmit();
    } else if (!editable(target) && scan.value && (fromScanner || target === document.body)) {
      event.preventDefault();
      scanForm.requestSubmit();
    }
  }, true);

  feedback();
  focusNext();
  setInterval(refreshPanel, PANEL_MS);
})();
