// The chat page: renders the conversation tree's active branch, streams replies over the
// websocket, reconnects with `sync`, and resends unacknowledged messages by client_id (the server
// never duplicates them). User text and notices go through textContent; the assistant's replies
// through the safe markdown renderer (markdown.js). The thread is a live region: a message's node
// is kept while it is unchanged, so assistive technology announces only what is new.
import { renderMarkdown } from "./markdown.js";
import { renderResources } from "./crisis.js";

const _ = window.gettext || ((text) => text);
const interpolate = window.interpolate || ((format, values) => format.replace(/%\((\w+)\)s/g, (m, k) => values[k]));

const initial = JSON.parse(document.getElementById("initial-state").textContent);
const settings = JSON.parse(document.getElementById("page-settings").textContent);
const conversationId = initial.conversation_id;

const thread = document.getElementById("thread");
const statusEl = document.getElementById("status");
const composer = document.getElementById("composer");
const input = document.getElementById("composer-input");
const composerError = document.getElementById("composer-error");
const composerCount = document.getElementById("composer-count");
const lockedBanner = document.getElementById("locked-banner");
const titleEl = document.getElementById("chat-title");

const ACTION_LABELS = {
  refuse: _("Declined"),
  redirect: _("Declined, with another direction"),
  warn: _("Warning: one more such request will end this chat"),
  crisis_support: _("Support"),
  confirm_end: _("Please confirm"),
};
const ERRORS = {
  invalid: _("That message could not be sent."),
  too_long: _("That message is too long."),
  locked: _("This chat has ended, so no more messages can be added here. You can start a new chat or edit an earlier message."),
  rate_limited: _("You are sending messages too quickly. Please wait a moment and try again."),
  not_found: _("This conversation does not exist."),
  unavailable: _("The assistant is unavailable right now. Please try again in a moment."),
};
const CLOSE_TOO_MANY_SOCKETS = 4429;

const state = {
  title: initial.title || "",
  messages: new Map(),
  endings: new Map(), // notice_id -> ending
  activeLeaf: null,
};
const outboxKey = `chatsite-outbox:${conversationId}`;
const outbox = new Map(JSON.parse(sessionStorage.getItem(outboxKey) || "[]"));
const rendered = new Map(); // key of a rendered node -> node (unchanged messages keep their node)
let socket = null;
let retryDelay = 500;
let awaitingReply = false; // the page shows a pending message or a user turn without its reply
let heardAt = Date.now(); // the last frame from the server (or the last sync sent)
let stopped = false;
let editing = null; // id of the user message being edited
const stopping = new Set(); // ids of streaming replies the user asked to stop

function saveOutbox() {
  sessionStorage.setItem(outboxKey, JSON.stringify([...outbox.entries()]));
}

function loadState(payload) {
  state.messages = new Map(payload.messages.map((m) => [m.id, m]));
  state.endings = new Map(payload.endings.map((e) => [e.notice_id, e]));
  state.activeLeaf = payload.active_leaf_id && state.messages.has(payload.active_leaf_id)
    ? payload.active_leaf_id
    : latestLeaf(null);
  const stored = new Map([...state.messages.values()].filter((m) => m.client_id).map((m) => [m.client_id, m.id]));
  for (const [clientId] of outbox) {
    if (stored.has(clientId)) outbox.delete(clientId);
  }
  for (const [clientId, item] of outbox) {
    if (!item.after) continue;
    if (stored.has(item.after)) follow(clientId, stored.get(item.after));
    else if (!outbox.has(item.after)) follow(clientId, state.activeLeaf);
  }
  saveOutbox();
  setTitle(payload.title || "");
}

// A message sent while the one before it was not acknowledged yet waits in the outbox for that
// message's id, then goes under it (the server waits it until that message is answered, then
// moves it under the reply: `message.moved`). Never a sibling.
function follow(clientId, parentId) {
  const item = outbox.get(clientId);
  if (!item) return;
  delete item.after;
  item.parent_id = parentId || null;
  saveOutbox();
  transmit(clientId);
}

function releaseFollowers(clientId, parentId) {
  for (const [id, item] of outbox) if (item.after === clientId) follow(id, parentId);
}

// The last unacknowledged message on the branch in view: a new message follows it.
function lastPending() {
  let last = null;
  for (const [clientId, item] of outbox) if (shownPending(item)) last = clientId;
  return last;
}

