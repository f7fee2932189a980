// The notebook workspace follows the notebook's event stream: when a cell's status or outputs
// change it fetches that cell again as rendered by the server (at most once per cell every
// 300 ms); when cells are added, moved or deleted it fetches the cell list. Code being edited
// and folds opened by the user are kept across these refreshes. Cells can be dragged by their
// handle to a new place (the keyboard has Move up / Move down).
import { showToast } from "./toasts.js";
import { installKeys } from "./keys.js";
import "./column-picker.js";

const COALESCE_MS = 300;

function parse(html) {
  const holder = document.createElement("template");
  holder.innerHTML = html.trim();
  return holder.content.firstElementChild;
}

// A cell whose code or form the person is changing (or has changed without saving).
function isDirty(cell) {
  for (const control of cell.querySelectorAll("textarea, input, select")) {
    if (control === document.activeElement && control.type !== "submit") return true;
    if (control.type === "checkbox" && control.checked !== control.defaultChecked) return true;
    if (control.tagName === "SELECT") {
      if ([...control.options].some((option) => option.selected !== option.defaultSelected)) return true;
    } else if (control.type !== "hidden" && control.value !== control.defaultValue) {
      return true;
    }
  }
  return false;
}

// Carry over what belongs to the person, not to the server: open folds and code typed but
// not saved.
function keepState(old, fresh) {
  const oldCode = old.querySelector("[data-part=code]");
  const newCode = fresh.querySelector("[data-part=code]");
  if (oldCode && newCode) newCode.open = oldCode.open || newCode.open;
  const oldEditor = old.querySelector("textarea.code-editor");
  const newEditor = fresh.querySelector("textarea.code-editor");
  if (oldEditor && newEditor && oldEditor.value !== oldEditor.defaultValue) {
    newEditor.value = oldEditor.value;
    if (newCode) newCode.open = true;
  }
  keepOpen(old, fresh);
}

// Put `fresh` in the page in place of `old`, and return what is in the page now. A cell whose
// outputs did not change is redrawn around them: they stay in the page, since an HTML
// output's frame that is replaced or moved loads again (blank for a moment).
function replaceKeepingOutputs(old, fresh) {
  const before = old.querySelector(":scope > [data-part=outputs]");
  const after = fresh.querySelector(":scope > [data-part=outputs]");
  if (!before || !after || before.innerHTML !== after.innerHTML) {
    old.replaceWith(fresh);
    return fresh;
  }
  for (const name of old.getAttributeNames()) {
    if (!fresh.hasAttribute(name)) old.removeAttribute(name);
  }
  for (const name of fresh.getAttributeNames()) old.setAttribute(name, fresh.getAttribute(name));
  for (const child of [...old.childNodes]) if (child !== before) child.remove();
  const nodes = [...fresh.childNodes];
  const at = nodes.indexOf(after);
  before.before(...nodes.slice(0, at));
  before.after(...nodes.slice(at + 1));
  return old;
}

// Folds of an error's report the person opened stay open when the cell is drawn again.
function keepOpen(old, fresh) {
  for (const fold of old.querySelectorAll(".cell-outputs details[id][open]")) {
    const again = fresh.querySelector(`details[id="${CSS.escape(fold.id)}"]`);
    if (again) again.open = true;
  }
}

async function fetchHtml(url) {
  const response = await fetch(url, { headers: { "HX-Request": "true" }, credentials: "same-origin" });
  if (!response.ok) throw new Error(`${url}: ${response.status}`);
  return response.text();
}

