/* The gate scanner: a scan is a place, a temperature and a pass, sent to POST /api/v1/healthpass/scans.
 *
 * When the server cannot be reached the pass is verified here (passverify.js) with the key set and
 * revocation list kept in localStorage, decided as the server would, and the scan is queued with
 * its id; the queue is sent when the connection returns and every 30 seconds. A resend carries the
 * same id, so the server records each scan once. Every visible string comes from the template
 * (#scanner-i18n); the settings from #scanner-config. */
(function () {
  "use strict";

  const form = document.getElementById("scan-form");
  if (!form) {
    return;
  }
  const config = JSON.parse(document.getElementById("scanner-config").textContent);
  const text = JSON.parse(document.getElementById("scanner-i18n").textContent);

  const place = document.getElementById("scan-place");
  const temperature = document.getElementById("scan-temperature");
  const token = document.getElementById("scan-token");
  const submitButton = form.querySelector("button[type=submit]");
  const result = document.getElementById("scan-result");
  const queueCount = document.getElementById("scan-queue-count");
  const syncStatus = document.getElementById("scan-sync-status");

  const QUEUE = config.storagePrefix + ".queue";
  const KEYS = config.storagePrefix + ".keys";
  const REVOCATIONS = config.storagePrefix + ".revocations";
  const SYNCED = config.storagePrefix + ".synced";
  const PLACE = config.storagePrefix + ".place";
  const REFRESH_MS = 5 * 60 * 1000;
  const FLUSH_MS = 30 * 1000;
  const FEVER = Number(config.feverThreshold);
  const [LOWEST, HIGHEST] = config.temperatureRange.map(Number);

  const ERROR_BOXES = {
    place_id: "scan-place-error",
    temperature: "scan-temperature-error",
    token: "scan-token-error",
    "": "scan-form-error",
  };
  const FIELDS = { place_id: place, temperature: temperature, token: token };

  function format(template, values) {
    return template.replace(/%\((\w+)\)s/g, (match, name) => (name in values ? String(values[name]) : match));
  }

  function read(key, fallback) {
    try {
      const raw = window.localStorage.getItem(key);
      return raw === null ? fallback : JSON.parse(raw);
    } catch (error) {
      return fallback;
    }
  }

  function write(key, value) {
    try {
      window.localStorage.setItem(key, JSON.stringify(value));
      return true;
    } catch (error) {
      return false;
    }
  }

  // crypto.randomUUID exists only on secure origins; getRandomValues everywhere.
  function newId() {
    if (window.crypto.randomUUID) {
      return window.crypto.randomUUID();
    }
    const bytes = window.crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    const hex = Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
    return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20)].join("-");
  }

  let timeFormat;
  try {
    timeFormat = new Intl.DateTimeFormat(document.documentElement.lang || undefined, {
      timeZone: config.timeZone,
      dateStyle: "short",
      timeStyle: "short",
    });
  } catch (error) {
    timeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "short", timeStyle: "short" });
  }

  // Errors next to their fields -------------------------------------------------------------------

  function clearErrors() {
    for (const id of Object.values(ERROR_BOXES)) {
      const box = document.getElementById(id);
      box.hidden = true;
      box.textContent = "";
    }
    for (const field of Object.values(FIELDS)) {
      field.removeAttribute("aria-invalid");
    }
  }

  function showError(field, message) {
    const name = field in FIELDS ? field : "";
    const box = document.getElementById(ERROR_BOXES[name]);
    box.textContent = message;
    box.hidden = false;
    if (FIELDS[name]) {
      FIELDS[name].setAttribute("aria-invalid", "true");
      FIELDS[name].focus();
    }
  }

  // The field a refusal names: {"field": ...} of a domain error, or the last part of a validation error's loc.
  function errorField(body) {
    if (body.field) {
      return body.field;
    }
    const first = Array.isArray(body.errors) && body.errors[0];
    return first && Array.isArray(first.loc) ? first.loc[first.loc.length - 1] : "";
  }

  // The decision, large and in colour ---------------------------------------------------------------

  function show(outcome) {
    let look = "pending";
    if (outcome.decision === "pass") {
      look = "pass";
    } else if (outcome.decision === "stop") {
      look = outcome.reason === "colour_yellow" ? "caution" : "stop";
    }
    result.className = "gate-result gate-result--" + look;
    result.dataset.decision = outcome.decision;
    result.dataset.reason = outcome.reason || "";
    result.dataset.offline = outcome.offline ? "true" : "false";
    const offlineMark = document.getElementById("scan-result-offline");
    offlineMark.hidden = !outcome.offline;
    offlineMark.textContent = text.offline;
    document.getElementById("scan-result-decision").textContent = text[outcome.decision];
    document.getElementById("scan-result-message").textContent = outcome.message;
    document.getElementById("scan-result-name").textContent = outcome.maskedName || "";
    document.getElementById("scan-result-colour").textContent = outcome.colour
      ? text.colours[outcome.colour] || outcome.colour
      : "";
    document.getElementById("scan-result-validity").textContent = outcome.expiresAt
      ? format(text.validUntil, { time: timeFormat.format(new Date(outcome.expiresAt)) })
      : "";
    document.getElementById("scan-result-temperature").textContent =
      outcome.temperature !== null && outcome.temperature !== undefined
        ? format(text.temperature, { value: outcome.temperature })
        : "";
    result.hidden = false;
    result.scrollIntoView({ block: "nearest" });
  }

  function fromServer(body) {
    return {
      decision: body.decision,
      reason: body.reason_code,
      message: body.recorded === false ? body.message + " " + text.recordedBefore : body.message,
      colour: body.colour,
      maskedName: body.masked_name,
      expiresAt: body.expires_at,
      temperature: body.temperature,
      offline: false,
    };
  }

  // Offline: the server's checks, on this device -------------------------------------------------------

  // The reading as the server would take it, or the message it would refuse it with.
  function reading(raw) {
    if (raw === null || String(raw).trim() === "") {
      return { error: text.temperatureRequired };
    }
    const value = Number(raw);
    if (!Number.isFinite(value)) {
      return { error: text.temperatureInvalid };
    }
    const rounded = Math.round(value * 10) / 10;
    if (rounded < LOWEST || rounded > HIGHEST) {
      return { error: text.temperatureImpossible };
    }
    return { value: rounded };
  }

  function undecided(message, item) {
    return { decision: "undecided", reason: "", message: message, temperature: item.temperature, offline: true };
  }

  async function decideOffline(item, value) {
    if (!window.FangyiPass || !window.FangyiPass.supported()) {
      return undecided(text.offlineUnavailable, item);
    }
    const keySet = read(KEYS, null);
    if (!keySet || !Array.isArray(keySet.keys) || !keySet.keys.length) {
      return undecided(text.noKeys, item);
    }
    const revocations = read(REVOCATIONS, { entries: {} });
    let verdict;
    try {
      verdict = await window.FangyiPass.verify(
        item.token,
        keySet,
        revocations.entries,
        Date.parse(item.scanned_at) / 1000,
        config.skewSeconds,
      );
    } catch (error) {
      return undecided(text.offlineUnavailable, item);
    }
    const claims = verdict.claims;
    let decision = "stop";
    let reason = verdict.code;
    if (verdict.ok && claims.colour !== "green") {
      reason = "colour_" + claims.colour;
    } else if (verdict.ok && value >= FEVER) {
      reason = "fever";
    } else if (verdict.ok) {
      decision = "pass";
    }
    return {
      decision: decision,
      reason: reason,
      message: text.reasons[reason] || text.unreadable,
      colour: claims ? claims.colour : "",
      maskedName: claims ? claims.maskedName : "",
      expiresAt: claims ? claims.expiresAt * 1000 : null,
      temperature: item.temperature,
      offline: true,
    };
  }

  // The queue of scans waiting to be sent ----------------------------------------------------------------

  function queue() {
    const items = read(QUEUE, []);
    return Array.isArray(items) ? items : [];
  }

  function countQueue() {
    queueCount.textContent = String(queue().length);
  }

  function enqueue(item) {
    const stored = write(QUEUE, queue().concat([item]));
    countQueue();
    return stored;
  }

  function dequeue(id) {
    write(QUEUE, queue().filter((item) => item.id !== id));
    countQueue();
  }

  async function post(item) {
    const response = await fetch(config.scansUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        Accept: "application/json",
        "Content-Type": "application/json",
        "X-CSRFToken": config.csrfToken,
      },
      body: JSON.stringify(item),
    });
    let body = null;
    try {
      body = await response.json();
    } catch (error) {
      body = null;
    }
    return { status: response.status, body: body || {} };
  }

  // The session ended, or its CSRF token went stale with a new sign-in: the scan waits for a sign-in.
  function signedOut(answer) {
    return answer.status === 401 || (answer.status === 403 && answer.body.code === "forbidden");
  }

  /* Send the queue in order. An answer (2xx, or a 4xx refusal) takes the scan off the queue; no
   * network, a server error or an ended session stops and keeps the rest for later. */
  async function sendQueue() {
    let sent = 0;
    for (const item of queue()) {
      let answer;
      try {
        answer = await post(item);
      } catch (error) {
        break;
      }
      if (answer.status >= 500) {
        break;
      }
      if (signedOut(answer)) {
        syncStatus.textContent = text.signInAgain;
        break;
      }
      dequeue(item.id);
      if (answer.status < 300) {
        sent += 1;
      }
    }
    return sent;
  }

  let flushing = null;

  function flush() {
    if (!flushing) {
      flushing = sendQueue().finally(() => {
        flushing = null;
      });
    }
    return flushing;
  }

  // Keys and revocations for offline checks ---------------------------------------------------------------

  function showSynced() {
    if (!window.FangyiPass || !window.FangyiPass.supported()) {
      syncStatus.textContent = text.offlineUnavailable;
      return;
    }
    const synced = read(SYNCED, null);
    syncStatus.textContent = synced
      ? format(text.offlineData, { time: timeFormat.format(new Date(synced)) })
      : text.offlineDataMissing;
  }

  // A delta from /revocations: a full list replaces the held one, otherwise it is merged in.
  function applyRevocations(held, delta) {
    if (!delta || !Number.isInteger(delta.version) || !Array.isArray(delta.entries)) {
      return false;
    }
    const entries = delta.full ? {} : Object.assign({}, held.entries);
    for (const [subject, revokedBefore] of delta.entries) {
      entries[subject] = Math.max(revokedBefore, entries[subject] ?? revokedBefore);
    }
    // Entries older than a pass's lifetime can no longer revoke anything.
    const cutoff = Date.now() / 1000 - config.passTtlSeconds - config.skewSeconds;
    for (const subject of Object.keys(entries)) {
      if (entries[subject] < cutoff) {
        delete entries[subject];
      }
    }
    return write(REVOCATIONS, { version: delta.version, entries: entries });
  }

  async function getJson(url) {
    const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
    return response.ok ? response.json() : null;
  }

  async function refreshOfflineData() {
    try {
      const keySet = await getJson(config.keysUrl);
      if (keySet && Array.isArray(keySet.keys)) {
        write(KEYS, keySet);
      }
      const held = read(REVOCATIONS, { version: 0, entries: {} });
      const delta = await getJson(config.revocationsUrl + "?since=" + encodeURIComponent(held.version || 0));
      if (keySet && applyRevocations(held, delta)) {
        write(SYNCED, Date.now());
      }
    } catch (error) {
      // No connection: the stored key set and revocations stay in use.
    }
    showSynced();
  }

  // A scan ------------------------------------------------------------------------------------------------

  async function recordOffline(item) {
    const checked = reading(item.temperature);
    if (checked.error) {
      showError("temperature", checked.error);
      return;
    }
    const queued = Object.assign({}, item, { offline: true });
    if (!enqueue(queued)) {
      showError("", text.storageFull);
      return;
    }
    show(await decideOffline(queued, checked.value));
    clearInputs();
  }

  function clearInputs() {
    token.value = "";
    temperature.value = "";
  }

  // The disabled button is the lock: a scan is answered before the next one is taken.
  async function submit() {
    if (submitButton.disabled) {
      return;
    }
    clearErrors();
    const code = token.value.trim();
    if (!place.value) {
      showError("place_id", text.placeRequired);
      return;
    }
    if (!code) {
      showError("token", text.codeRequired);
      return;
    }
    const item = {
      id: newId(),
      place_id: Number(place.value),
      token: code,
      temperature: temperature.value === "" ? null : temperature.value,
      scanned_at: new Date().toISOString(),
      offline: false,
    };
    submitButton.disabled = true;
    try {
      let answer = null;
      try {
        answer = await post(item);
      } catch (error) {
        answer = null;
      }
      if (answer === null || answer.status >= 500) {
        await recordOffline(item);
      } else if (signedOut(answer)) {
        await recordOffline(item);
        syncStatus.textContent = text.signInAgain;
      } else if (answer.status < 300) {
        show(fromServer(answer.body));
        clearInputs();
        if (queue().length) {
          flush();
        }
      } else {
        showError(errorField(answer.body), answer.body.message || text.refused);
      }
    } finally {
      submitButton.disabled = false;
    }
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    // Enter after the temperature moves on to the code, which a handheld scanner then types.
    if (document.activeElement === temperature && temperature.value !== "" && !token.value.trim()) {
      token.focus();
      return;
    }
    submit();
  });

  // A code read by the camera is checked at once when the temperature is in; else it waits for it.
  form.addEventListener("fangyi:code", () => {
    if (temperature.value !== "") {
      submit();
    } else {
      temperature.focus();
    }
  });

  // The place: the one in the address, else the one used last on this device, else the only one.
  function restorePlace() {
    const options = Array.from(place.options).filter((option) => option.value);
    const saved = read(PLACE, "");
    if (!place.value && options.some((option) => option.value === saved)) {
      place.value = saved;
    } else if (!place.value && options.length === 1) {
      place.value = options[0].value;
    }
    rememberPlace();
  }

  function rememberPlace() {
    if (!place.value) {
      return;
    }
    write(PLACE, place.value);
    const url = new URL(window.location.href);
    url.searchParams.set("place", place.value);
    window.history.replaceState(null, "", url);
  }

  place.addEventListener("change", rememberPlace);
  document.getElementById("scan-flush").addEventListener("click", () => flush());
  window.addEventListener("online", () => {
    flush();
    refreshOfflineData();
  });

  restorePlace();
  countQueue();
  showSynced();
  refreshOfflineData();
  flush();
  window.setInterval(refreshOfflineData, REFRESH_MS);
  window.setInterval(flush, FLUSH_MS);

  window.fangyiScanner = {
    submitCode(code) {
      token.value = code;
      return submit();
    },
    queueLength() {
      return queue().length;
    },
    flush: flush,
  };
})();