function shownPending(item) {
  return Boolean(item.after) || item.parent_id === undefined || (item.parent_id || null) === (state.activeLeaf || null);
}

function setTitle(title) {
  state.title = title;
  const shown = title || _("New chat");
  titleEl.textContent = shown;
  document.title = `${shown} · chatsite`;
  document.dispatchEvent(new CustomEvent("chat:renamed", { detail: { id: conversationId, title } }));
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
  if (!message || message.role !== "notice") return null;
  const ending = state.endings.get(message.id);
  return ending && !ending.reopened_at ? ending : null;
}

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function button(text, className, testid, onClick) {
  const node = el("button", className, text);
  node.type = "button";
  if (testid) node.dataset.testid = testid;
  if (onClick) node.addEventListener("click", onClick);
  return node;
}

function csrfToken() {
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
}

function api(method, body) {
  return fetch(`/api/conversations/${conversationId}/`, {
    method,
    headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: "same-origin",
  });
}

function selectBranch(messageId) {
  state.activeLeaf = latestLeaf(messageId) || messageId;
  render();
  api("PATCH", { active_leaf_id: state.activeLeaf }).catch(() => {});
}

// The versions of a message: edits of a user message, regenerated replies of an assistant one.
function siblingsOf(message) {
  return childrenOf(message.parent_id || null).filter((m) => m.role === message.role);
}

function replyFrame(type, messageId) {
  if (!socket || socket.readyState !== WebSocket.OPEN) return;
  socket.send(JSON.stringify({ type, message_id: messageId }));
}

function stopReply(message) {
  stopping.add(message.id);
  replyFrame("reply.stop", message.id);
  render();
}

function streamingAnywhere() {
  return [...state.messages.values()].some((m) => m.status === "streaming");
}

function renderSwitcher(message, siblings) {
  if (siblings.length < 2) return null;
  const index = siblings.findIndex((m) => m.id === message.id);
  const nav = el("span", "switcher");
  nav.dataset.testid = "branch-switcher";
  const prev = button("‹", "link icon-button", null, () => selectBranch(siblings[index - 1].id));
  prev.setAttribute("aria-label", _("Previous version"));
  prev.disabled = index === 0;
  const next = button("›", "link icon-button", null, () => selectBranch(siblings[index + 1].id));
  next.setAttribute("aria-label", _("Next version"));
  next.disabled = index === siblings.length - 1;
  nav.append(prev, el("span", "switcher-pos", `${index + 1} / ${siblings.length}`), next);
  return nav;
}

