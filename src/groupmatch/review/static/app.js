// groupmatch review: the page's behaviour. The token comes from this module's own address
// (the page was served with it), and every request sends it in a header.

const token = new URL(import.meta.url).searchParams.get("token") || "";
const suffix = `?token=${encodeURIComponent(token)}`;
const { client } = await import(`./api.js${suffix}`);
const R = await import(`./render.js${suffix}`);
const api = client(token);

const $ = (selector) => document.querySelector(selector);
const page = { view: null, cards: new Map(), ctx: null, busy: 0, changes: 0 };

function context(view) {
  return {
    people: new Map(view.people.map((p) => [String(p.id), p])),
    loads: new Map(view.loads.map((l) => [String(l.id), l])),
    pins: new Set(view.pins.map(String)),
    leaderRole: view.leader_role,
    columns: view.columns,
  };
}

function showError(err) {
  const box = $("#error");
  box.textContent = String(err && err.message ? err.message : err);
  box.hidden = false;
  clearTimeout(showError.timer);
  showError.timer = setTimeout(() => { box.hidden = true; }, 8000);
}

// Run one request at a time; errors go to the red bar, the page stays as it was.
async function run(action) {
  page.busy += 1;
  document.body.classList.add("busy");
  try {
    return await action();
  } catch (err) {
    showError(err);
    return null;
  } finally {
    page.busy -= 1;
    if (!page.busy) document.body.classList.remove("busy");
  }
}

// ------------------------------------------------------------------------ drawing
function drawHeader() {
  const view = page.view;
  $("#totals").replaceChildren(...R.totals(view.score, view.terms));
  const broken = view.violations.length;
  const badge = $("#rules-state");
  badge.textContent = broken ? `${broken} hard rule${broken > 1 ? "s" : ""} broken`
    : "every hard rule holds";
  badge.className = `badge ${broken ? "bad" : "ok"}`;
  $("#undo").disabled = !view.history.undo;
  $("#redo").disabled = !view.history.redo;
  $("#pins").textContent = view.pins.length ? `${view.pins.length} pinned` : "";
  const general = $("#general");
  general.hidden = !view.general.length;
  general.replaceChildren(...(view.general.length ? [
    R.el("strong", { text: "Rules broken across the programme" }),
    R.el("ul", { class: "rules-list" }, view.general.map((v) =>
      R.el("li", { class: "rule-broken", text: `${v.rule}: ${v.message}` })))] : []));
  const loads = $("#loads");
  loads.hidden = !view.loads.length;
  const open = Boolean(loads.querySelector("details")?.open);
  loads.replaceChildren(...(view.loads.length ? R.loads(view.loads, view.leader_role, open)
    : []));
  drawUnplaced();
}

function drawUnplaced() {
  const list = page.view.unplaced;
  $("#unplaced-count").textContent = `${list.length} people`;
  $("#unplaced .members").replaceChildren(...list.map((p) =>
    R.person({ id: p.id, role: p.role }, "none", page.ctx)));
  for (const li of $("#unplaced .members").children) {
    const reason = list.find((p) => String(p.id) === li.dataset.id)?.reason;
    if (reason) li.append(R.el("span", { class: "attrs", text: reason }));
  }
}

function drawCard(group, flash = false) {
  const node = R.card(page.cards.get(group), page.ctx);
  if (flash) node.classList.add("flash");
  const old = document.querySelector(`#groups .card[data-group="${group}"]`);
  if (old) old.replaceWith(node);
  else $("#groups").append(node);
}

function drawAll(view) {
  page.view = view;
  page.ctx = context(view);
  page.cards = new Map(view.groups.map((c) => [c.group, c]));
  $("#mode").textContent = `${view.mode} · ${view.people.length} people · ` +
    `${view.n_groups} groups` + (view.include_sensitive ? " · sensitive columns shown" : "");
  $("#groups").replaceChildren(...view.groups.map((c) => R.card(c, page.ctx)));  // worst first
  drawHeader();
  applySearch();
  document.body.dataset.ready = "1";
}

function sortWorstFirst() {
  const cards = [...page.cards.values()].sort((a, b) =>
    (a.ok - b.ok) || ((a.total ?? 0) - (b.total ?? 0)) || (a.group - b.group));
  $("#groups").replaceChildren(...cards.map((c) => R.card(c, page.ctx)));
  applySearch();
}

