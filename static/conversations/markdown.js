// Markdown for the assistant's replies, rendered safely in the page:
// - markdown-it with raw HTML off (`<script>` in a reply is text, never markup);
// - only http(s) and mailto links survive (javascript:, data:, vbscript:, file: and relative
//   links stay text); links open in a new tab without a referrer;
// - images are never loaded: an image becomes a link to its address (or its alt text);
// - DOMPurify then keeps only the tags below, as a second fence;
// - code blocks get a language label, a copy button and, once the reply is complete,
//   highlight.js (which escapes the code and adds only <span class>).
// A streaming reply is re-rendered from its whole text at each delta through the same path, so a
// half-received fence or link is exactly as safe as a finished one.
import markdownit from "./vendor/markdown-it.esm.min.js";
import DOMPurify from "./vendor/purify.es.js";
import hljs from "./vendor/highlight.min.js";

const _ = window.gettext || ((text) => text);
const SAFE_URL = /^(?:https?:|mailto:)/i;

const md = markdownit({ html: false, linkify: true, breaks: true, typographer: false });
md.validateLink = (url) => SAFE_URL.test(url.trim());
md.renderer.rules.image = (tokens, index, options, env, self) => {
  const token = tokens[index];
  const alt = self.renderInlineAsText(token.children || [], options, env);
  const src = token.attrGet("src") || "";
  const label = md.utils.escapeHtml(alt || _("image"));
  if (!SAFE_URL.test(src)) return label;
  return `<a href="${md.utils.escapeHtml(src)}" class="image-link">${label}</a>`;
};

const PURIFY = {
  ALLOWED_TAGS: [
    "p", "br", "strong", "em", "del", "s", "code", "pre", "blockquote", "ul", "ol", "li", "a",
    "h1", "h2", "h3", "h4", "h5", "h6", "hr", "table", "thead", "tbody", "tr", "th", "td", "span",
  ],
  ALLOWED_ATTR: ["href", "class", "start"],
  ALLOW_DATA_ATTR: false,
  RETURN_DOM_FRAGMENT: true,
};
DOMPurify.addHook("afterSanitizeAttributes", (node) => {
  if (node.tagName !== "A") return;
  const href = node.getAttribute("href") || "";
  if (!SAFE_URL.test(href)) {
    node.removeAttribute("href");
    return;
  }
  node.setAttribute("target", "_blank");
  node.setAttribute("rel", "noopener noreferrer nofollow");
});
hljs.configure({ ignoreUnescapedHTML: true });

export function renderMarkdown(container, text, { complete = true } = {}) {
  const fragment = DOMPurify.sanitize(md.render(text || ""), PURIFY);
  for (const code of fragment.querySelectorAll("pre > code")) decorateCode(code, complete);
  container.replaceChildren(fragment);
}

function decorateCode(code, complete) {
  const pre = code.parentElement;
  const language = [...code.classList].find((name) => name.startsWith("language-"))?.slice(9) || "";
  if (complete && (!language || hljs.getLanguage(language))) {
    try {
      hljs.highlightElement(code);
    } catch {
      // Unknown grammar or a pathological input: the code stays plain text.
    }
  }
  const block = document.createElement("div");
  block.className = "code-block";
  const head = document.createElement("div");
  head.className = "code-head";
  const label = document.createElement("span");
  label.textContent = language;
  const copy = document.createElement("button");
  copy.type = "button";
  copy.className = "copy-code";
  copy.dataset.testid = "copy-code";
  copy.textContent = _("Copy");
  copy.addEventListener("click", () => copyText(code.textContent.replace(/\n$/, ""), copy));
  head.append(label, copy);
  pre.replaceWith(block);
  block.append(head, pre);
}

async function copyText(text, button) {
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    const area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.className = "visually-hidden";
    document.body.append(area);
    area.select();
    document.execCommand("copy");
    area.remove();
  }
  button.textContent = _("Copied");
  button.dataset.copied = "true";
  setTimeout(() => {
    button.textContent = _("Copy");
    delete button.dataset.copied;
  }, 2000);
}
