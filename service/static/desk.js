/* The fact-check desk: renders the JSON API's answers (POST /v1/check, POST /v1/check/text,
   GET /v1/articles/<id>, GET /v1/speakers/<id>/claims). Plain DOM, no framework, no build step. */
"use strict";

const API_KEY_STORAGE = "factcheck-api-key";

/* Stance labels: always a word and a symbol, never colour alone. */
const STANCES = {
  supports: { label: "Supports", symbol: "✓" },
  refutes: { label: "Refutes", symbol: "✗" },
  discusses: { label: "Both sides", symbol: "⇄" },
  neutral: { label: "Neutral", symbol: "–" },
  unrelated: { label: "Unrelated", symbol: "–" },
};
/* An article's verdict (FNC-1 labels) in the claim's words. */
const SOURCE_VERDICTS = { agree: "supports", disagree: "refutes", discuss: "discusses", unrelated: "unrelated" };
const VOICES = {
  asserts: "asserts", denies: "denies", admits: "admits", alleges: "alleges", reports: "reports",
  refuses_to_confirm: "refuses to confirm",
};
const FIELD_NAMES = {
  statement: "Statement", q: "Statement", text: "Text", k: "Number of matches",
  min_check_worthiness: "Minimum check-worthiness", json: "Request",
};

/* ---------- small DOM helpers ---------- */
function el(tag, attributes, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "class") node.className = value;
    else if (name === "text") node.textContent = value;
    else node.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function badge(kind, extra) {
  const stance = STANCES[kind] || STANCES.neutral;
  return el("span", { class: `badge badge-${kind in STANCES ? kind : "neutral"}` },
    el("span", { "aria-hidden": "true" }, stance.symbol + " "), stance.label, extra ? ` ${extra}` : "");
}

function percent(value) {
  return `${Math.round(value * 100)} %`;
}

function plural(count, one, many) {
  return count === 1 ? one : many;
}

/* ---------- talking to the API ---------- */
class ApiError extends Error {}

function apiKey() {
  const input = document.getElementById("api-key");
  return input ? input.value.trim() : "";
}

async function callApi(method, url, body) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (apiKey()) headers["X-API-Key"] = apiKey();
  let response;
  try {
    response = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (error) {
    throw new ApiError("The service could not be reached. Check that it is running and try again.");
  }
  let data = null;
  try {
    data = await response.json();
  } catch (error) {
    data = null;
  }
  if (!response.ok) throw new ApiError(plainError(response, data));
  return data;
}

function describeDetails(details) {
  if (!details || typeof details !== "object") return "";
  const parts = [];
  for (const [field, messages] of Object.entries(details)) {
    const name = FIELD_NAMES[field] || field;
    const text = Array.isArray(messages) ? messages.join(" ")
      : typeof messages === "object" ? describeDetails(messages) : String(messages);
    parts.push(`${name}: ${text}`);
  }
  return parts.join("; ");
}

/* The API's JSON error ({"error": {status, code, message, details}}) in plain words. */
function plainError(response, data) {
  const error = (data && data.error) || {};
  const status = error.status || response.status;
  const requestId = response.headers.get("X-Request-ID");
  switch (status) {
    case 400: return `The service could not read the request (${error.message || "bad request"}).`;
    case 401: return "This service needs an API key. Enter it under “API key” at the bottom of the page and try again.";
    case 403: return "This API key is not allowed to do that.";
    case 404: return `Not found: ${error.message || "nothing at this address"}.`;
    case 413: return "The text is too long for the service. Shorten it and try again.";
    case 422: return `Please correct the request. ${describeDetails(error.details) || error.message || ""}`.trim();
    case 429: {
      const wait = response.headers.get("Retry-After");
      return `Too many requests. Wait ${wait ? `${wait} seconds` : "a moment"} and try again.`;
    }
    case 503: return "The service is starting or busy. Try again in a moment.";
    default:
      return `The service failed to answer (error ${status}). Try again; if it keeps failing, give the ` +
        `service's operators this request id: ${requestId || "unknown"}.`;
  }
}

/* ---------- status, errors, results ---------- */
function announce(message) {
  document.getElementById("status").textContent = message;
}

function showError(message) {
  const box = document.getElementById("error");
  box.hidden = !message;
  box.textContent = message ? `Error: ${message}` : "";
}

function showResults(...nodes) {
  const section = document.getElementById("results");
  const body = document.getElementById("results-body");
  body.replaceChildren(...nodes);
  section.hidden = nodes.length === 0;
}

