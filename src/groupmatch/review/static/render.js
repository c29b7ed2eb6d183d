// Building the page's elements from the API's JSON. No HTML strings: every text goes in
// through textContent, so names and ids are shown, never run.

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key.startsWith("data-")) node.setAttribute(key, String(value));
    else node[key] = value;
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined) node.append(child);
  }
  return node;
}

export function num(x) {
  if (x === null || x === undefined) return "–";
  return Number.isInteger(x) ? String(x) : String(Number(x.toPrecision(4)));
}

export function signed(x) {
  return (x > 0 ? "+" : x < 0 ? "−" : "±") + num(Math.abs(x));
}

function loadText(load) {
  return `${load.groups}/${load.capacity_groups} groups, ` +
    `${load.mentees}/${load.capacity_mentees} people`;
}

// One person in a card: id, name, the attributes that matter, role and load, pin and why.
export function person(member, group, ctx) {
  const record = ctx.people.get(String(member.id)) || { attrs: {} };
  const attrs = record.attrs || {};
  const shown = ctx.columns.filter((c) => c !== "name" && attrs[c])
    .map((c) => `${c}: ${attrs[c]}`).join(" · ");
  const leader = member.role && member.role === ctx.leaderRole;
  const load = leader ? ctx.loads.get(String(member.id)) : undefined;
  const pinned = ctx.pins.has(String(member.id));
  return el("li", {
    class: ["person", leader ? "leader" : "", pinned ? "pinned" : ""].join(" ").trim(),
    draggable: true, "data-id": member.id, "data-group": group,
    "data-role": member.role || "",
  },
  el("span", { class: "pid", text: String(member.id) }),
  attrs.name ? el("span", { class: "name", text: attrs.name }) : null,
  member.role && ctx.leaderRole ? el("span", { class: "role", text: member.role }) : null,
  load ? el("span", { class: `load${load.over ? " over" : ""}`, text: loadText(load) }) : null,
  el("span", { class: "actions" },
    el("button", { type: "button", class: "pin", text: pinned ? "pinned" : "pin",
                   title: pinned ? "Unpin" : "Keep here when re-solving" }),
    el("button", { type: "button", class: "why", text: "why here?" })),
  shown ? el("span", { class: "attrs", text: shown }) : null);
}

// One group's card: number, topic or team, size, total, each term's score, broken rules,
// members (leaders first).
export function card(data, ctx) {
  const subject = data.topic !== undefined ? `topic ${data.topic}` :
    data.team !== undefined ? `team ${data.team}` : "";
  const scores = Object.entries(data.scores).map(([label, value]) =>
    el("li", { text: `${label} ${num(value)}` }));
  return el("article", {
    class: `card${data.ok ? "" : " broken"}`, "data-group": data.group,
  },
  el("header", {},
    el("h2", { text: `Group ${data.group}` }),
    subject ? el("span", { class: "topic", text: subject }) : null,
    el("span", { class: "size muted",
                 text: `${data.size} (${num(data.min_size)}–${num(data.max_size)})` }),
    el("span", { class: "total", text: `total ${num(data.total)}` }),
    el("button", { type: "button", class: "pin-group", text: "pin group",
                   title: "Pin every member" }),
    el("button", { type: "button", class: "about", text: "about" })),
  el("ul", { class: "scores" }, scores),
  el("ul", { class: "rules" }, data.rules.map((r) =>
    el("li", { text: `${r.rule}: ${r.message}` }))),
  el("ul", { class: "members" }, data.members.map((m) => person(m, data.group, ctx))));
}

export function totals(score, terms) {
  const weights = new Map(terms.map((t) => [t.label, t.weight]));
  const parts = [el("span", { class: "total", text: `total ${num(score.total)}` })];
  for (const [label, value] of Object.entries(score)) {
    if (label === "total") continue;
    const w = weights.get(label);
    parts.push(el("span", { "data-term": label,
                            text: `${label} ${num(value)}${w !== 1 && w != null ? ` (×${num(w)})` : ""}` }));
  }
  return parts;
}

// What the last change did: the change in each term and in total, rules broken and mended.
export function change(title, outcome) {
  const delta = outcome.delta || {};
  const items = Object.entries(delta).map(([label, value]) =>
    el("span", { class: value > 0 ? "up" : value < 0 ? "down" : "",
                 "data-term": label, text: `${label} ${signed(value)}` }));
  const parts = [el("strong", { text: title }), " ", ...items.flatMap((x) => [x, " "])];
  const broken = outcome.broken || [];
  const mended = outcome.mended || [];
  if (broken.length) {
    parts.push(el("ul", { class: "rules-list broken-rules" }, broken.map((v) =>
      el("li", { class: "rule-broken", text: `breaks ${v.rule}: ${v.message}` }))));
  }
  if (mended.length) {
    parts.push(el("ul", { class: "rules-list" }, mended.map((v) =>
      el("li", { class: "rule-mended", text: `mends ${v.rule}: ${v.message}` }))));
  }
  if (!broken.length && (outcome.violations || []).length === 0) {
    parts.push(el("div", { class: "rule-mended", text: "Every hard rule holds." }));
  }
  return parts;
}

export function table(rows) {
  if (!rows.length) return el("p", { class: "muted", text: "Nothing to list." });
  const columns = Object.keys(rows[0]);
  return el("table", {},
    el("thead", {}, el("tr", {}, columns.map((c) => el("th", { text: c })))),
    el("tbody", {}, rows.map((r) => el("tr", {}, columns.map((c) =>
      el("td", { text: typeof r[c] === "number" ? num(r[c]) :
                        r[c] === null || r[c] === undefined ? "" :
                        typeof r[c] === "object" ? JSON.stringify(r[c]) : String(r[c]) }))))));
}

export function loads(rows, leaderRole, open = false) {
  const over = rows.filter((r) => r.over).length;
  return [el("details", { open: open || over > 0 },
    el("summary", { text: `${rows.length} ${leaderRole}s and their loads` +
                          (over ? `: ${over} over capacity` : "") }),
    el("table", {},
      el("thead", {}, el("tr", {}, ["id", "groups", "people", ""].map((c) =>
        el("th", { text: c })))),
      el("tbody", {}, rows.map((r) => el("tr", { class: r.over ? "over" : "" },
        el("td", { text: String(r.id) }),
        el("td", { text: `${r.groups} of ${r.capacity_groups}` }),
        el("td", { text: `${r.mentees} of ${r.capacity_mentees}` }),
        el("td", { text: r.over ? "over capacity" : "" }))))))];
}