// A change answered by the API: new totals and rules, redrawn cards where anything shown
// changed (members, broken rules, a leader's load, a pin).
function applyChange(out, title) {
  const view = page.view;
  const before = page.ctx;
  for (const key of ["score", "violations", "loads", "unplaced", "pins", "history", "general"]) {
    view[key] = out[key];
  }
  page.ctx = context(view);
  const redraw = new Set(out.groups.map((c) => c.group));
  for (const c of out.groups) page.cards.set(c.group, c);
  for (const [group, c] of page.cards) {
    const rules = out.rules[String(group)] || [];
    if (JSON.stringify(rules) !== JSON.stringify(c.rules)) redraw.add(group);
    c.rules = rules;
    c.ok = rules.length === 0;
    for (const m of c.members) {
      const id = String(m.id);
      const was = JSON.stringify(before.loads.get(id));
      const pinned = page.ctx.pins.has(id);
      if (was !== JSON.stringify(page.ctx.loads.get(id)) || pinned !== m.pinned) {
        m.pinned = pinned;
        redraw.add(group);
      }
    }
  }
  for (const group of redraw) drawCard(group, out.touched.includes(group));
  drawHeader();
  if (title) {
    const box = $("#change");
    box.replaceChildren(...R.change(title, out));
    box.hidden = false;
  }
  applySearch();
  page.changes += 1;
  document.body.dataset.changes = String(page.changes);
}

// ------------------------------------------------------------------------ actions
const groupOf = (text) => (text === "none" || text === "" || text === undefined ? null
  : Number(text));

async function move(id, from, to) {
  const out = await run(() => api.move(id, to, from));
  if (out) {
    const where = to === null ? "out of every group" : `to group ${to}`;
    applyChange(out, out.changed ? `Moved ${id} ${where}:` : `${id} stays where they are.`);
  }
}

async function swap(a, aGroup, b, bGroup) {
  const out = await run(() => api.swap(a, b, aGroup, bGroup));
  if (out) applyChange(out, `Swapped ${a} (group ${aGroup}) and ${b} (group ${bGroup}):`);
}

async function step(kind) {
  const out = await run(() => (kind === "undo" ? api.undo() : api.redo()));
  if (out) applyChange(out, kind === "undo" ? "Undone:" : "Redone:");
}

async function setPin(ids, groups, pinned) {
  const out = await run(() => (pinned ? api.pin(ids, groups) : api.unpin(ids, groups)));
  if (!out) return;
  page.view.pins = out.pins;
  page.ctx = context(page.view);
  for (const [group, c] of page.cards) {
    let changed = false;
    for (const m of c.members) {
      const now = page.ctx.pins.has(String(m.id));
      if (now !== m.pinned) { m.pinned = now; changed = true; }
    }
    if (changed) drawCard(group);
  }
  drawHeader();
  page.changes += 1;
  document.body.dataset.changes = String(page.changes);
}

async function resolve() {
  const text = $("#max-moves").value.trim();
  const button = $("#resolve");
  button.disabled = true;
  button.textContent = "Re-solving…";
  const out = await run(() => api.resolve(text === "" ? null : Number(text)));
  button.disabled = false;
  button.textContent = "Re-solve the rest";
  if (!out) return;
  const box = $("#change");
  if (!out.ok) {
    box.replaceChildren(R.el("strong", { text: `Re-solve found nothing better (${out.status}): ` }),
      out.message || "");
    box.hidden = false;
    return;
  }
  drawAll(out.state);
  const moved = out.moves.filter((m) => m.kind === "moved");
  box.replaceChildren(...R.change(`Re-solved (${out.status}), ${moved.length} ` +
    `${moved.length === 1 ? "person" : "people"} moved:`, out),
  R.el("ul", { class: "rules-list moves" }, out.moves.map((m) =>
    R.el("li", { text: `${m.id}: ${m.from ?? "none"} → ${m.to ?? "none"} (${m.kind})` +
                        (m.reason ? `, ${m.reason}` : "") }))),
  out.pins_enforced === false ? R.el("div", { class: "muted",
    text: "This mode cannot hold pins as a rule; pinned people moved: " +
          (out.pins_moved.join(", ") || "none") }) : "");
  box.hidden = false;
  page.changes += 1;
  document.body.dataset.changes = String(page.changes);
}