function renderNotice(message, path) {
  const ending = state.endings.get(message.id);
  const reopened = Boolean(ending && ending.reopened_at);
  const li = el("li", "msg notice");
  li.dataset.role = "notice";
  li.dataset.id = message.id;
  li.dataset.testid = "ending-notice";
  li.append(el("div", "notice-title", reopened ? _("This chat was reopened") : _("This chat has ended")));
  if (reopened) {
    li.classList.add("reopened");
    li.append(el("p", "reopened-note", _("A moderator reviewed this ending and reopened the chat. You can continue below.")));
  }
  const content = el("div", "content plain", message.content);
  if (ending && ending.language) content.lang = ending.language;
  li.append(content);
  const actions = el("div", "notice-actions");
  const form = document.getElementById("new-chat-form");
  actions.append(button(_("Start a new chat"), "", "ended-new-chat", () => form && form.submit()));
  const lastUser = [...path].reverse().find((m) => m.role === "user");
  if (lastUser && !reopened) {
    actions.append(button(_("Edit an earlier message"), "", "ended-edit", () => {
      editing = lastUser.id;
      render();
    }));
  }
  if (ending) {
    const report = el("a", "button", _("This was unexpected"));
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
  area.maxLength = settings.max_chars;
  area.rows = 3;
  area.setAttribute("aria-label", _("Edit message"));
  const row = el("div", "composer-row");
  const cancel = button(_("Cancel"), "secondary", null, () => {
    editing = null;
    render();
  });
  const save = el("button", "", _("Send edited message"));
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

// The assistant's reply: markdown; crisis resources once, as a card after the opening paragraph
// of a crisis-support reply, or after the whole reply otherwise.
function renderReply(li, message) {
  const content = el("div", "content markdown");
  renderMarkdown(content, message.content || "", { complete: message.status !== "streaming" });
  li.append(content);
  if (!message.resources || !message.resources.length) return;
  const card = renderResources(message.resources, settings.regions || []);
  const first = content.firstElementChild;
  if (message.action === "crisis_support" && first && first.nextElementSibling) first.after(card);
  else li.append(card);
}

function renderConfirm(message) {
  const answers = settings.confirm_answers;
  const box = el("div", "confirm-actions");
  box.dataset.testid = "confirm-end";
  box.append(
    button(_("End this chat"), "danger", "confirm-end-yes", () => send(answers.end, message.id)),
    button(_("Keep chatting"), "secondary", "confirm-end-keep", () => send(answers.keep, message.id)),
  );
  return box;
}

function renderMessage(message, path, isLeaf) {
  if (message.role === "notice") return renderNotice(message, path);
  const li = el("li", `msg ${message.role}`);
  li.dataset.role = message.role;
  li.dataset.id = message.id;
  if (message.action) li.dataset.action = message.action;
  if (message.status === "streaming") {
    li.classList.add("streaming");
    li.setAttribute("aria-busy", "true");
  }
  if (message.status === "failed") li.classList.add("failed");
  if (message.status === "stopped") li.classList.add("stopped");
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
  if (message.role === "assistant") renderReply(li, message);
  else li.append(el("div", "content plain", message.content));
  if (message.role === "assistant" && message.action === "confirm_end" && isLeaf && message.status === "complete") {
    li.append(renderConfirm(message));
  }
  const meta = el("div", "meta");
  if (message.role === "assistant" && message.status === "stopped") {
    const note = el("span", "stopped-note", _("Stopped"));
    note.dataset.testid = "stopped";
    meta.append(note);
  }
  const switcher = renderSwitcher(message, siblingsOf(message));
  if (switcher) meta.append(switcher);
  if (message.role === "user") {
    meta.append(button(_("Edit"), "link", "edit", () => {
      editing = message.id;
      render();
    }));
  }
  if (message.role === "assistant" && message.status === "streaming") {
    const stop = button(_("Stop"), "secondary stop-button", "stop", () => stopReply(message));
    stop.title = _("Stop writing this reply"); // a title, not a label: the name stays the visible word
    stop.disabled = stopping.has(message.id);
    meta.append(stop);
  }
  if (message.role === "assistant" && isLeaf && message.status !== "streaming" && !streamingAnywhere()) {
    const again = button(_("Regenerate"), "link", "regenerate", () => replyFrame("reply.regenerate", message.id));
    again.title = _("Write this reply again");
    meta.append(again);
  }
  if (meta.childElementCount) li.append(meta);
  return li;
}

// What a message's node shows; a node is rebuilt only when this changes.
function nodeKey(message, isLeaf) {
  const ending = state.endings.get(message.id);
  const siblings = message.role !== "notice" ? siblingsOf(message).map((m) => m.id).join() : "";
  const regenerate = message.role === "assistant" && isLeaf && !streamingAnywhere();
  return JSON.stringify([
    message.id, message.status, message.action, message.content, message.resources?.length || 0,
    editing === message.id, siblings, isLeaf && message.action === "confirm_end", regenerate, stopping.has(message.id),
    ending ? [ending.id, ending.reopened_at ? 1 : 0] : null,
  ]);
}

function pendingNode(clientId, item) {
  const key = `pending:${clientId}`;
  if (rendered.has(key)) return [key, rendered.get(key)];
  const li = el("li", "msg user pending");
  li.dataset.role = "user";
  li.dataset.clientId = clientId;
  li.append(el("div", "content plain", item.content), el("div", "meta muted", _("Sending…")));
  return [key, li];
}

function typingNode() {
  const key = "typing";
  if (rendered.has(key)) return [key, rendered.get(key)];
  const li = el("li", "msg assistant typing");
  li.dataset.testid = "typing";
  li.setAttribute("aria-label", _("The assistant is writing…"));
  const dots = el("span", "dots");
  dots.setAttribute("aria-hidden", "true");
  dots.append(el("span"), el("span"), el("span"));
  li.append(dots);
  return [key, li];
}

function render() {
  const path = pathTo(state.activeLeaf);
  const leaf = path[path.length - 1] || null;
  const wanted = [];
  path.forEach((message, index) => {
    const isLeaf = index === path.length - 1;
    const key = nodeKey(message, isLeaf);
    wanted.push([key, rendered.get(key) || renderMessage(message, path, isLeaf)]);
  });
  let pending = 0;
  for (const [clientId, item] of outbox) {
    if (shownPending(item)) {
      wanted.push(pendingNode(clientId, item));
      pending += 1;
    }
  }
  awaitingReply = pending > 0 || Boolean(leaf && leaf.role === "user" && !editing);
  if (awaitingReply) wanted.push(typingNode());
  rendered.clear();
  wanted.forEach(([key, node], index) => {
    rendered.set(key, node);
    if (thread.children[index] !== node) thread.insertBefore(node, thread.children[index] || null);
  });
  while (thread.children.length > wanted.length) thread.lastElementChild.remove();

  const locked = lockedEnding(leaf);
  composer.hidden = Boolean(locked);
  lockedBanner.hidden = !locked;
  if (locked) lockedBanner.textContent = _("This chat has ended. Start a new chat, or edit an earlier message to continue from there.");
  document.dispatchEvent(new CustomEvent("chat:ended", {
    detail: { id: conversationId, marker: locked ? "ended" : [...state.endings.values()].some((e) => e.reopened_at) ? "reopened" : "" },
  }));
  thread.lastElementChild?.scrollIntoView({ block: "end" });
}

function send(content, parentId, after) {
  composerError.textContent = "";
  if (content.length > settings.max_chars) {
    composerError.textContent = interpolate(_("Messages are limited to %(count)s characters."), { count: settings.max_chars.toLocaleString() }, true);
    return false;
  }
  const clientId = crypto.randomUUID();
  outbox.set(clientId, after ? { content, parent_id: null, after } : { content, parent_id: parentId });
  saveOutbox();
  transmit(clientId);
  render();
  return true;
}

function transmit(clientId) {
  const item = outbox.get(clientId);
  if (!item || item.after || !socket || socket.readyState !== WebSocket.OPEN) return;
  socket.send(JSON.stringify({ type: "message.send", client_id: clientId, parent_id: item.parent_id, content: item.content }));
}

function setStatus(text) {
  statusEl.textContent = text;
  statusEl.hidden = !text;
}

function updateStreaming(message) {
  // A delta updates the streaming node in place (aria-busy keeps it from being read out mid-way).
  const node = thread.querySelector(`li[data-id="${message.id}"]`);
  const content = node?.querySelector(".content.markdown");
  if (!content) return render();
  renderMarkdown(content, message.content, { complete: false });
  node.scrollIntoView({ block: "end" });
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
    const leaf = state.messages.get(state.activeLeaf);
    // A regenerated reply replaces the version in view; any other message that continues it follows.
    const newVersion = message.role === "assistant" && leaf && leaf.role === "assistant" && leaf.parent_id === message.parent_id;
    if (mine || newVersion || (message.parent_id || null) === state.activeLeaf) state.activeLeaf = message.id;
    if (mine) releaseFollowers(message.client_id, message.id);
    render();
    // The first message titles an untitled chat on the server: fetch the new title.
    if (!state.title && message.role === "user") socket?.send(JSON.stringify({ type: "sync" }));
  },
  "message.moved"(event) {
    // A message that waited under an unanswered one now follows that message's reply.
    const known = state.messages.get(event.message.id);
    state.messages.set(event.message.id, { ...(known || {}), ...event.message });
    render();
  },
  "reply.stopping"(event) {
    if (event.status !== "stopping") stopping.delete(event.message_id);
    render();
  },
  "assistant.delta"(event) {
    let message = state.messages.get(event.message_id);
    const fresh = !message;
    if (fresh) {
      message = { id: event.message_id, parent_id: event.parent_id, role: "assistant", content: "", status: "streaming", created_at: new Date().toISOString() };
      state.messages.set(message.id, message);
    }
    message.content += event.delta;
    if (event.parent_id === state.activeLeaf) state.activeLeaf = message.id;
    if (fresh) render();
    else updateStreaming(message);
  },
  "assistant.completed"(event) {
    const message = event.message;
    state.messages.set(message.id, message);
    stopping.delete(message.id);
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
  "conversation.renamed"(event) {
    setTitle(event.title);
  },
  "conversation.deleted"() {
    stopped = true;
    composer.hidden = true;
    setStatus(_("This chat was deleted."));
  },
  error(event) {
    if (event.client_id && outbox.has(event.client_id)) {
      const item = outbox.get(event.client_id);
      outbox.delete(event.client_id);
      saveOutbox();
      if (!input.value) input.value = item.content;
      // What waited for it goes where it would have gone.
      for (const [id, other] of outbox) {
        if (other.after !== event.client_id) continue;
        if (item.after) other.after = item.after;
        else follow(id, item.parent_id);
      }
    }
    if (event.frame === "reply.stop" || event.frame === "reply.regenerate") {
      if (event.message_id) stopping.delete(event.message_id);
      composerError.textContent = event.code === "locked" || event.code === "rate_limited"
        ? ERRORS[event.code]
        : _("That reply could not be changed. Reload the page and try again.");
      render();
      return;
    }
    if (event.code === "not_found" && !event.client_id) {
      stopped = true;
      setStatus(ERRORS.not_found);
    }
    composerError.textContent = ERRORS[event.code] || event.detail || _("Something went wrong.");
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
    heardAt = Date.now();
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
      setStatus(ERRORS.not_found);
      return;
    }
    if (event.code === CLOSE_TOO_MANY_SOCKETS) {
      // Reconnecting would only be refused again: say why, and stop.
      stopped = true;
      setStatus(_("Too many chat windows are open. Close a tab or window, then reload this page."));
      return;
    }
    setStatus(_("Connection lost. Reconnecting…"));
    const delay = retryDelay + Math.random() * retryDelay * 0.3;
    retryDelay = Math.min(retryDelay * 2, 10000);
    setTimeout(connect, delay);
  });
}

