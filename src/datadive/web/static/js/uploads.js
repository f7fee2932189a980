// File uploads on the project page: files chosen in the form or dropped on it are sent one by
// one to the JSON API (`data-upload-url`) with a progress bar each; what went wrong is said
// next to the file, with a way out (replace an existing file, or dismiss). Without scripts the
// same form posts to the page route.
import { showToast } from "./toasts.js";

const ZONE = "[data-upload-url]";
let queue = Promise.resolve();

function problemDetail(xhr) {
  try {
    const body = JSON.parse(xhr.responseText);
    return typeof body.detail === "string" ? body.detail : null;
  } catch {
    return null;
  }
}

function button(label, onClick) {
  const element = document.createElement("button");
  element.type = "button";
  element.className = "button button-secondary";
  element.textContent = label;
  element.addEventListener("click", onClick);
  return element;
}

function uploadItem(list, file) {
  const item = document.createElement("li");
  item.className = "upload-item";
  const name = document.createElement("span");
  name.className = "upload-name";
  name.textContent = file.name;
  const percent = document.createElement("span");
  percent.className = "upload-percent muted small";
  percent.setAttribute("aria-hidden", "true");
  const progress = document.createElement("progress");
  progress.max = 100;
  progress.value = 0;
  progress.setAttribute("aria-label", `Uploading ${file.name}`);
  const message = document.createElement("p");
  message.className = "upload-message small";
  message.textContent = "Waiting…";
  const actions = document.createElement("div");
  actions.className = "upload-actions";
  item.append(name, percent, progress, message, actions);
  list.append(item);
  return { item, percent, progress, message, actions };
}

function settle(view, state, text, ...buttons) {
  view.item.classList.remove("upload-item-error", "upload-item-done");
  if (state) view.item.classList.add(`upload-item-${state}`);
  view.message.textContent = text;
  view.actions.replaceChildren(...buttons);
}

function refreshList(zone) {
  const url = zone.dataset.filesUrl;
  if (url && window.htmx) {
    window.htmx.ajax("GET", url, { target: "#files", swap: "outerHTML" });
  }
}

function target(zone) {
  const folder = (zone.querySelector("[name=folder]")?.value || "").trim().replace(/^\/+|\/+$/g, "");
  return folder ? `${folder}/` : "";
}

function send(zone, view, file, overwrite) {
  return new Promise((resolve) => {
    const xhr = new XMLHttpRequest();
    const url = zone.dataset.uploadUrl + (overwrite ? "?overwrite=true" : "");
    xhr.open("POST", url);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.addEventListener("progress", (event) => {
      if (!event.lengthComputable) return;
      const done = Math.round((event.loaded / event.total) * 100);
      view.progress.value = done;
      view.percent.textContent = `${done}%`;
    });
    xhr.addEventListener("load", () => {
      if (xhr.status === 201) {
        view.progress.value = 100;
        view.percent.textContent = "100%";
        settle(view, "done", "Uploaded.");
        refreshList(zone);
      } else if (xhr.status === 409) {
        settle(
          view,
          "error",
          `There is already a file called “${target(zone)}${file.name}” in this project (or a folder of that name).`,
          button("Replace it", () => enqueue(zone, file, true, view)),
          button("Keep the existing file", () => view.item.remove()),
        );
      } else {
        const detail = problemDetail(xhr) || `The upload failed (error ${xhr.status}).`;
        settle(view, "error", detail, button("Dismiss", () => view.item.remove()));
      }
      resolve();
    });
    xhr.addEventListener("error", () => {
      settle(
        view,
        "error",
        "Datadive could not be reached; check your connection and try again.",
        button("Try again", () => enqueue(zone, file, overwrite, view)),
      );
      resolve();
    });
    const data = new FormData();
    const path = target(zone);
    if (path) data.append("path", path);
    data.append("file", file, file.name);
    settle(view, null, "Uploading…");
    view.progress.value = 0;
    xhr.send(data);
  });
}

function enqueue(zone, file, overwrite, existing) {
  const list = zone.querySelector(".upload-status");
  const view = existing || uploadItem(list, file);
  queue = queue.then(() => send(zone, view, file, overwrite));
}

function uploadAll(zone, files) {
  const overwrite = Boolean(zone.querySelector("[name=overwrite]")?.checked);
  for (const file of files) enqueue(zone, file, overwrite);
}

function zoneOf(event) {
  return event.target instanceof Element ? event.target.closest(ZONE) : null;
}

export function installUploads(root) {
  document.documentElement.classList.add("js");
  // Several files at once need the script (the plain form sends one per request).
  root.addEventListener("click", (event) => {
    const input = event.target instanceof HTMLInputElement && event.target.type === "file" ? event.target : null;
    if (input && input.closest(ZONE)) input.multiple = true;
  });
  root.addEventListener("submit", (event) => {
    const zone = event.target instanceof HTMLFormElement && event.target.matches(ZONE) ? event.target : null;
    if (!zone) return;
    event.preventDefault();
    const input = zone.querySelector("input[type=file]");
    if (!input || input.files.length === 0) {
      showToast("Choose one or more files to upload first.", "error");
      input?.focus();
      return;
    }
    uploadAll(zone, Array.from(input.files));
    input.value = "";
  });
  for (const name of ["dragenter", "dragover"]) {
    root.addEventListener(name, (event) => {
      const zone = zoneOf(event);
      if (!zone || !event.dataTransfer || !Array.from(event.dataTransfer.types).includes("Files")) return;
      event.preventDefault();
      event.dataTransfer.dropEffect = "copy";
      zone.classList.add("is-dragging");
    });
  }
  root.addEventListener("dragleave", (event) => {
    const zone = zoneOf(event);
    if (zone && !zone.contains(event.relatedTarget)) zone.classList.remove("is-dragging");
  });
  root.addEventListener("drop", (event) => {
    const zone = zoneOf(event);
    if (!zone || !event.dataTransfer || event.dataTransfer.files.length === 0) return;
    event.preventDefault();
    zone.classList.remove("is-dragging");
    uploadAll(zone, Array.from(event.dataTransfer.files));
  });
}
