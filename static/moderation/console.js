// The console's keyboard navigation, confirm dialogs and bulk selection. Everything here is an
// accelerator over plain forms and links: without JavaScript the same actions work, and a
// consequential POST without `confirmed=yes` gets the server's own confirm page.

const QUEUE_KEY = "console-queue"; // the case ids of the last queue page, in order, for j/k on a case

function typing(target) {
  return target instanceof HTMLElement && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
}

function openDialog(dialog) {
  if (!dialog.open) dialog.showModal();
}

// --- Help overlay --------------------------------------------------------------------------------

const help = document.getElementById("kb-help");
function toggleHelp() {
  if (!help) return;
  if (help.open) help.close();
  else openDialog(help);
}
document.querySelectorAll("[data-kb-help-open]").forEach((button) => button.addEventListener("click", toggleHelp));

// --- Confirm dialogs -------------------------------------------------------------------------------

const confirmDialog = document.getElementById("confirm-dialog");
let pendingForm = null;

function confirmFirst(form) {
  const title = confirmDialog.querySelector("h2");
  const detail = confirmDialog.querySelector(".confirm-detail");
  const preview = confirmDialog.querySelector(".confirm-preview");
  const yes = confirmDialog.querySelector("[data-confirm-yes]");
  title.textContent = form.dataset.confirm;
  detail.textContent = form.dataset.confirmDetail || "";
  yes.textContent = form.dataset.confirmButton || "Confirm";
  preview.replaceChildren();
  preview.hidden = true;
  if (form.hasAttribute("data-confirm-preview")) {
    // What the user will read: the chosen reason and the message, as text.
    const reason = form.querySelector("select[name=reason]");
    const note = form.querySelector("textarea[name=note]");
    const rows = [
      ["The user will read", reason && reason.selectedOptions[0] ? reason.selectedOptions[0].textContent : ""],
      ["Your message", note && note.value.trim() ? note.value.trim() : "(none)"],
    ];
    for (const [label, value] of rows) {
      const dt = document.createElement("dt");
      dt.textContent = label;
      const dd = document.createElement("dd");
      dd.textContent = value;
      preview.append(dt, dd);
    }
    preview.hidden = false;
  }
  pendingForm = form;
  openDialog(confirmDialog);
  yes.focus();
}

if (confirmDialog) {
  confirmDialog.querySelector("[data-confirm-yes]").addEventListener("click", () => {
    const form = pendingForm;
    pendingForm = null;
    confirmDialog.close();
    if (!form) return;
    const flag = document.createElement("input");
    flag.type = "hidden";
    flag.name = "confirmed";
    flag.value = "yes";
    form.append(flag);
    form.submit(); // no second submit event: the dialog was the confirmation
  });
  confirmDialog.querySelector("[data-confirm-no]").addEventListener("click", () => {
    pendingForm = null;
    confirmDialog.close();
  });
  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.dataset.confirm) return;
    event.preventDefault();
    confirmFirst(form);
  });
}

// Enter in a verdict's reason list submits that form; Ctrl+Enter in a textarea submits its form.
document.addEventListener("keydown", (event) => {
  const target = event.target;
  if (event.key !== "Enter" || !(target instanceof HTMLElement)) return;
  const form = target.closest("form");
  if (!form) return;
  if (target.tagName === "SELECT" && form.classList.contains("verdict-form")) {
    event.preventDefault();
    form.requestSubmit();
  } else if (target.tagName === "TEXTAREA" && (event.ctrlKey || event.metaKey)) {
    event.preventDefault();
    form.requestSubmit();
  }
});

// --- The queue: rows, selection, bulk -------------------------------------------------------------

const list = document.querySelector("[data-kb-list]");
const rows = list ? [...list.querySelectorAll("[data-kb-row]")] : [];
let current = -1;

function highlight(index) {
  if (!rows.length) return;
  current = Math.max(0, Math.min(rows.length - 1, index));
  rows.forEach((row, number) => {
    row.classList.toggle("kb-current", number === current);
    row.setAttribute("aria-selected", number === current ? "true" : "false");
  });
  rows[current].scrollIntoView({ block: "nearest" });
}

