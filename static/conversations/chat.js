// The chat page: renders the conversation tree's active branch, streams replies over the
// websocket, reconnects with `sync`, and resends unacknowledged messages by client_id (the server
// never duplicates them). All user and assistant text goes through textContent, never HTML.

const initial = JSON.parse(document.getElementById("initial-state").textContent);
const limits = JSON.parse(document.getElementById("limits").textContent);
const conversationId = initial.conversation_id;

const thread = document.getElementById("thread");
const statusEl = document.getElementById("status");
const composer = document.getElementById("composer");
const input = document.getElementById("composer-input");
const composerError = document.getElementById("composer-error");
const composerCount = document.getElementById("composer-count");
const lockedBanner = document.getElementById("locked-banner");

const ACTION_LABELS = {
  refuse: "Declined",
  redirect: "Declined, with another direction",
  warn: "Warning: one more such request will end this chat",
  crisis_support: "Support",
  confirm_end: "Please confirm",
};

const state = {
  messages: new Map(),
  endings: new Map(), // notice_id -> ending
  activeLeaf: null,
};
const outboxKey = `chatsite-outbox:${conversationId}`;
const outbox = new Map(JSON.parse(sessionStorage.getItem(outboxKey) || "[]"));
let socket = null;
let retryDelay = 500;
let stopped = false;
let editing = null; // id of the user message being edited

function saveOutbox() {
  sessionStorage.setItem(outboxKey, JSON.stringify([...outbox.entries()]));
}

function loadState(payload) {
  state.messages = new Map(payload.messages.map((m) => [m.id, m]));
  state.endings = new Map(payload.endings.map((e) => [e.notice_id, e]));
  state.activeLeaf = payload.active_leaf_id && state.messages.has(payload.active_leaf_id)
    ? payload.active_leaf_id
    : latestLeaf(null);
  for (const [clientId] of outbox) {
    if ([...state.messages.values()].some((m) => m.client_id === clientId)) outbox.delete(clientId);
  }
  saveOutbox();
}

function childrenOf(parentId) {
  return [...state.messages.values()]
    .filter((m) => (m.parent_id || null) === parentId)
    .sort((a, b) => (a.created_at < b.created_at ? -1 : a.created_at > b.created_at ? 1 : 0));
}

// The newest leaf below `id` (or among the roots when id is null).
function latestLeaf(id) {
  let current = id;
  for (;;) {
    const kids = childrenOf(current);
    if (kids.length === 0) return current;
    current = kids[kids.length - 1].id;
  }
}

function pathTo(leafId) {
  const path = [];
  let current = leafId ? state.messages.get(leafId) : null;
  while (current) {
    path.push(current);
    current = current.parent_id ? state.messages.get(current.parent_id) : null;
  }
  return path.reverse();
}

function lockedEnding(message) {
  if (!message) return null;
  if (message.role === "notice") {
    const ending = state.endings.get(message.id);
    return ending && !ending.reopened_at ? ending : null;
  }
  return null;
}

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function selectBranch(messageId) {
  state.activeLeaf = latestLeaf(messageId) || messageId;
  render();
  fetch(`/api/conversations/${conversationId}/`, {
    method: "PATCH",
    headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
    body: JSON.stringify({ active_leaf_id: state.activeLeaf }),
    credentials: "same-origin",
  }).catch(() => {});
}

function csrfToken() {
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
}

function renderSwitcher(message) {
  const siblings = childrenOf(message.parent_id || null).filter((m) => m.role === "user");
  if (siblings.length < 2) return null;
  const index = siblings.findIndex((m) => m.id === message.id);
  const nav = el("span", "switcher");
  nav.dataset.testid = "branch-switcher";
  const prev = el("button", "link", "‹");
  prev.type = "button";
  prev.setAttribute("aria-label", "Previous version");
  prev.disabled = index === 0;
  prev.addEventListener("click", () => selectBranch(siblings[index - 1].id));
  const next = el("button", "link", "›");
  next.type = "button";
  next.setAttribute("aria-label", "Next version");
  next.disabled = index === siblings.length - 1;
  next.addEventListener("click", () => selectBranch(siblings[index + 1].id));
  nav.append(prev, el("span", "switcher-pos", `${index + 1} / ${siblings.length}`), next);
  return nav;
}

