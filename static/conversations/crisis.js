// The crisis resources card: shown once per reply, with tappable tel: and sms: links, the
// resources of the person's regions first (hints from the server: Accept-Language and language).
const _ = window.gettext || ((text) => text);
const interpolate = window.interpolate || ((format, values) => format.replace(/%\((\w+)\)s/g, (m, k) => values[k]));

const NUMBER = /\+?\d[\d\s-]{1,16}\d|\b\d{3,}\b/g;

// "Call or text 988", "Text HOME to 741741", "Call 0800 111 0 111 or 0800 111 0 222 (free, 24/7)",
// "112 (EU and many countries), 911 (US & Canada)": every number becomes a link: sms: when the
// nearest word before it is "text" (with the keyword as the message body), tel: when it is
// "call" or nothing, both for "call or text".
export function contactLinks(contact) {
  const links = [];
  const add = (kind, number, body) => {
    if (!links.some((link) => link.kind === kind && link.number === number)) links.push({ kind, number, body });
  };
  for (const match of contact.matchAll(/\b[Tt]ext\s+([A-Z][A-Z0-9]+)\s+to\s+(\+?\d[\d\s-]*\d)/g)) {
    add("sms", digits(match[2]), match[1]);
  }
  for (const match of contact.matchAll(NUMBER)) {
    const number = digits(match[0]);
    if (number.length < 3 || links.some((link) => link.number === number)) continue;
    const before = contact.slice(0, match.index).toLowerCase();
    const keyword = (before.match(/call or text|text|sms|call/g) || []).pop() || "call";
    if (keyword !== "text" && keyword !== "sms") add("tel", number);
    if (keyword !== "call") add("sms", number);
  }
  return links.sort((a, b) => (a.kind === b.kind ? 0 : a.kind === "tel" ? -1 : 1));
}

function digits(text) {
  const plus = text.trim().startsWith("+") ? "+" : "";
  return plus + text.replace(/\D/g, "");
}

export function orderResources(resources, hints) {
  const rank = (resource) => {
    const region = (resource.region || "").toLowerCase();
    const index = hints.findIndex((hint) => region.includes(hint.toLowerCase()));
    return index === -1 ? hints.length : index;
  };
  return resources
    .map((resource, index) => ({ resource, index, rank: rank(resource) }))
    .sort((a, b) => a.rank - b.rank || a.index - b.index)
    .map((entry) => entry.resource);
}

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

export function renderResources(resources, hints) {
  const box = el("aside", "resources");
  box.dataset.testid = "crisis-resources";
  box.setAttribute("aria-label", _("Support you can reach now"));
  box.append(el("strong", "", _("You can talk to someone right now:")));
  const list = el("ul");
  for (const resource of orderResources(resources, hints)) {
    const item = el("li");
    item.dataset.region = resource.region || "";
    const head = el("div", "resource-head");
    head.append(el("span", "resource-name", resource.name));
    if (resource.region) head.append(el("span", "resource-region", resource.region));
    item.append(head);
    if (resource.contact) item.append(el("div", "resource-contact", resource.contact));
    const actions = el("div", "resource-actions");
    for (const link of contactLinks(resource.contact || "")) {
      const a = el("a", `button resource-${link.kind}`);
      let label = _("Call %(number)s");
      if (link.kind === "sms") label = link.body ? _("Text %(keyword)s to %(number)s") : _("Text %(number)s");
      a.textContent = interpolate(label, { number: link.number, keyword: link.body || "" }, true);
      a.href = link.kind === "tel" ? `tel:${link.number}` : `sms:${link.number}${link.body ? `?&body=${encodeURIComponent(link.body)}` : ""}`;
      a.dataset.testid = `resource-${link.kind}`;
      actions.append(a);
    }
    if (resource.url && /^https:\/\//.test(resource.url)) {
      const site = el("a", "resource-site", resource.url.replace(/^https:\/\//, ""));
      site.href = resource.url;
      site.rel = "noopener noreferrer";
      site.target = "_blank";
      actions.append(site);
    }
    if (actions.childElementCount) item.append(actions);
    list.append(item);
  }
  box.append(list);
  return box;
}