// Realtime delivery is best effort: an event can be lost while the socket stays open (a server
// re-subscribing after a Redis restart). A reply that is overdue, with nothing heard meanwhile,
// is fetched with `sync` (docs/protocol.md), at most once per period.
if (settings.overdue_sync_ms > 0) {
  setInterval(() => {
    if (!awaitingReply || stopped || !socket || socket.readyState !== WebSocket.OPEN) return;
    if (Date.now() - heardAt < settings.overdue_sync_ms) return;
    heardAt = Date.now();
    socket.send(JSON.stringify({ type: "sync" }));
  }, Math.min(settings.overdue_sync_ms, 5000));
}

// --- Rename and delete ----------------------------------------------------------------------

const renameForm = document.getElementById("rename-form");
const renameInput = document.getElementById("rename-input");
const actions = document.querySelector(".chat-actions");
function showRename(open) {
  renameForm.hidden = !open;
  titleEl.hidden = open;
  actions.hidden = open;
  if (open) {
    renameInput.value = state.title;
    renameInput.focus();
    renameInput.select();
  }
}
document.getElementById("rename-button").addEventListener("click", () => showRename(true));
document.getElementById("rename-cancel").addEventListener("click", () => showRename(false));
renameForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  const title = renameInput.value.trim();
  if (!title) return;
  const response = await api("PATCH", { title });
  if (response.ok) {
    setTitle((await response.json()).title);
    showRename(false);
  } else {
    composerError.textContent = _("The chat could not be renamed.");
  }
});

const deleteDialog = document.getElementById("delete-dialog");
document.getElementById("delete-button").addEventListener("click", () => deleteDialog.showModal());
deleteDialog.addEventListener("close", async () => {
  if (deleteDialog.returnValue !== "delete") return;
  const response = await api("DELETE");
  if (response.ok || response.status === 404) {
    stopped = true;
    location.href = "/chat/";
  } else {
    composerError.textContent = _("The chat could not be deleted.");
  }
});

composer.addEventListener("submit", (event) => {
  event.preventDefault();
  const content = input.value;
  if (!content.trim()) return;
  const waitFor = lastPending();
  if (send(content, state.activeLeaf, waitFor)) input.value = "";
  updateCount();
});
input.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    composer.requestSubmit();
  }
});
function updateCount() {
  const remaining = settings.max_chars - input.value.length;
  composerCount.textContent = remaining < 500 ? interpolate(_("%(count)s characters left"), { count: remaining.toLocaleString() }, true) : "";
}
input.addEventListener("input", updateCount);

loadState(initial);
render();
connect();
