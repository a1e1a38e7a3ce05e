// The chat list: a drawer on small screens (the toggle in the top bar), search by title (the
// server's `GET /api/conversations/?q=`), and live titles (chat.js dispatches `chat:renamed`).
const _ = window.gettext || ((text) => text);
const sidebar = document.getElementById("sidebar");
const toggle = document.getElementById("drawer-toggle");
const backdrop = document.getElementById("drawer-backdrop");
const list = document.getElementById("conversation-list");
const search = document.getElementById("chat-search");
const currentId = JSON.parse(document.getElementById("initial-state")?.textContent || "null")?.conversation_id;

function setDrawer(open) {
  sidebar.classList.toggle("open", open);
  backdrop.hidden = !open;
  toggle.setAttribute("aria-expanded", String(open));
  if (open) (search || sidebar.querySelector("button, a"))?.focus();
  else if (document.activeElement && sidebar.contains(document.activeElement)) toggle.focus();
}
toggle?.addEventListener("click", () => setDrawer(!sidebar.classList.contains("open")));
backdrop?.addEventListener("click", () => setDrawer(false));
document.addEventListener("keydown", (event) => {
  if (event.key === "Escape" && sidebar.classList.contains("open")) setDrawer(false);
});

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function dateText(iso) {
  return new Date(iso).toLocaleDateString(document.documentElement.lang || undefined, { dateStyle: "short" });
}

function renderItem(conversation) {
  const item = el("li");
  item.dataset.id = conversation.id;
  const link = el("a");
  link.href = conversation.url;
  if (conversation.id === currentId) {
    item.className = "current";
    link.setAttribute("aria-current", "page");
  }
  const meta = el("span", "conversation-meta");
  const time = el("time", "", dateText(conversation.updated_at));
  time.dateTime = conversation.updated_at;
  meta.append(time);
  if (conversation.ended || conversation.reopened) {
    const tag = el("span", conversation.ended ? "tag tag-ended" : "tag tag-reopened", conversation.ended ? _("Ended") : _("Reopened"));
    tag.dataset.testid = conversation.ended ? "marker-ended" : "marker-reopened";
    meta.append(" ", tag);
  }
  link.append(el("span", "conversation-title", conversation.title || _("New chat")), meta);
  item.append(link);
  return item;
}

let searchSerial = 0;
async function runSearch() {
  const serial = ++searchSerial;
  const query = search.value.trim();
  const response = await fetch(`/api/conversations/?q=${encodeURIComponent(query)}`, { credentials: "same-origin" });
  if (!response.ok || serial !== searchSerial) return;
  const body = await response.json();
  if (serial !== searchSerial) return;
  const items = body.results.map(renderItem);
  if (!items.length) items.push(el("li", "muted empty-list", query ? _("No chat has that in its title.") : _("No chats yet.")));
  list.replaceChildren(...items);
  list.dataset.query = query;
}
let searchTimer = null;
search?.addEventListener("input", () => {
  clearTimeout(searchTimer);
  searchTimer = setTimeout(runSearch, 150);
});

document.addEventListener("chat:renamed", (event) => {
  const title = list.querySelector(`li[data-id="${event.detail.id}"] .conversation-title`);
  if (title) title.textContent = event.detail.title || _("New chat");
});
document.addEventListener("chat:ended", (event) => {
  const meta = list.querySelector(`li[data-id="${event.detail.id}"] .conversation-meta`);
  if (!meta) return;
  meta.querySelector(".tag")?.remove();
  if (event.detail.marker) {
    const tag = el("span", `tag tag-${event.detail.marker}`, event.detail.marker === "ended" ? _("Ended") : _("Reopened"));
    tag.dataset.testid = `marker-${event.detail.marker}`;
    meta.append(" ", tag);
  }
});
