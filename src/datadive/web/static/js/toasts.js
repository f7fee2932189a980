// Toasts: the server asks for one with `HX-Trigger: {"datadive:toast": {...}}`; requests that
// fail without saying why, or never reach the server, get one too. Confirmations are polite
// (role=status) and fade; errors are alerts and stay until dismissed.

const FADE_AFTER_MS = 6000;

export function showToast(message, level = "info") {
  const region = document.getElementById(level === "error" ? "toasts-alert" : "toasts-status");
  if (!region) return;
  const toast = document.createElement("div");
  toast.className = `toast toast-${level}`;
  const text = document.createElement("p");
  text.textContent = message;
  const close = document.createElement("button");
  close.type = "button";
  close.textContent = "×";
  close.setAttribute("aria-label", "Dismiss");
  close.addEventListener("click", () => toast.remove());
  toast.append(text, close);
  region.append(toast);
  if (level !== "error") setTimeout(() => toast.remove(), FADE_AFTER_MS);
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