const selectedCount = document.querySelector("[data-selected-count]");
function countSelected() {
  if (selectedCount) selectedCount.textContent = String(document.querySelectorAll("[data-kb-select]:checked").length);
}
document.querySelectorAll("[data-kb-select]").forEach((box) => box.addEventListener("change", countSelected));
countSelected();

if (list) {
  const ids = [...list.querySelectorAll("a[data-case-id]")].map((link) => link.dataset.caseId);
  sessionStorage.setItem(QUEUE_KEY, JSON.stringify({ ids, url: location.pathname + location.search }));
}

// --- The case page: previous and next case of the queue the moderator came from ---------------

const caseHead = document.querySelector("[data-case-id]:not(a)");
const caseNav = document.querySelector("[data-kb-case-nav]");
let neighbours = { prev: null, next: null, queue: "/moderation/" };
if (caseHead && caseNav) {
  let stored = null;
  try {
    stored = JSON.parse(sessionStorage.getItem(QUEUE_KEY) || "null");
  } catch {
    stored = null;
  }
  const ids = stored && Array.isArray(stored.ids) ? stored.ids : [];
  const index = ids.indexOf(caseHead.dataset.caseId);
  if (stored && stored.url && stored.url.startsWith("/moderation/")) neighbours.queue = stored.url;
  if (index >= 0) {
    neighbours = { ...neighbours, prev: ids[index - 1] || null, next: ids[index + 1] || null };
    const prev = caseNav.querySelector("[data-kb-prev]");
    const next = caseNav.querySelector("[data-kb-next]");
    prev.hidden = !neighbours.prev;
    next.hidden = !neighbours.next;
    if (neighbours.prev) prev.href = `/moderation/cases/${neighbours.prev}/`;
    if (neighbours.next) next.href = `/moderation/cases/${neighbours.next}/`;
    caseNav.querySelector("[data-kb-position]").textContent = `${index + 1} of ${ids.length} on the queue page`;
    caseNav.hidden = false;
  }
}

function focusField(selector) {
  const field = document.querySelector(selector);
  if (!field) return false;
  field.scrollIntoView({ block: "center" });
  field.focus();
  return true;
}

function submitClaim(form) {
  if (form) form.requestSubmit();
}

const queueKeys = {
  j: () => highlight(current + 1),
  k: () => highlight(current - 1),
  o: () => rows[current]?.querySelector("[data-kb-open]")?.click(),
  Enter: () => rows[current]?.querySelector("[data-kb-open]")?.click(),
  x: () => {
    const box = rows[current]?.querySelector("[data-kb-select]");
    if (box) {
      box.checked = !box.checked;
      countSelected();
    }
  },
  c: () => submitClaim(rows[current]?.querySelector("form[data-kb-claim]")),
  u: () => document.querySelector("[data-kb-bulk-uphold]")?.click(),
};

const caseKeys = {
  j: () => neighbours.next && (location.href = `/moderation/cases/${neighbours.next}/`),
  k: () => neighbours.prev && (location.href = `/moderation/cases/${neighbours.prev}/`),
  c: () => submitClaim(document.querySelector("form[data-kb-claim]")),
  u: () => focusField("[data-testid=upheld-reason]"),
  o: () => focusField("[data-testid=overturned-reason]"),
  n: () => focusField("[data-testid=internal-note]"),
  q: () => (location.href = neighbours.queue),
};

document.addEventListener("keydown", (event) => {
  if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
  if (document.querySelector("dialog[open]") && event.key !== "?") return;
  if (typing(event.target)) return;
  if (event.key === "?") {
    event.preventDefault();
    toggleHelp();
    return;
  }
  const keys = list ? queueKeys : caseHead ? caseKeys : null;
  const action = keys && keys[event.key];
  if (!action) return;
  if (event.key === "Enter" && event.target instanceof HTMLElement && event.target.closest("a, button")) return;
  event.preventDefault();
  if (list && current < 0 && (event.key === "j" || event.key === "k")) {
    highlight(0);
    return;
  }
  action();
});
