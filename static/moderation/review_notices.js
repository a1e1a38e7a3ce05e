// The notice that a person decided on one of the user's endings. Notices the user has not read
// are rendered by the server on every chat page; this adds the live one when a `review.decided`
// frame arrives on the open chat (chat.js re-dispatches every frame as a "chat:frame" event).
// The frame carries ids only: the text comes from the server-rendered <template>, in the user's
// language.

const box = document.getElementById("review-notices");
const template = document.getElementById("review-notice-template");

function showDecision(frame) {
  if (!box || !template || typeof frame.url !== "string" || !/^\/endings\/[0-9a-f-]{36}\/$/.test(frame.url)) return;
  const text = frame.verdict === "overturned" ? template.dataset.textOverturned : template.dataset.textUpheld;
  const notice = template.content.firstElementChild.cloneNode(true);
  notice.classList.add(`verdict-${frame.verdict === "overturned" ? "overturned" : "upheld"}`);
  notice.dataset.endingId = frame.ending_id;
  notice.querySelector("strong").textContent = text;
  notice.querySelector("a").href = frame.url;
  for (const old of box.querySelectorAll("[data-ending-id]")) {
    if (old.dataset.endingId === frame.ending_id) old.remove();
  }
  box.prepend(notice);
}

window.addEventListener("chat:frame", (event) => {
  if (event.detail && event.detail.type === "review.decided") showDecision(event.detail);
});