function renderResources(resources) {
  const box = el("aside", "resources");
  box.dataset.testid = "crisis-resources";
  box.append(el("strong", "", "You can talk to someone right now:"));
  const list = el("ul");
  for (const r of resources) {
    const item = el("li");
    const name = el("span", "resource-name", r.name);
    item.append(name);
    if (r.region) item.append(el("span", "muted", ` (${r.region})`));
    if (r.contact) item.append(el("span", "", ` · ${r.contact}`));
    if (r.url && /^https?:\/\//.test(r.url)) {
      const link = el("a", "", r.url.replace(/^https?:\/\//, ""));
      link.href = r.url;
      link.rel = "noopener noreferrer";
      link.target = "_blank";
      item.append(" · ", link);
    }
    list.append(item);
  }
  box.append(list);
  return box;
}

function renderNotice(message, path) {
  const ending = state.endings.get(message.id);
  const li = el("li", "msg notice");
  li.dataset.role = "notice";
  li.dataset.id = message.id;
  li.dataset.testid = "ending-notice";
  li.append(el("div", "notice-title", "This chat has ended"));
  li.append(el("div", "content", message.content));
  if (ending && ending.reopened_at) {
    li.classList.add("reopened");
    li.append(el("p", "reopened-note", "A moderator reviewed this ending and reopened the chat. You can continue below."));
  }
  const actions = el("div", "notice-actions");
  const form = document.querySelector("form[action$='/chat/new/']");
  const newChat = el("button", "", "Start a new chat");
  newChat.type = "button";
  newChat.dataset.testid = "ended-new-chat";
  newChat.addEventListener("click", () => form && form.submit());
  actions.append(newChat);
  const lastUser = [...path].reverse().find((m) => m.role === "user");
  if (lastUser) {
    const edit = el("button", "", "Edit an earlier message");
    edit.type = "button";
    edit.dataset.testid = "ended-edit";
    edit.addEventListener("click", () => {
      editing = lastUser.id;
      render();
    });
    actions.append(edit);
  }
  if (ending) {
    const report = el("a", "button", "This was unexpected");
    report.href = `/endings/${ending.id}/`;
    report.dataset.testid = "ended-report";
    actions.append(report);
  }
  li.append(actions);
  return li;
}

function renderEditor(message) {
  const form = el("form", "editor");
  const area = el("textarea");
  area.value = message.content;
  area.maxLength = limits.max_chars;
  area.rows = 3;
  area.setAttribute("aria-label", "Edit message");
  const row = el("div", "composer-row");
  const cancel = el("button", "link", "Cancel");
  cancel.type = "button";
  cancel.addEventListener("click", () => {
    editing = null;
    render();
  });
  const save = el("button", "", "Send edited message");
  save.type = "submit";
  row.append(cancel, save);
  form.append(area, row);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (!area.value.trim()) return;
    editing = null;
    send(area.value, message.parent_id || null);
  });
  setTimeout(() => area.focus(), 0);
  return form;
}

function renderMessage(message, path) {
  if (message.role === "notice") return renderNotice(message, path);
  const li = el("li", `msg ${message.role}`);
  li.dataset.role = message.role;
  li.dataset.id = message.id;
  if (message.action) li.dataset.action = message.action;
  if (message.status === "streaming") li.classList.add("streaming");
  if (message.status === "failed") li.classList.add("failed");
  const label = ACTION_LABELS[message.action];
  if (message.role === "assistant" && label) {
    const badge = el("div", `badge badge-${message.action}`, label);
    badge.dataset.testid = `badge-${message.action}`;
    li.append(badge);
  }
  if (message.role === "user" && editing === message.id) {
    li.append(renderEditor(message));
    return li;
  }
  li.append(el("div", "content", message.content || (message.status === "streaming" ? "…" : "")));
  if (message.resources && message.resources.length) li.append(renderResources(message.resources));
  const meta = el("div", "meta");
  if (message.role === "user") {
    const switcher = renderSwitcher(message);
    if (switcher) meta.append(switcher);
    const edit = el("button", "link", "Edit");
    edit.type = "button";
    edit.dataset.testid = "edit";
    edit.addEventListener("click", () => {
      editing = message.id;
      render();
    });
    meta.append(edit);
  }
  li.append(meta);
  return li;
}

function render() {
  const path = pathTo(state.activeLeaf);
  thread.replaceChildren(...path.map((m) => renderMessage(m, path)));
  const leaf = path[path.length - 1] || null;
  for (const [clientId, item] of outbox) {
    if ((item.parent_id || null) === (leaf ? leaf.id : null) || item.parent_id === undefined) {
      const li = el("li", "msg user pending");
      li.dataset.role = "user";
      li.dataset.clientId = clientId;
      li.append(el("div", "content", item.content), el("div", "meta muted", "Sending…"));
      thread.append(li);
    }
  }
  const locked = lockedEnding(leaf);
  composer.hidden = Boolean(locked);
  lockedBanner.hidden = !locked;
  if (locked) {
    lockedBanner.textContent = "This chat has ended. Start a new chat, or edit an earlier message to continue from there.";
  }
  thread.lastElementChild?.scrollIntoView({ block: "end" });
}