/* While a request runs the submit button says so ("Checking…") and cannot be pressed twice. */
function setBusy(form, busy) {
  if (!form) return;
  form.setAttribute("aria-busy", busy ? "true" : "false");
  for (const button of form.querySelectorAll("button[type=submit]")) {
    if (busy) button.dataset.label = button.textContent;
    button.textContent = busy ? "Checking…" : button.dataset.label || button.textContent;
    button.disabled = busy;
  }
}

/* ---------- a claim with its speaker, voice, outlet, date, link and article ---------- */
const articleCache = new Map();
let articleRegions = 0;

async function loadArticle(articleId) {
  if (!articleCache.has(articleId)) {
    articleCache.set(articleId, callApi("GET", `/v1/articles/${encodeURIComponent(articleId)}`)
      .catch((error) => { articleCache.delete(articleId); throw error; }));
  }
  return articleCache.get(articleId);
}

function speakerLine(claim) {
  const speaker = claim.speaker;
  const parts = [];
  if (speaker) {
    const name = speaker.id !== undefined && speaker.id !== null
      ? el("a", { href: `/speakers/${speaker.id}`, class: "speaker-link" }, speaker.name)
      : el("strong", {}, speaker.name);
    parts.push(name);
    const about = [speaker.role, speaker.organisation].filter(Boolean).join(", ");
    if (about) parts.push(`, ${about}`);
  } else {
    parts.push(el("span", { class: "muted" }, "Speaker not named"));
  }
  if (claim.voice) {
    const voice = VOICES[claim.voice] || claim.voice;
    parts.push(" · ", el("span", { class: "voice" }, voice), claim.verb ? ` (“${claim.verb}”)` : "");
  }
  return el("p", { class: "claim-speaker" }, parts);
}

function sourceLine(source, options) {
  const parts = [];
  if (!(options && options.withoutOutlet)) parts.push(source.outlet || "Outlet not named");
  if (source.published) {
    parts.push(parts.length ? " · " : "Published ", el("time", { datetime: source.published }, source.published));
  }
  if (source.title) parts.push(parts.length ? " · " : "", el("cite", {}, source.title));
  if (source.url) {
    parts.push(parts.length ? " · " : "", el("a", { href: source.url, rel: "noopener noreferrer" }, "Open the source"));
  }
  return parts.length ? el("p", { class: "claim-source" }, parts) : null;
}

function articleExcerpt(article, span) {
  const text = article.text || "";
  const start = Math.max(0, Math.min(span.start, text.length));
  const end = Math.max(start, Math.min(span.end, text.length));
  const mark = el("mark", {}, text.slice(start, end));
  const container = el("div", { class: "article-text", tabindex: "-1", "aria-label": "Article text, the claim highlighted" },
    el("p", { class: "help" }, `${article.title || "Article"}${article.outlet ? ` · ${article.outlet}` : ""}`),
    el("div", { class: "article-body" }, text.slice(0, start), mark, text.slice(end)));
  return { container, mark };
}

function articleToggle(claim) {
  const source = claim.source || {};
  if (!source.article_id || !claim.span) return null;
  articleRegions += 1;  // one claim can be shown twice (text mode): ids stay unique
  const regionId = `article-region-${articleRegions}`;
  const region = el("div", { id: regionId, class: "article-region", hidden: true });
  const button = el("button", { type: "button", class: "secondary", "aria-expanded": "false", "aria-controls": regionId },
    "Show in its article");
  button.addEventListener("click", async () => {
    const open = button.getAttribute("aria-expanded") === "true";
    if (open) {
      region.hidden = true;
      button.setAttribute("aria-expanded", "false");
      button.textContent = "Show in its article";
      return;
    }
    button.disabled = true;
    try {
      const article = await loadArticle(source.article_id);
      const { container, mark } = articleExcerpt(article, claim.span);
      region.replaceChildren(container);
      region.hidden = false;
      button.setAttribute("aria-expanded", "true");
      button.textContent = "Hide the article";
      mark.scrollIntoView({ block: "center" });
      container.focus({ preventScroll: true });
    } catch (error) {
      region.replaceChildren(el("p", { class: "error", role: "alert" }, `Error: ${error.message}`));
      region.hidden = false;
    } finally {
      button.disabled = false;
    }
  });
  return [button, region];
}

