// Light or dark: the system's choice (prefers-color-scheme) until the person picks one with the
// toggle, remembered in localStorage. Loaded in <head>, before the styles, so no page flashes.
(function () {
  const KEY = "chatsite-theme";
  const root = document.documentElement;
  const saved = (() => {
    try {
      return localStorage.getItem(KEY);
    } catch {
      return null;
    }
  })();
  if (saved === "light" || saved === "dark") root.dataset.theme = saved;

  function effective() {
    if (root.dataset.theme) return root.dataset.theme;
    return window.matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
  }

  document.addEventListener("DOMContentLoaded", () => {
    const toggle = document.getElementById("theme-toggle");
    if (!toggle) return;
    const show = () => toggle.setAttribute("aria-pressed", String(effective() === "dark"));
    show();
    window.matchMedia("(prefers-color-scheme: dark)").addEventListener("change", show);
    toggle.addEventListener("click", () => {
      const next = effective() === "dark" ? "light" : "dark";
      root.dataset.theme = next;
      try {
        localStorage.setItem(KEY, next);
      } catch {
        // Private mode: the choice lasts for this page only.
      }
      show();
    });
  });
})();