function send(content, parentId) {
  composerError.textContent = "";
  if (content.length > limits.max_chars) {
    composerError.textContent = `Messages are limited to ${limits.max_chars.toLocaleString()} characters.`;
    return false;
  }
  const clientId = crypto.randomUUID();
  outbox.set(clientId, { content, parent_id: parentId });
  saveOutbox();
  transmit(clientId);
  render();
  return true;
}

function transmit(clientId) {
  const item = outbox.get(clientId);
  if (!item || !socket || socket.readyState !== WebSocket.OPEN) return;
  socket.send(JSON.stringify({ type: "message.send", client_id: clientId, parent_id: item.parent_id, content: item.content }));
}

function setStatus(text) {
  statusEl.textContent = text;
  statusEl.hidden = !text;
}

const handlers = {
  "conversation.state"(event) {
    loadState(event);
    render();
  },
  "message.created"(event) {
    const message = event.message;
    state.messages.set(message.id, message);
    const mine = message.client_id && outbox.has(message.client_id);
    if (mine) {
      outbox.delete(message.client_id);
      saveOutbox();
    }
    if (mine || (message.parent_id || null) === state.activeLeaf) state.activeLeaf = message.id;
    render();
  },
  "assistant.delta"(event) {
    let message = state.messages.get(event.message_id);
    if (!message) {
      message = { id: event.message_id, parent_id: event.parent_id, role: "assistant", content: "", status: "streaming", created_at: new Date().toISOString() };
      state.messages.set(message.id, message);
    }
    message.content += event.delta;
    if (event.parent_id === state.activeLeaf) state.activeLeaf = message.id;
    render();
  },
  "assistant.completed"(event) {
    const message = event.message;
    state.messages.set(message.id, message);
    if (message.parent_id === state.activeLeaf) state.activeLeaf = message.id;
    render();
  },
  "conversation.ended"(event) {
    state.endings.set(event.ending.notice_id, event.ending);
    render();
  },
  "conversation.reopened"(event) {
    for (const ending of state.endings.values()) {
      if (ending.id === event.ending_id) ending.reopened_at = new Date().toISOString();
    }
    render();
  },
  error(event) {
    if (event.client_id && outbox.has(event.client_id)) {
      const item = outbox.get(event.client_id);
      outbox.delete(event.client_id);
      saveOutbox();
      if (!input.value) input.value = item.content;
    }
    if (event.code === "not_found" && !event.client_id) {
      stopped = true;
      setStatus("This conversation does not exist.");
    }
    composerError.textContent = event.detail || "Something went wrong.";
    render();
  },
};

function connect() {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  socket = new WebSocket(`${scheme}://${location.host}/ws/conversations/${conversationId}/`);
  socket.addEventListener("open", () => {
    retryDelay = 500;
    setStatus("");
    socket.send(JSON.stringify({ type: "sync" }));
    for (const clientId of outbox.keys()) transmit(clientId);
  });
  socket.addEventListener("message", (event) => {
    let data;
    try {
      data = JSON.parse(event.data);
    } catch {
      return;
    }
    const handler = handlers[data.type];
    if (handler) handler(data);
    // Other modules of the page (the review notices) listen for frames here.
    window.dispatchEvent(new CustomEvent("chat:frame", { detail: data }));
  });
  socket.addEventListener("close", (event) => {
    if (stopped) return;
    if (event.code === 4401 || event.code === 4403) {
      location.href = `/accounts/login/?next=${encodeURIComponent(location.pathname)}`;
      return;
    }
    if (event.code === 4404) {
      setStatus("This conversation does not exist.");
      return;
    }
    setStatus("Connection lost. Reconnecting…");
    const delay = retryDelay + Math.random() * retryDelay * 0.3;
    retryDelay = Math.min(retryDelay * 2, 10000);
    setTimeout(connect, delay);
  });
}

composer.addEventListener("submit", (event) => {
  event.preventDefault();
  const content = input.value;
  if (!content.trim()) return;
  if (send(content, state.activeLeaf)) input.value = "";
  updateCount();
});
input.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    composer.requestSubmit();
  }
});
function updateCount() {
  const remaining = limits.max_chars - input.value.length;
  composerCount.textContent = remaining < 500 ? `${remaining.toLocaleString()} characters left` : "";
}
input.addEventListener("input", updateCount);

loadState(initial);
render();
connect();