function reportsLine(match) {
  const reports = (match.reported_by || []).filter((r) => r.claim_id !== match.claim_id);
  if (!reports.length) return null;
  const items = reports.map((report) => el("li", {},
    report.outlet || "Outlet not named", report.published ? ` (${report.published})` : "", " ",
    badge(report.stance ? report.stance.label : "neutral")));
  return el("div", { class: "reported-by" },
    el("p", {}, `Also reported by ${reports.length} ${plural(reports.length, "other report", "other reports")}:`),
    el("ul", {}, items));
}

function matchItem(match, options) {
  const stance = match.stance || { label: "neutral", confidence: 0 };
  const children = [
    el("p", { class: "match-head" }, badge(stance.label, `(${percent(stance.confidence)} sure)`),
      el("span", { class: "similarity" }, ` Similarity ${match.similarity.toFixed(2)}`)),
    el("blockquote", { class: "claim-text" }, match.text),
    speakerLine(match),
  ];
  if (options && options.withSource) children.push(sourceLine(match.source || {}));
  if (match.context) {
    children.push(el("p", { class: "context" }, el("strong", {}, "In answer to: "), `“${match.context.text}”`));
  }
  if (match.rating) children.push(el("p", { class: "rating" }, el("strong", {}, "Fact-check rating: "), match.rating));
  children.push(reportsLine(match));
  const toggle = articleToggle(match);
  if (toggle) children.push(...toggle);
  return el("li", { class: `match stance-${stance.label}` }, children);
}

/* ---------- statement mode: matches grouped by source ---------- */
function groupBySource(body) {
  const verdicts = new Map((body.sources || []).map((s) => [s.article_id, s]));
  const groups = new Map();
  for (const match of body.matches) {
    const source = match.source || {};
    const key = source.article_id || `record:${source.url || source.outlet || match.claim_id}`;
    if (!groups.has(key)) {
      const verdict = verdicts.get(source.article_id);
      groups.set(key, {
        source, matches: [],
        verdict: verdict ? SOURCE_VERDICTS[verdict.stance] || "neutral" : (match.stance || {}).label || "neutral",
        confidence: verdict ? verdict.confidence : (match.stance || {}).confidence,
      });
    }
    groups.get(key).matches.push(match);
  }
  return [...groups.values()];
}

/* "2 sources support, 1 refutes": one verdict per source (``noun`` null: "2 support, 1 refutes"). */
function summarise(verdicts, noun = ["source", "sources"]) {
  const counts = { supports: 0, refutes: 0, discusses: 0, neutral: 0 };
  for (const verdict of verdicts) counts[verdict in counts ? verdict : "neutral"] += 1;
  const phrases = {
    supports: ["supports", "support"], refutes: ["refutes", "refute"],
    discusses: ["reports both sides", "report both sides"], neutral: ["is neutral", "are neutral"],
  };
  const parts = [];
  for (const [kind, [one, many]] of Object.entries(phrases)) {
    const count = counts[kind];
    if (!count) continue;
    const counted = parts.length || !noun ? "" : ` ${plural(count, noun[0], noun[1])}`;
    parts.push(`${count}${counted} ${plural(count, one, many)}`);
  }
  return parts.join(", ");
}

function renderStatementResults(body) {
  if (!body.matches.length) {
    announce("No earlier claim matches this statement.");
    showResults(el("p", {}, "Nothing similar has been said in the stored articles and fact-checks."));
    return;
  }
  const groups = groupBySource(body);
  const summary = summarise(groups.map((g) => g.verdict));
  announce(`${body.matches.length} ${plural(body.matches.length, "match", "matches")} from ${groups.length} ` +
    `${plural(groups.length, "source", "sources")}: ${summary}.`);
  const sections = groups.map((group, index) => {
    const headingId = `source-${index}`;
    return el("section", { class: "source-group", "aria-labelledby": headingId },
      el("h3", { id: headingId }, group.source.outlet || group.source.title || "Outlet not named"),
      el("p", { class: "verdict" }, "Verdict of this source: ",
        badge(group.verdict, group.confidence !== undefined ? `(${percent(group.confidence)} sure)` : "")),
      sourceLine(group.source, { withoutOutlet: true }),
      el("ol", { class: "matches" }, group.matches.map((m) => matchItem(m))));
  });
  showResults(el("p", { class: "summary" }, el("strong", {}, "Summary: "), `${summary}.`), ...sections);
}

async function runStatementCheck(statement) {
  const form = document.getElementById("statement-form");
  showError("");
  announce("Checking…");
  setBusy(form, true);
  try {
    const body = await callApi("POST", "/v1/check", { statement });
    renderStatementResults(body);
  } catch (error) {
    announce("");
    showResults();
    showError(error.message);
  } finally {
    setBusy(form, false);
  }
}

