// Keyboard and screen-reader users should not lose their place when htmx replaces part of
// the page: focus moves to the first field with an error, else to what asks for it.

export function installFocus(root) {
  root.addEventListener("htmx:beforeRequest", (event) => {
    event.detail.elt.setAttribute("aria-busy", "true");
  });
  root.addEventListener("htmx:afterRequest", (event) => {
    event.detail.elt.removeAttribute("aria-busy");
  });
  root.addEventListener("htmx:afterSettle", (event) => {
    const swapped = event.detail.elt;
    if (!(swapped instanceof Element)) return;
    const target =
      swapped.querySelector('[aria-invalid="true"]') ||
      swapped.querySelector(".form-alert") ||
      swapped.querySelector("[data-autofocus]");
    if (target) {
      if (!target.hasAttribute("tabindex") && !target.matches("input, select, textarea, button, a")) {
        target.setAttribute("tabindex", "-1");
      }
      target.focus();
    }
  });
}
