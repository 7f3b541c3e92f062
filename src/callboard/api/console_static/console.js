// Callboard's web console: reads and drives the admin API (/_callboard/*); live through the
// server-sent events of /_callboard/events, with a periodic refresh when they are unavailable.
// Plain DOM, no build step, nothing loaded from elsewhere.
"use strict";

const ADMIN = "/_callboard";
const TOKEN_KEY = "callboard.adminToken";
const FALLBACK_REFRESH_MS = 5000;
const state = {
  tab: "calls",
  callId: null,
  deliveryId: null,
  calls: [],
  deliveries: [],
  directory: null,
  live: false,
};

// -- DOM helpers: every text goes through textContent ------------------------------------

function h(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (key === "dataset") Object.assign(node.dataset, value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

const $ = (selector) => document.querySelector(selector);
const badge = (text) => h("span", { class: `state state-${text}` }, text ?? "—");
const json = (value) => h("pre", {}, JSON.stringify(value, null, 2));
const short = (id) => (id && id.length > 13 ? `${id.slice(0, 8)}…${id.slice(-4)}` : id || "—");
const time = (iso) => (iso ? String(iso).replace("T", " ").replace(/(\.\d{3})\d*/, "$1") : "—");

// replaceChildren would write "null" for an absent part.
function fill(target, ...children) {
  target.replaceChildren(...children.flat().filter((child) => child !== null && child !== undefined));
}

function toast(message, error = false) {
  const item = h("div", { class: error ? "error" : "" }, message);
  $("#toast").append(item);
  setTimeout(() => item.remove(), error ? 8000 : 3500);
}

function table(headers, rows) {
  return h(
    "table",
    {},
    h("thead", {}, h("tr", {}, headers.map((title) => h("th", {}, title)))),
    h("tbody", {}, rows.map((cells) => h("tr", {}, cells.map((cell) => h("td", {}, cell))))),
  );
}

// -- the admin API --------------------------------------------------------------------

class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

function authHeaders() {
  const token = sessionStorage.getItem(TOKEN_KEY);
  return token ? { Authorization: `Bearer ${token}` } : {};
}

async function api(method, path, body) {
  const headers = { Accept: "application/json", ...authHeaders() };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(path.startsWith("/") ? path : `${ADMIN}/${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  let parsed = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch (_) {
    parsed = text;
  }
  if (response.status === 401) $("#token-form").hidden = false;
  if (!response.ok) {
    const message = parsed?.error?.message || `${response.status} ${response.statusText}`;
    throw new ApiError(response.status, message);
  }
  return parsed;
}

async function act(label, promise) {
  try {
    const result = await promise;
    toast(label);
    scheduleRefresh();
    return result;
  } catch (error) {
    toast(`${label}: ${error.message}`, true);
    return null;
  }
}

// -- live updates ---------------------------------------------------------------------

function setLive(live) {
  state.live = live;
  const pill = $("#live");
  pill.textContent = live ? "live" : "polling";
  pill.className = `pill ${live ? "live" : "offline"}`;
}

// fetch rather than EventSource: it can send the admin token where one is needed.
async function listen() {
  for (;;) {
    try {
      const response = await fetch(`${ADMIN}/events`, {
        headers: { Accept: "text/event-stream", ...authHeaders() },
      });
      if (!response.ok || !response.body) throw new Error(`events: ${response.status}`);
      setLive(true);
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let end;
        while ((end = buffer.indexOf("\n\n")) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          if (/^event: change$/m.test(block)) {
            const data = block.match(/^data: (.*)$/m);
            if (data) showClock(JSON.parse(data[1]).now);
            scheduleRefresh();
          }
        }
      }
    } catch (_) {
      // Fall through: polling until the stream is back.
    }
    setLive(false);
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
}

let refreshTimer = null;
function scheduleRefresh() {
  // Coalesce bursts of changes into one reload.
  if (refreshTimer) return;
  refreshTimer = setTimeout(async () => {
    refreshTimer = null;
    await refresh();
  }, 100);
}

async function refresh() {
  try {
    await Promise.all([refreshClock(), VIEWS[state.tab]()]);
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 401)) console.error(error);
  }
}

function showClock(now) {
  if (now) $("#clock").textContent = time(now);
}

async function refreshClock() {
  showClock((await api("GET", "clock")).now);
}

// -- calls ----------------------------------------------------------------------------

function identityName(identitySet) {
  if (!identitySet) return "?";
  for (const kind of ["user", "application", "applicationInstance", "phone", "guest", "encrypted"]) {
    const identity = identitySet[kind];
    if (identity) return identity.displayName || identity.id || kind;
  }
  return "?";
}

function callParties(call) {
  const from = identityName(call.source?.identity);
  const to = (call.targets || []).map((t) => identityName(t.identity)).join(", ");
  if (call.meetingInfo || call.chatInfo) return `${from} → meeting`;
  return `${from} → ${to || "?"}`;
}

async function viewCalls() {
  const params = new URLSearchParams({ $top: "1000" });
  for (const [key, value] of new FormData($("#call-filter"))) if (value) params.set(key, value);
  const page = await api("GET", `calls?${params}`);
  state.calls = (page.value || []).slice().reverse();
  const list = $("#call-list");
  list.replaceChildren(
    ...state.calls.map((call) =>
      h(
        "li",
        {
          class: call.id === state.callId ? "selected" : "",
          dataset: { callId: call.id },
          onclick: () => selectCall(call.id),
        },
        badge(call.state),
        " ",
        h("span", { class: "mono" }, short(call.id)),
        " ",
        h("span", { class: "muted" }, call.direction || ""),
        h("span", { class: "who" }, callParties(call)),
      ),
    ),
  );
  if (!state.calls.length) list.append(h("li", { class: "muted" }, "No calls yet."));
  if (state.callId) await renderCall(state.callId);
}

function selectCall(callId) {
  state.callId = callId;
  for (const li of document.querySelectorAll("#call-list li")) {
    li.classList.toggle("selected", li.dataset.callId === callId);
  }
  renderCall(callId);
}

// The admin detail (GET /_callboard/calls/{id}); where this server has none, what the Graph
// API shows the call's own application.
async function callDetail(call) {
  try {
    return await api("GET", `calls/${encodeURIComponent(call.id)}`);
  } catch (error) {
    if (error.status !== 404 && error.status !== 405) throw error;
  }
  const detail = { ...call, participants: [], operations: [] };
  const appId =
    call.source?.identity?.application?.id ||
    (call.targets || []).map((t) => t.identity?.application?.id).find(Boolean);
  if (!appId || !call.tenantId || call.state === "terminated") return detail;
  try {
    const { access_token: token } = await api("POST", "token", { app: appId, tenant: call.tenantId });
    const graph = (path) =>
      fetch(`/v1.0/communications/calls/${encodeURIComponent(call.id)}/${path}`, {
        headers: { Authorization: `Bearer ${token}` },
      }).then((r) => (r.ok ? r.json() : { value: [] }));
    const [participants, operations] = await Promise.all([graph("participants"), graph("operations")]);
    detail.participants = participants.value || [];
    detail.operations = operations.value || [];
  } catch (_) {
    // The page shows what there is.
  }
  return detail;
}

async function renderCall(callId) {
  const target = $("#call-detail");
  const call = state.calls.find((c) => c.id === callId);
  if (!call) {
    fill(target, h("p", { class: "muted" }, "Select a call."));
    return;
  }
  const [detail, deliveries] = await Promise.all([
    callDetail(call),
    api("GET", `deliveries?${new URLSearchParams({ callId, $top: "1000" })}`),
  ]);
  if (state.callId !== callId) return;
  const participants = detail.participants || [];
  const operations = detail.operations || [];
  const remote = participants.filter((p) => !p.info?.identity?.application);
  const partySelect = h(
    "select",
    { id: "party", "aria-label": "party" },
    h("option", { value: "" }, "the remote party"),
    remote.map((p) => h("option", { value: p.id }, identityName(p.info?.identity))),
  );
  // A reload keeps what the person was typing into the action fields.
  const typed = (selector, fallback) => (state.shownCallId === callId && $(selector)?.value) || fallback;
  const tones = h("input", { id: "tones", value: typed("#tones", "1"), size: 4, "aria-label": "keys" });
  const seconds = h("input", {
    id: "speak-seconds",
    type: "number",
    value: typed("#speak-seconds", "3"),
    min: "0",
    step: "any",
    "aria-label": "seconds",
  });
  partySelect.value = typed("#party", "");
  state.shownCallId = callId;
  const party = (action, extra = {}) => {
    const body = { action, ...extra };
    if (partySelect.value) body.party = partySelect.value;
    return act(`Party action ${action}`, api("POST", `calls/${encodeURIComponent(callId)}/party-actions`, body));
  };
  const ended = call.state === "terminated";
  const queue = operations.filter((o) => !["Completed", "Failed", "completed", "failed"].includes(o.status));
  fill(target, 
    h("h2", {}, badge(call.state), " ", h("span", { class: "mono" }, call.id)),
    h(
      "p",
      { class: "muted" },
      `${call.direction || ""} · ${callParties(call)} · tenant ${short(call.tenantId)}`,
      call.subject ? ` · “${call.subject}”` : "",
    ),
    h(
      "div",
      { class: "actions", id: "party-actions" },
      partySelect,
      h("button", { disabled: ended, onclick: () => party("answer") }, "Answer"),
      h("button", { class: "secondary", disabled: ended, onclick: () => party("decline") }, "Decline"),
      tones,
      h("button", { id: "press-keys", disabled: ended, onclick: () => party("pressKeys", { tones: tones.value }) }, "Press keys"),
      seconds,
      h("button", { disabled: ended, onclick: () => party("speak", { seconds: Number(seconds.value) }) }, "Speak"),
      h("button", { class: "secondary", disabled: ended, onclick: () => party("hold") }, "Hold"),
      h("button", { class: "secondary", disabled: ended, onclick: () => party("unhold") }, "Unhold"),
      h("button", { class: "danger", disabled: ended, onclick: () => party("hangUp") }, "Hang up"),
    ),
    h("h3", {}, "State timeline"),
    detail.history?.length
      ? h(
          "ul",
          { class: "timeline" },
          detail.history.map((step) => h("li", {}, badge(step.state), " ", time(step.at || step.dateTime))),
        )
      : h("p", { class: "muted" }, `Now ${call.state}. (This server keeps no history of the call.)`),
    h("h3", {}, `Participants (${participants.length})`),
    participants.length
      ? table(
          ["who", "id", "muted", "lobby", "media"],
          participants.map((p) => [
            identityName(p.info?.identity),
            h("span", { class: "mono" }, short(p.id)),
            p.isMuted ? "muted" : "",
            p.isInLobby ? "in lobby" : "",
            (p.mediaStreams || []).map((m) => `${m.mediaType}:${m.direction}`).join(" "),
          ]),
        )
      : h("p", { class: "muted" }, "—"),
    h("h3", {}, `Operations (${operations.length})`),
    operations.length
      ? table(
          ["type", "id", "status", "result"],
          operations.map((o) => [
            (o["@odata.type"] || "").replace("#microsoft.graph.", ""),
            h("span", { class: "mono" }, short(o.id)),
            badge(o.status),
            o.resultInfo ? `${o.resultInfo.code} ${o.resultInfo.message || ""}` : "",
          ]),
        )
      : h("p", { class: "muted" }, "—"),
    h("h3", {}, "Media queue"),
    (detail.mediaQueue || queue).length
      ? json(detail.mediaQueue || queue.map((o) => ({ id: o.id, type: o["@odata.type"], status: o.status })))
      : h("p", { class: "muted" }, "Empty."),
    h("h3", {}, "DTMF"),
    detail.dtmf?.length
      ? table(
          ["at", "", "party", "keys"],
          detail.dtmf.map((d) => [time(d.at), d.direction || "", d.party || "", d.keys ?? d.tones ?? ""]),
        )
      : h("p", { class: "muted" }, "—"),
    h("h3", {}, "Recordings"),
    detail.recordings?.length
      ? h(
          "div",
          {},
          detail.recordings.map((r) =>
            h(
              "p",
              {},
              h("span", { class: "mono" }, short(r.id)),
              ` ${r.durationSeconds ?? "?"} s `,
              h("audio", { controls: true, preload: "none", src: r.url }),
            ),
          ),
        )
      : h("p", { class: "muted" }, "—"),
    h("h3", {}, `Notifications (${(deliveries.value || []).length} attempts)`),
    deliveryTable(deliveries.value || [], false),
  );
}

// -- notifications (delivery attempts) -----------------------------------------------------

const field = {
  url: (d) => d.request?.url ?? d.url,
  status: (d) => d.response?.status ?? d.status_code ?? d.statusCode,
  latency: (d) => d.latencyMs ?? d.latency_ms,
  callId: (d) => d.callId ?? d.call_id,
  at: (d) => d.createdDateTime ?? d.created_at ?? d.createdAt,
};

function deliveryTable(rows, selectable) {
  return h(
    "table",
    {},
    h("thead", {}, h("tr", {}, ["#", "time", "try", "status", "ms", "outcome"].map((t) => h("th", {}, t)))),
    h(
      "tbody",
      {},
      rows.map((d) =>
        h(
          "tr",
          {
            class: selectable && d.id === state.deliveryId ? "selected" : "",
            onclick: () => {
              switchTab("notifications");
              selectDelivery(d.id);
            },
          },
          h("td", {}, d.id),
          h("td", {}, time(field.at(d))),
          h("td", {}, d.attempt),
          h("td", {}, field.status(d) ?? d.error ?? ""),
          h("td", {}, field.latency(d)),
          h("td", {}, badge(d.outcome), d.fault ? ` fault: ${JSON.stringify(d.fault)}` : ""),
        ),
      ),
    ),
  );
}

async function viewNotifications() {
  const params = new URLSearchParams({ $top: "1000" });
  for (const [key, value] of new FormData($("#delivery-filter"))) if (value) params.set(key, value);
  const page = await api("GET", `deliveries?${params}`);
  state.deliveries = (page.value || []).slice().reverse().slice(0, 300);
  $("#delivery-table tbody").replaceChildren(
    ...state.deliveries.map((d) =>
      h(
        "tr",
        { class: d.id === state.deliveryId ? "selected" : "", onclick: () => selectDelivery(d.id) },
        h("td", {}, d.id),
        h("td", {}, time(field.at(d))),
        h("td", { class: "mono" }, short(field.callId(d))),
        h("td", {}, d.attempt),
        h("td", {}, field.status(d) ?? "—"),
        h("td", {}, field.latency(d)),
        h("td", {}, badge(d.outcome)),
      ),
    ),
  );
  renderDelivery();
}

function selectDelivery(id) {
  state.deliveryId = id;
  viewNotifications();
}

function curlOf(d) {
  const quote = (s) => `'${String(s).replace(/'/g, "'\\''")}'`;
  const parts = [`curl -X POST ${quote(field.url(d))}`];
  for (const [name, value] of Object.entries(d.request?.headers || {})) {
    parts.push(`-H ${quote(`${name}: ${value}`)}`);
  }
  if (d.request?.body !== undefined) parts.push(`--data-raw ${quote(JSON.stringify(d.request.body))}`);
  return parts.join(" \\\n  ");
}

function renderDelivery() {
  const target = $("#delivery-detail");
  const d = state.deliveries.find((x) => x.id === state.deliveryId);
  if (!d) {
    fill(target, h("p", { class: "muted" }, "Select a delivery."));
    return;
  }
  const curl = curlOf(d);
  fill(target, 
    h("h2", {}, `Delivery ${d.id} `, badge(d.outcome)),
    h(
      "p",
      { class: "muted" },
      `attempt ${d.attempt} · ${field.latency(d)} ms · call `,
      h("span", { class: "mono" }, field.callId(d) || "—"),
      d.job_id ? ` · job ${d.job_id}` : "",
    ),
    h(
      "div",
      { class: "actions" },
      h(
        "button",
        { onclick: () => act("Redelivery queued", api("POST", `deliveries/${d.id}/redeliver`)) },
        "Redeliver",
      ),
      h(
        "button",
        {
          class: "secondary",
          onclick: async () => {
            try {
              await navigator.clipboard.writeText(curl);
              toast("curl command copied");
            } catch (_) {
              toast("Copy the command below (the clipboard is not available here).", true);
            }
          },
        },
        "Copy as curl",
      ),
    ),
    h("h3", {}, "Request"),
    h("p", { class: "mono" }, `POST ${field.url(d)}`),
    d.request?.headers ? json(d.request.headers) : null,
    d.request?.body !== undefined ? json(d.request.body) : h("p", { class: "muted" }, "(no body on record)"),
    h("h3", {}, "Response"),
    h("p", {}, `status ${field.status(d) ?? "—"}`, d.error ? ` · ${d.error}` : ""),
    d.response?.body ? h("pre", {}, d.response.body) : null,
    d.fault ? h("p", {}, `injected fault: ${JSON.stringify(d.fault)}`) : null,
    h("h3", {}, "As curl"),
    h("pre", {}, curl),
  );
}

// -- meetings -------------------------------------------------------------------------

async function viewMeetings() {
  const [page, directory] = await Promise.all([api("GET", "meetings"), loadDirectory()]);
  const users = directory.users || [];
  const meetings = page.value || [];
  $("#meeting-list").replaceChildren(
    ...meetings.map((m) => {
      const who = h(
        "select",
        { "aria-label": "user" },
        h("option", { value: "" }, "a guest"),
        users
          .filter((u) => u.tenantId === m.tenantId)
          .map((u) => h("option", { value: u.userPrincipalName || u.id }, u.displayName || u.id)),
      );
      const guest = h("input", { placeholder: "guest name or +phone", size: 14 });
      const join = () => {
        const body = {};
        if (who.value) body.userId = who.value;
        else if (guest.value.startsWith("+")) body.phone = guest.value;
        else body.displayName = guest.value || "Guest";
        return act("Joined", api("POST", `meetings/${encodeURIComponent(m.id)}/participants`, body));
      };
      const roster = m.roster || [];
      return h(
        "article",
        { class: "detail meeting" },
        h("h2", {}, m.subject || "(no subject)", " ", h("span", { class: "muted mono" }, short(m.id))),
        h(
          "p",
          { class: "muted" },
          `join id ${m.joinMeetingIdSettings?.joinMeetingId || "—"} · `,
          `lobby bypass: ${m.lobbyBypassSettings?.scope || "default"} · ${roster.length} in the roster`,
        ),
        h("div", { class: "actions" }, "Make ", who, " or ", guest, h("button", { onclick: join }, "join")),
        roster.length
          ? table(
              ["who", "id", "muted", "where", ""],
              roster.map((p) => [
                identityName(p.info?.identity),
                h("span", { class: "mono" }, short(p.id)),
                p.isMuted ? "muted" : "",
                p.isInLobby ? badge("lobby") : "in the meeting",
                h(
                  "span",
                  {},
                  p.isInLobby
                    ? h(
                        "button",
                        {
                          onclick: () =>
                            act("Admitted", api("POST", `meetings/${encodeURIComponent(m.id)}/participants/${p.id}/admit`)),
                        },
                        "Admit",
                      )
                    : null,
                  " ",
                  h(
                    "button",
                    {
                      class: "secondary",
                      onclick: () =>
                        act("Left", api("DELETE", `meetings/${encodeURIComponent(m.id)}/participants/${p.id}`)),
                    },
                    "Leave",
                  ),
                ),
              ]),
            )
          : h("p", { class: "muted" }, "Nobody is in this meeting."),
      );
    }),
  );
  if (!meetings.length) $("#meeting-list").append(h("p", { class: "muted" }, "No meetings yet."));
}

// -- SMS ------------------------------------------------------------------------------

async function viewSms() {
  const page = await api("GET", "sms?$top=1000");
  $("#sms-table tbody").replaceChildren(
    ...(page.value || [])
      .slice()
      .reverse()
      .map((m) =>
        h(
          "tr",
          { title: m.text || "" },
          h("td", { class: "mono" }, short(m.id)),
          h("td", {}, m.type),
          h("td", {}, m.to),
          h("td", {}, badge(m.status)),
          h("td", {}, time(m.dueDateTime || m.createdDateTime)),
          h("td", {}, m.reason || ""),
        ),
      ),
  );
}

// -- directory (never a secret: fields are picked, not copied) ------------------------------

async function loadDirectory() {
  if (!state.directory) state.directory = await api("GET", "directory");
  return state.directory;
}

async function viewDirectory() {
  state.directory = null;
  const d = await loadDirectory();
  $("#directory").replaceChildren(
    h("h3", {}, "Tenants"),
    table(["name", "id"], (d.tenants || []).map((t) => [t.displayName || "", t.id])),
    h("h3", {}, "Users"),
    table(
      ["name", "UPN", "id", "tenant", "phone"],
      (d.users || []).map((u) => [u.displayName || "", u.userPrincipalName || "", u.id, short(u.tenantId), u.phone || ""]),
    ),
    h("h3", {}, "Applications"),
    table(
      ["name", "app id", "tenants", "incoming calls to"],
      (d.applications || []).map((a) => [
        a.displayName || "",
        a.appId,
        (a.tenants || []).map(short).join(", "),
        a.callingWebhookUrl || "",
      ]),
    ),
    h("h3", {}, "Numbers (application instances)"),
    table(
      ["name", "number", "id", "app"],
      (d.applicationInstances || []).map((i) => [i.displayName || "", i.phoneNumber || "", i.id, i.appId || ""]),
    ),
  );
}

// -- tabs and forms -------------------------------------------------------------------

const VIEWS = {
  calls: viewCalls,
  notifications: viewNotifications,
  meetings: viewMeetings,
  sms: viewSms,
  directory: viewDirectory,
};

function switchTab(tab) {
  state.tab = tab;
  for (const button of document.querySelectorAll("#tabs button")) {
    button.classList.toggle("active", button.dataset.tab === tab);
  }
  for (const name of Object.keys(VIEWS)) $(`#tab-${name}`).hidden = name !== tab;
  scheduleRefresh();
}

async function prefillIncoming() {
  try {
    const d = await loadDirectory();
    const form = $("#incoming-form");
    const app = (d.applications || []).find((a) => a.callingWebhookUrl) || (d.applications || [])[0];
    if (app && !form.toAppId.value) form.toAppId.value = app.appId;
    if (app && !form.tenantId.value) form.tenantId.value = (app.tenants || [])[0] || "";
  } catch (_) {
    // The admin token may be needed first.
  }
}

function wire() {
  for (const button of document.querySelectorAll("#tabs button")) {
    button.addEventListener("click", () => switchTab(button.dataset.tab));
  }
  for (const form of ["#call-filter", "#delivery-filter"]) {
    $(form).addEventListener("input", scheduleRefresh);
    $(form).addEventListener("submit", (event) => event.preventDefault());
  }
  $("#advance-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const seconds = Number($("#advance-seconds").value);
    act(`Clock advanced ${seconds} s`, api("POST", "clock/advance", { seconds }));
  });
  $("#token-form").addEventListener("submit", (event) => {
    event.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, $("#admin-token").value.trim());
    $("#token-form").hidden = true;
    prefillIncoming();
    scheduleRefresh();
  });
  $("#incoming-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = {};
    for (const [key, value] of new FormData(event.target)) if (value) body[key] = value;
    if (body.fromPhone) delete body.fromUserId;
    const call = await act("Incoming call placed", api("POST", "incoming-calls", body));
    if (call) {
      state.callId = call.id;
      scheduleRefresh();
    }
  });
}

wire();
setLive(false);
prefillIncoming();
refresh();
listen();
// The fallback: while the event stream is down, reload now and then.
setInterval(() => {
  if (!state.live) scheduleRefresh();
}, FALLBACK_REFRESH_MS);