function initStatementMode() {
  const form = document.getElementById("statement-form");
  const input = document.getElementById("statement");
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const statement = input.value.trim();
    if (!statement) {
      showError("Type a statement to check.");
      input.focus();
      return;
    }
    const url = new URL(window.location.href);
    url.search = new URLSearchParams({ q: statement }).toString();
    window.history.replaceState(null, "", url);  // the address is a link to this check
    runStatementCheck(statement);
  });
  const query = new URLSearchParams(window.location.search).get("q");
  if (query && query.trim()) {
    input.value = query;
    runStatementCheck(query.trim());
  }
}

/* ---------- text mode: check-worthy sentences, ranked ---------- */
let lastTextResult = null;

function selectInText(span) {
  const textarea = document.getElementById("text");
  textarea.focus();
  textarea.setSelectionRange(span.start, span.end);
}

function textClaimItem(claim, position) {
  const summaryText = summarise(claim.matches.map((m) => (m.stance || {}).label || "neutral"), null);
  const worth = claim.check_worthiness;
  const children = [
    el("h3", { class: "worthiness" },
      el("strong", {}, `Check-worthiness ${percent(worth)}`),
      el("span", { class: "meter", "aria-hidden": "true" }, el("span", { class: "meter-fill" })),
      ` · number ${position} in text order`),
    el("blockquote", { class: "claim-text" }, claim.text),
    speakerLine(claim),
  ];
  if (claim.span) {
    const button = el("button", { type: "button", class: "secondary" }, "Select it in my text");
    button.addEventListener("click", () => selectInText(claim.span));
    children.push(button);
  }
  if (claim.matches.length) {
    children.push(el("p", { class: "summary" }, el("strong", {}, "Said before: "),
      `${claim.matches.length} ${plural(claim.matches.length, "match", "matches")}: ${summaryText}.`));
    children.push(el("ol", { class: "matches" }, claim.matches.map((m) => matchItem(m, { withSource: true }))));
  } else {
    children.push(el("p", { class: "muted" }, "Nothing similar has been said in the stored articles."));
  }
  children.push(el("p", {}, el("a", { href: `/?q=${encodeURIComponent(claim.text)}` }, "Open the full check of this claim")));
  const item = el("li", { class: "text-claim" }, children);
  item.querySelector(".meter-fill").style.width = percent(worth).replace(" ", "");
  return item;
}

function renderTextResults(body, order) {
  const claims = body.claims.map((claim, index) => ({ claim, position: index + 1 }));
  if (order === "rank") claims.sort((a, b) => b.claim.check_worthiness - a.claim.check_worthiness);
  const count = body.claims.length;
  let message = `${body.sentences} ${plural(body.sentences, "claim", "claims")} read; ${count} ` +
    `${plural(count, "is", "are")} worth checking.`;
  if (body.omitted) message += ` ${body.omitted} more were left out: only the 50 most check-worthy are checked.`;
  announce(message);
  if (!count) {
    showResults(el("p", {}, "No sentence of this text states a fact worth checking at this threshold."));
    return;
  }
  const orderControl = el("fieldset", { class: "order" }, el("legend", {}, "Order"),
    ...[["rank", "Most check-worthy first"], ["text", "As in the text"]].map(([value, label]) => el("label", {},
      el("input", { type: "radio", name: "order", value, checked: value === order }), ` ${label}`)));
  orderControl.addEventListener("change", (event) => {
    renderTextResults(lastTextResult, event.target.value);
    document.querySelector(`input[name="order"][value="${event.target.value}"]`).focus();
  });
  const list = el("ol", { class: "ranked" }, claims.map(({ claim, position }) => textClaimItem(claim, position)));
  showResults(el("p", { class: "summary" }, message), orderControl, list);
}

const EXAMPLE_TEXT = `Good evening, and thank you all for being here.

The foreign minister said on Monday that Iran had supplied a small number of drones to Russia months before the war in Ukraine.

We believe this conflict must end.

Ukrainian President Volodymyr Zelensky said that Russia had ordered about 2,000 drones from Iran.

Is anyone surprised?

Iranian officials have long denied arming Russia in its war on Ukraine.`;

