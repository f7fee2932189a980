// Keyboard and screen-reader users should not lose their place when htmx replaces part of
// the page: focus moves to the first field with an error, else to what asks for it, unless
// the person has moved on to another field meanwhile.

export function installFocus(root) {
  let focusedAtRequest = null;
  root.addEventListener("htmx:beforeRequest", (event) => {
    focusedAtRequest = document.activeElement;
    event.detail.elt.setAttribute("aria-busy", "true");
  });
  root.addEventListener("htmx:afterRequest", (event) => {
    event.detail.elt.removeAttribute("aria-busy");
  });
  root.addEventListener("htmx:afterSettle", (event) => {
    const swapped = event.detail.elt;
    if (!(swapped instanceof Element)) return;
    // Someone who went on to another field while the answer came back keeps their place. (htmx
    // puts focus back on a swapped field with the same id: that is not moving on.)
    const active = document.activeElement;
    const stayed =
      !active ||
      active === document.body ||
      active === focusedAtRequest ||
      (active.id !== "" && active.id === focusedAtRequest?.id);
    if (!stayed) return;
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