function install(workspace) {
  const notebookId = workspace.dataset.notebookId;
  const status = document.getElementById("live-status");
  const timers = new Map();

  function later(key, task) {
    if (timers.has(key)) return;
    timers.set(key, setTimeout(() => {
      timers.delete(key);
      task().catch(() => { if (status) status.textContent = "Could not refresh; reload the page."; });
    }, COALESCE_MS));
  }

  // Replace `old` by `fresh`, keeping the focus (and the caret) where the person had it.
  function swap(old, fresh) {
    const focused = document.activeElement;
    const focusedId = focused && focused.id;
    const caret = focused && "selectionStart" in focused ? [focused.selectionStart, focused.selectionEnd] : null;
    const placed = replaceKeepingOutputs(old, fresh);
    if (window.htmx) window.htmx.process(placed);
    const target = focusedId && document.getElementById(focusedId);
    if (target && target !== document.activeElement) {
      // A heading given the focus after a change keeps it when refreshed.
      if (focused.getAttribute("tabindex") === "-1" && !target.hasAttribute("tabindex")) {
        target.setAttribute("tabindex", "-1");
      }
      target.focus();
      if (caret && "setSelectionRange" in target) {
        try { target.setSelectionRange(caret[0], caret[1]); } catch { /* not a text field */ }
      }
    }
  }

  // One cell from a fresh rendering. A cell being edited keeps its code and form: only what
  // the server owns (status, outputs) changes.
  function applyCell(old, fresh) {
    if (isDirty(old)) {
      keepOpen(old, fresh);
      for (const part of ["status", "outputs"]) {
        const target = old.querySelector(`[data-part=${part}]`);
        const source = fresh.querySelector(`[data-part=${part}]`);
        if (target && source && target.innerHTML !== source.innerHTML) target.replaceWith(source);
      }
      return;
    }
    keepState(old, fresh);
    swap(old, fresh);
  }

  async function refreshCell(cellId) {
    const old = document.getElementById(`cell-${cellId}`);
    if (!old) return refreshList();
    const fresh = parse(await fetchHtml(`/cells/${cellId}`));
    if (fresh) applyCell(old, fresh);
  }

  const idsOf = (list) => [...list.querySelectorAll(".cell")].map((cell) => cell.id).join(" ");

  async function refreshList() {
    const old = document.getElementById("cells");
    if (!old) return;
    const fresh = parse(await fetchHtml(`/notebooks/${notebookId}/cells`));
    if (!fresh) return;
    if (idsOf(old) === idsOf(fresh)) {
      // Same cells in the same order: update them one by one, nothing moves.
      for (const cell of [...fresh.querySelectorAll(".cell")]) {
        const previous = document.getElementById(cell.id);
        if (previous) applyCell(previous, cell);
      }
      return;
    }
    replaceList(old, fresh);
  }

  function replaceList(old, fresh) {
    for (const cell of fresh.querySelectorAll(".cell")) {
      const previous = document.getElementById(cell.id);
      if (previous) keepState(previous, cell);
    }
    swap(old, fresh);
  }

  // The add, move and delete buttons swap in the whole list through htmx: code typed but not
  // saved in other cells, and the folds the person opened, come along.
  // The old cells, once swapped out, can still be read (they are only detached).
  let carried = null;
  workspace.addEventListener("htmx:beforeSwap", (event) => {
    const target = event.detail.target;
    if (!(target instanceof Element) || target.id !== "cells") return;
    carried = [...target.querySelectorAll(".cell")];
  });
  workspace.addEventListener("htmx:afterSwap", () => {
    if (!carried) return;
    for (const old of carried) {
      const fresh = document.getElementById(old.id);
      if (fresh && fresh !== old) keepState(old, fresh);
    }
    carried = null;
  });

  // Drag and drop: dropped on the upper half of another cell, a cell goes before it; on the
  // lower half, after it. The server decides and answers with the new list; a refused move
  // changes nothing on the page and says why.
  let dragged = null;
  const marks = ["dragging", "drop-before", "drop-after"];
  const unmark = () => {
    for (const cell of workspace.querySelectorAll(".cell")) cell.classList.remove(...marks);
  };
  function dropPlace(event) {
    const cell = event.target instanceof Element ? event.target.closest(".cell") : null;
    if (!dragged || !cell || cell.dataset.cellId === dragged) return null;
    const box = cell.getBoundingClientRect();
    return { cell, side: event.clientY < box.top + box.height / 2 ? "before" : "after" };
  }
  // Dropped next to where it already is: nothing to ask the server.
  function staysPut({ cell, side }) {
    const cells = [...workspace.querySelectorAll(".cell")];
    const neighbour = cells[cells.indexOf(cell) + (side === "before" ? -1 : 1)];
    return neighbour !== undefined && neighbour.dataset.cellId === dragged;
  }
  workspace.addEventListener("dragstart", (event) => {
    const handle = event.target instanceof Element ? event.target.closest(".drag-handle") : null;
    const cell = handle && handle.closest(".cell");
    if (!cell) return;
    dragged = cell.dataset.cellId;
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", cell.querySelector(".cell-title")?.textContent || "");
    event.dataTransfer.setDragImage(cell, 16, 16);
    cell.classList.add("dragging");
  });
  workspace.addEventListener("dragover", (event) => {
    const place = dropPlace(event);
    if (!place) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    for (const cell of workspace.querySelectorAll(".drop-before, .drop-after")) {
      if (cell !== place.cell) cell.classList.remove("drop-before", "drop-after");
    }
    place.cell.classList.toggle("drop-before", place.side === "before");
    place.cell.classList.toggle("drop-after", place.side === "after");
  });
  workspace.addEventListener("drop", (event) => {
    const place = dropPlace(event);
    if (!place) return;
    event.preventDefault();
    const cellId = dragged;
    const still = staysPut(place);
    dragged = null;
    unmark();
    if (!still) moveCell(cellId, { [place.side]: place.cell.dataset.cellId });
  });
  workspace.addEventListener("dragend", () => {
    dragged = null;
    unmark();
  });

  function toastOf(response) {
    try {
      return JSON.parse(response.headers.get("HX-Trigger") || "{}")["datadive:toast"] || null;
    } catch {
      return null;
    }
  }

  async function moveCell(cellId, place) {
    let response;
    try {
      response = await fetch(`/cells/${cellId}/move`, {
        method: "POST",
        credentials: "same-origin",
        headers: { "HX-Request": "true" },
        body: new URLSearchParams(place),
      });
    } catch {
      showToast("Datadive could not be reached. Check your connection and try again.", "error");
      return;
    }
    const toast = toastOf(response);
    if (!response.ok) {
      showToast(toast?.message || `The cell could not be moved (error ${response.status}).`, "error");
      return;
    }
    const old = document.getElementById("cells");
    const fresh = parse(await response.text());
    if (old && fresh) replaceList(old, fresh);
    if (toast) showToast(toast.message, toast.level);
  }

  // Template forms are kept as drafts while being typed (1 s after the last keystroke).
  const DRAFT_AFTER_MS = 1000;
  const drafts = new Map();
  workspace.addEventListener("input", (event) => {
    const form = event.target.closest("form.cell-form");
    if (!form) return;
    clearTimeout(drafts.get(form.id));
    drafts.set(form.id, setTimeout(() => {
      drafts.delete(form.id);
      const cellId = form.closest(".cell")?.dataset.cellId;
      if (!cellId) return;
      fetch(`/cells/${cellId}/draft`, {
        method: "POST",
        credentials: "same-origin",
        headers: { "HX-Request": "true" },
        body: new URLSearchParams(new FormData(form)),
      }).then((response) => {
        if (status) status.textContent = response.ok ? "Draft saved." : "The draft could not be saved.";
      }).catch(() => { if (status) status.textContent = "The draft could not be saved."; });
    }, DRAFT_AFTER_MS));
  });

  const url = `/api/v1/notebooks/${notebookId}/events?after=${encodeURIComponent(workspace.dataset.after)}`;
  const events = new EventSource(url);
  const data = (event) => { try { return JSON.parse(event.data); } catch { return {}; } };
  events.addEventListener("cell-status", (event) => {
    for (const id of data(event).cell_ids || []) later(`cell:${id}`, () => refreshCell(id));
  });
  events.addEventListener("outputs", (event) => {
    const id = data(event).cell_id;
    if (id) later(`cell:${id}`, () => refreshCell(id));
  });
  events.addEventListener("cells", () => later("list", refreshList));
  events.addEventListener("reset", () => later("list", refreshList));
  events.addEventListener("run", (event) => {
    const run = data(event);
    if (!status) return;
    const words = { queued: "Queued…", starting: "Starting the Jupyter server…", running: "Running…" };
    // While a server starts, `step` says what it does ("Installing 3 packages from requirements.txt…").
    status.textContent = (run.status === "starting" && run.step) || words[run.status] || "";
    if (run.status === "error" && run.error) showToast(run.error, "error");
  });
  events.addEventListener("open", () => { if (status && status.dataset.lost) { status.textContent = ""; delete status.dataset.lost; } });
  events.addEventListener("error", () => {
    if (status && events.readyState === EventSource.CONNECTING) {
      status.textContent = "Reconnecting to live updates…";
      status.dataset.lost = "1";
    }
  });
}

const workspace = document.getElementById("workspace");
if (workspace) {
  install(workspace);
  installKeys(workspace);
}
