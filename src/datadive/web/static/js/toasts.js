// Toasts: the server asks for one with `HX-Trigger: {"datadive:toast": {...}}`; requests that
// fail without saying why, or never reach the server, get one too.
//
// One stack on screen, newest on top, at most three shown, each with a Dismiss button.
// Confirmations fade after a few seconds (not while the pointer or the focus is in the stack);
// errors stay until dismissed. When more than three are waiting, the oldest confirmations go
// and older errors wait, hidden, until one is dismissed ("2 more").
//
// Screen readers hear each message from one of two live regions that exist from page load (a
// region added together with its text is often not announced): `#toasts-status` (polite) for
// confirmations, `#toasts-alert` (assertive) for errors. Their texts go when the toast goes, so
// reading the page later finds only what is still on screen.

const FADE_AFTER_MS = 6000;
const LEAVING_MS = 300;
const MAX_SHOWN = 3;

let serial = 0;

function parts() {
  return {
    list: document.getElementById("toasts"),
    more: document.getElementById("toasts-more"),
    status: document.getElementById("toasts-status"),
    alert: document.getElementById("toasts-alert"),
  };
}

function announcementOf(toast) {
  return document.getElementById(`${toast.id}-said`);
}

function removeToast(toast) {
  announcementOf(toast)?.remove();
  toast.remove();
  arrange();
}

// Newest first: keep three on show; drop older confirmations, hide older errors.
function arrange() {
  const { list, more } = parts();
  if (!list) return;
  const toasts = [...list.children];
  let shown = 0;
  let waiting = 0;
  for (const toast of toasts) {
    if (shown < MAX_SHOWN) {
      toast.hidden = false;
      shown += 1;
    } else if (toast.classList.contains("toast-error")) {
      toast.hidden = true;
      waiting += 1;
    } else {
      announcementOf(toast)?.remove();
      toast.remove();
    }
  }
  if (more) {
    more.hidden = waiting === 0;
    more.textContent = waiting === 1 ? "1 more error; dismiss one to see it." : `${waiting} more errors; dismiss one to see them.`;
  }
}

function held() {
  const stack = document.getElementById("toast-stack");
  return Boolean(stack && (stack.matches(":hover") || stack.contains(document.activeElement)));
}

function fadeLater(toast) {
  setTimeout(() => {
    if (!toast.isConnected) return;
    if (held()) {
      fadeLater(toast);
      return;
    }
    toast.classList.add("toast-leaving");
    setTimeout(() => { if (toast.isConnected) removeToast(toast); }, LEAVING_MS);
  }, FADE_AFTER_MS);
}

export function showToast(message, level = "info") {
  const { list, status, alert } = parts();
  if (!list) return;
  const isError = level === "error";
  serial += 1;
  const toast = document.createElement("li");
  toast.id = `toast-${serial}`;
  toast.className = `toast toast-${isError ? "error" : "info"}`;
  const text = document.createElement("p");
  if (isError) {
    // Not colour alone: an error carries a sign too.
    const sign = document.createElement("span");
    sign.setAttribute("aria-hidden", "true");
    sign.textContent = "⚠ ";
    text.append(sign);
  }
  text.append(message);
  const close = document.createElement("button");
  close.type = "button";
  close.className = "toast-dismiss";
  close.textContent = "×";
  close.setAttribute("aria-label", `Dismiss: ${message.length > 80 ? `${message.slice(0, 79)}…` : message}`);
  close.addEventListener("click", () => {
    // The focus would fall to the page's start; the next toast's button keeps it in the stack.
    const next = toast.nextElementSibling || toast.previousElementSibling;
    const hadFocus = toast.contains(document.activeElement);
    removeToast(toast);
    if (hadFocus && next && !next.hidden) next.querySelector("button")?.focus();
  });
  toast.append(text, close);
  list.prepend(toast);
  arrange();

  const region = isError ? alert : status;
  if (region) {
    const said = document.createElement("p");
    said.id = `${toast.id}-said`;
    said.textContent = message;
    region.append(said);
  }
  if (!isError) fadeLater(toast);
}

function askedForToast(xhr) {
  const header = xhr && xhr.getResponseHeader("HX-Trigger");
  return Boolean(header && header.includes("datadive:toast"));
}

function problemDetail(xhr) {
  try {
    const body = JSON.parse(xhr.responseText);
    return typeof body.detail === "string" ? body.detail : null;
  } catch {
    return null;
  }
}

export function installToasts(root) {
  root.addEventListener("datadive:toast", (event) => {
    showToast(event.detail.message, event.detail.level);
  });
  root.addEventListener("htmx:responseError", (event) => {
    const xhr = event.detail.xhr;
    if (askedForToast(xhr)) return;
    const detail = problemDetail(xhr);
    showToast(detail || `The request failed (error ${xhr.status}). Please try again.`, "error");
  });
  root.addEventListener("htmx:sendError", () => {
    showToast("Datadive could not be reached. Check your connection and try again.", "error");
  });
  root.addEventListener("htmx:timeout", () => {
    showToast("Datadive took too long to answer. Please try again.", "error");
  });
}
