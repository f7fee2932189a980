// Keyboard shortcuts of the notebook workspace, listed in the help dialog (`?`):
//
//   Shift+Enter        in a cell's code or form: run the cell, then move to the next cell
//   Ctrl/Cmd+Enter     in a cell's code or form: run the cell and stay
//   Escape             in the code editor: leave it (the focus goes to its "Code" fold)
//   ?                  anywhere but in a field: show the shortcuts
//
// Running submits the cell's own Run form, so it sends what is on screen exactly as the Run
// button does: the code editor's text (hx-include), or for a template cell the form, applied
// first. A cell without a Run button (text cells; someone who may edit but not run) saves its
// code or applies its form instead.

const FIELDS = "textarea, input, select";
const TYPING = "textarea, input, select, [contenteditable]:not([contenteditable=false])";

function runFormOf(cell) {
  return cell.querySelector(`form[action="/cells/${cell.dataset.cellId}/run"]`);
}

// Do what the form's button does, only when there is one to press (a viewer has none).
function submit(form) {
  const button = form.querySelector("button[type=submit], button:not([type])");
  if (!button || button.disabled) return false; // nothing to press, or already on its way
  form.requestSubmit(button);
  return true;
}

function run(cell, field) {
  const runForm = runFormOf(cell);
  if (runForm) return submit(runForm);
  const own = field.form;
  return own ? submit(own) : false;
}

// Where the focus goes after Shift+Enter: the next cell's code editor (opened), else its first
// form field, else its title; after the last cell, the "+ Code" button that adds one.
function focusAfter(cell) {
  let next = cell.nextElementSibling;
  while (next && !next.matches(".cell")) next = next.nextElementSibling;
  if (!next) {
    const adder = cell.nextElementSibling;
    if (adder?.matches("form.cell-add")) adder.querySelector('button[value="code"]')?.focus();
    return;
  }
  const editor = next.querySelector("textarea.code-editor");
  if (editor) {
    const fold = editor.closest("details");
    if (fold) fold.open = true;
    editor.focus();
    return;
  }
  const field = next.querySelector(`form.cell-form :is(${FIELDS}):not([type=hidden]):not([disabled])`);
  if (field) {
    field.focus();
    return;
  }
  const title = next.querySelector(".cell-title");
  if (title) {
    if (!title.hasAttribute("tabindex")) title.setAttribute("tabindex", "-1");
    title.focus();
  }
}

function leaveEditor(editor) {
  const summary = editor.closest("details")?.querySelector(":scope > summary");
  if (summary) summary.focus();
  else editor.blur();
}

function openHelp(dialog) {
  if (dialog.open) return;
  const returnTo = document.activeElement;
  dialog.addEventListener("close", () => {
    if (returnTo instanceof HTMLElement && returnTo.isConnected) returnTo.focus();
  }, { once: true });
  dialog.showModal();
}

export function installKeys(workspace) {
  workspace.addEventListener("keydown", (event) => {
    if (event.defaultPrevented || event.isComposing || event.altKey) return;
    const target = event.target instanceof Element ? event.target : null;
    const cell = target?.closest(".cell");
    if (!cell || !target.matches(FIELDS)) return;
    if (event.key === "Enter" && (event.shiftKey || event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      const stay = event.ctrlKey || event.metaKey;
      if (run(cell, target) && !stay) focusAfter(cell);
    } else if (event.key === "Escape" && target.matches("textarea.code-editor")) {
      event.preventDefault();
      leaveEditor(target);
    }
  });

  const dialog = document.getElementById("keys-help");
  if (!dialog) return;
  for (const opener of document.querySelectorAll("[data-opens=keys-help]")) {
    opener.hidden = false; // without scripts there are no shortcuts to show
    opener.addEventListener("click", () => openHelp(dialog));
  }
  document.addEventListener("keydown", (event) => {
    if (event.key !== "?" || event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    const target = event.target instanceof Element ? event.target : null;
    if (target?.closest(TYPING) || document.querySelector("dialog[open]")) return;
    event.preventDefault();
    openHelp(dialog);
  });
}