function initTextMode() {
  const form = document.getElementById("text-form");
  const textarea = document.getElementById("text");
  document.getElementById("example-text").addEventListener("click", () => {
    textarea.value = EXAMPLE_TEXT;
    textarea.focus();
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = textarea.value;
    if (!text.trim()) {
      showError("Paste a text to check.");
      textarea.focus();
      return;
    }
    showError("");
    announce("Reading the text and checking its claims… this can take a little while for a long text.");
    setBusy(form, true);
    try {
      const request = { text, k: Number(document.getElementById("text-k").value) };
      const threshold = document.getElementById("min-check-worthiness").value;
      if (threshold) request.min_check_worthiness = Number(threshold);
      lastTextResult = await callApi("POST", "/v1/check/text", request);
      renderTextResults(lastTextResult, "rank");
    } catch (error) {
      announce("");
      showResults();
      showError(error.message);
    } finally {
      setBusy(form, false);
    }
  });
}

/* ---------- speaker page: the timeline, position changes marked ---------- */
function claimDate(claim) {
  return claim.date || (claim.source || {}).published || null;
}

function describeChange(previous, claim) {
  const verb = (c) => {  // "denied (2023-03-03)"; the outlet when the date is unknown
    const when = claimDate(c) || (c.source || {}).outlet;
    return `${c.verb || VOICES[c.voice] || "said"}${when ? ` (${when})` : ""}`;
  };
  return `${verb(previous)}, then ${verb(claim)}`;
}

function renderTimeline(body) {
  const speaker = body.speaker;
  document.title = `${speaker.name} · Fact-check desk`;
  const heading = document.getElementById("speaker-name");
  heading.textContent = speaker.name;
  const details = [speaker.role, speaker.organisation].filter(Boolean).join(", ");
  const aliases = (speaker.aliases || []).length ? ` Also written: ${speaker.aliases.join(", ")}.` : "";
  document.getElementById("speaker-details").textContent =
    `${details ? `${details}. ` : ""}${speaker.claims} ${plural(speaker.claims, "claim", "claims")} stored.${aliases}`;
  const changes = [];
  const items = body.claims.map((claim, index) => {
    const pair = claim.stance_to_previous;
    const changed = Boolean(pair && pair.position_change);
    if (changed) changes.push(describeChange(body.claims[index - 1], claim));
    const date = claimDate(claim);
    const children = [
      el("h3", { class: "timeline-date" },
        date ? el("time", { datetime: date }, date) : "Date unknown",
        claim.time_text ? ` (“${claim.time_text}”)` : ""),
    ];
    if (changed) {
      children.push(el("p", { class: "position-change" },
        el("span", { class: "badge badge-change" }, el("span", { "aria-hidden": "true" }, "⚠ "), "Position change"),
        ` Contradicts the claim before (${percent(pair.confidence)} sure).`));
    } else if (pair && pair.label === "supports") {
      children.push(el("p", { class: "consistent" }, badge("supports"), " Consistent with the claim before."));
    }
    children.push(el("blockquote", { class: "claim-text" }, claim.text), speakerLine(claim),
      sourceLine(claim.source || {}));
    if (claim.context) {
      children.push(el("p", { class: "context" }, el("strong", {}, "In answer to: "), `“${claim.context.text}”`));
    }
    const toggle = articleToggle(claim);
    if (toggle) children.push(...toggle);
    return el("li", { class: changed ? "timeline-item changed" : "timeline-item" }, children);
  });
  const summary = changes.length
    ? `${changes.length} ${plural(changes.length, "position change", "position changes")}: ${changes.join("; ")}.`
    : "No change of position between consecutive claims.";
  announce(`${body.claims.length} ${plural(body.claims.length, "claim", "claims")} by ${speaker.name}; ` +
    `${changes.length} ${plural(changes.length, "position change", "position changes")}.`);
  showResults(el("p", { class: "summary" }, summary), el("ol", { class: "timeline" }, items));
}

async function initSpeakerPage() {
  const id = document.getElementById("speaker").dataset.speakerId;
  announce("Loading the speaker's claims…");
  try {
    renderTimeline(await callApi("GET", `/v1/speakers/${encodeURIComponent(id)}/claims`));
  } catch (error) {
    announce("");
    document.getElementById("speaker-name").textContent = "Speaker not available";
    showError(error.message);
  }
}

/* ---------- start ---------- */
function initApiKey() {
  const input = document.getElementById("api-key");
  if (!input) return;
  input.value = window.sessionStorage.getItem(API_KEY_STORAGE) || "";
  input.addEventListener("change", () => window.sessionStorage.setItem(API_KEY_STORAGE, input.value.trim()));
}

document.addEventListener("DOMContentLoaded", () => {
  initApiKey();
  const page = document.body.dataset.page;
  if (page === "statement") initStatementMode();
  else if (page === "text") initTextMode();
  else if (page === "speaker") initSpeakerPage();
});