async function explain(kind, key) {
  const out = await run(() => (kind === "person" ? api.explainPerson(key)
    : api.explainGroup(key)));
  if (!out) return;
  $("#explain-title").textContent = kind === "person" ? `Why is ${key} here?` : `Group ${key}`;
  $("#explain-summary").textContent = out.summary || "";
  $("#explain-table").replaceChildren(R.table(kind === "person" ? out.alternatives : out.terms));
  $("#explain").showModal();
}

// ------------------------------------------------------------------------ search
function applySearch() {
  const query = $("#search").value.trim().toLowerCase();
  let first = null;
  let count = 0;
  for (const li of document.querySelectorAll("li.person")) {
    const record = page.ctx.people.get(li.dataset.id);
    const name = (record?.attrs?.name || "").toLowerCase();
    const hit = query !== "" && (li.dataset.id.toLowerCase().includes(query) ||
                                 name.includes(query));
    li.classList.toggle("match", hit);
    if (hit) { count += 1; first = first || li; }
  }
  $("#found").textContent = query ? `${count} found` : "";
  return first;
}

// ------------------------------------------------------------------------ events
let dragged = null;

document.addEventListener("dragstart", (e) => {
  const li = e.target.closest?.("li.person");
  if (!li) return;
  dragged = { id: li.dataset.id, group: li.dataset.group };
  e.dataTransfer.setData("text/plain", li.dataset.id);
  e.dataTransfer.effectAllowed = "move";
  li.classList.add("dragging");
});

function clearDrag() {
  for (const node of document.querySelectorAll(".over, .drop-swap, .dragging")) {
    node.classList.remove("over", "drop-swap", "dragging");
  }
}

document.addEventListener("dragend", () => { clearDrag(); dragged = null; });

document.addEventListener("dragover", (e) => {
  const zone = e.target.closest?.(".card");
  if (!zone || !dragged) return;
  e.preventDefault();
  e.dataTransfer.dropEffect = "move";
  clearDrag();
  zone.classList.add("over");
  const target = e.target.closest("li.person");
  if (target && target.dataset.group !== dragged.group && zone.dataset.group !== "none") {
    target.classList.add("drop-swap");
  }
});

document.addEventListener("drop", (e) => {
  const zone = e.target.closest?.(".card");
  if (!zone || !dragged) return;
  e.preventDefault();
  const source = dragged;
  clearDrag();
  dragged = null;
  const from = groupOf(source.group);
  const to = groupOf(zone.dataset.group);
  const target = e.target.closest("li.person");
  if (target && target.dataset.group !== source.group && from !== null && to !== null) {
    swap(source.id, from, target.dataset.id, groupOf(target.dataset.group));
  } else if (to !== from) {
    move(source.id, from, to);
  }
});

document.addEventListener("click", (e) => {
  const button = e.target.closest?.("button");
  if (!button) return;
  const li = button.closest("li.person");
  const cardNode = button.closest(".card");
  if (button.classList.contains("pin") && li) {
    setPin([li.dataset.id], [], !li.classList.contains("pinned"));
  } else if (button.classList.contains("why") && li) {
    explain("person", li.dataset.id);
  } else if (button.classList.contains("pin-group") && cardNode) {
    setPin([], [Number(cardNode.dataset.group)], true);
  } else if (button.classList.contains("about") && cardNode) {
    explain("group", Number(cardNode.dataset.group));
  }
});

$("#undo").addEventListener("click", () => step("undo"));
$("#redo").addEventListener("click", () => step("redo"));
$("#sort").addEventListener("click", sortWorstFirst);
$("#resolve").addEventListener("click", resolve);
$("#search").addEventListener("input", () => {
  const first = applySearch();
  if (first) first.scrollIntoView({ block: "center", behavior: "smooth" });
});
document.addEventListener("keydown", (e) => {
  if (!(e.ctrlKey || e.metaKey) || e.target.closest?.("input")) return;
  const key = e.key.toLowerCase();
  if (key === "z" && !e.shiftKey) { e.preventDefault(); step("undo"); }
  if (key === "y" || (key === "z" && e.shiftKey)) { e.preventDefault(); step("redo"); }
});
for (const link of document.querySelectorAll("#exports a")) {
  link.href = api.fileUrl(link.dataset.file);
}

const first = await run(() => api.groups());
if (first) drawAll(first);
