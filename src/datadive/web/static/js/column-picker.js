// Column inputs of a template form become pickers of the chosen table's columns, each shown
// with its question text (or variable label) and measurement level, filtered to the levels
// the input accepts. The columns come from GET /notebooks/{id}/columns (the running kernel,
// else the profile of the file the table is read from; nothing is started to find out).
//
// The server renders a plain text box, so the form works without scripts. Here:
// - a `column` box becomes a combobox (WAI-ARIA "list autocomplete with manual selection"):
//   typing filters the list by name and question text, Down/Up move through it, Enter picks,
//   Escape closes; any name can still be typed.
// - a `columns` box is replaced by a search combobox over a multi-select listbox (Enter or
//   Space picks or unpicks the active column, Backspace in the empty search removes the last
//   chosen) and the chosen columns as an ordered list, each with Move up, Move down and
//   Remove buttons (Delete or Backspace on them removes too). The form then sends one
//   `in.<name>` per chosen column, after an empty one (cell_forms.column_names), so a name
//   holding a comma stays whole; the original box stays in the page, hidden and nameless,
//   holding the names so that the notebook sees the form as changed.
// Numbers with a `data-checks-url` (inputs with a `range_of`) are checked against the data
// (GET …/form-checks) when the form changes; a warning appears next to the field, and
// nothing is refused.

const FRESH_MS = 5000;
const CHECK_AFTER_MS = 300;
const asked = new Map(); // url → { at, answer }
const LEVEL_WORDS = { nominal: "nominal", ordinal: "ordinal", scale: "scale", binary: "binary" };
let uid = 0;

async function fetchText(url) {
  const response = await fetch(url, { headers: { "HX-Request": "true" }, credentials: "same-origin" });
  if (!response.ok) throw new Error(`${url}: ${response.status}`);
  return response.text();
}

// One question per URL at a time: a picker asks on focus and again when typed into.
async function columnsAt(url) {
  const cached = asked.get(url);
  if (cached && Date.now() - cached.at < FRESH_MS) return cached.answer;
  if (cached?.pending) return cached.pending;
  const pending = readColumns(url);
  asked.set(url, { at: 0, pending });
  try {
    return await pending;
  } catch (error) {
    asked.delete(url);
    throw error;
  }
}

async function readColumns(url) {
  const holder = document.createElement("template");
  holder.innerHTML = await fetchText(url);
  const box = holder.content.querySelector(".column-choices");
  const columns = [...holder.content.querySelectorAll("option")].map((option) => ({
    name: option.value,
    label: option.dataset.label || "",
    level: option.dataset.level || "",
  }));
  const answer = { origin: box?.dataset.origin || "", columns };
  asked.set(url, { at: Date.now(), answer });
  return answer;
}

function element(tag, attrs = {}, text = "") {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
  if (text) node.textContent = text;
  return node;
}

// Every word typed must appear in the name or the question text.
function matches(column, query) {
  const haystack = `${column.name} ${column.label}`.toLowerCase();
  return query.toLowerCase().split(/\s+/).filter(Boolean).every((word) => haystack.includes(word));
}

function describeLevels(levels) {
  if (!levels.length) return "";
  const words = levels.map((level) => LEVEL_WORDS[level] || level);
  const list = words.length > 1 ? `${words.slice(0, -1).join(", ")} or ${words.at(-1)}` : words[0];
  return `${list} columns`;
}

class Picker {
  constructor(input) {
    this.source = input; // the server's text box
    this.many = "many" in input.dataset;
    this.levels = (input.dataset.levels || "").split(/\s+/).filter(Boolean);
    this.columns = [];
    this.shown = [];
    this.active = -1;
    this.origin = "";
    this.id = `${input.id || `picker-${++uid}`}`;
    this.chosen = this.many ? input.value.split(",").map((name) => name.trim()).filter(Boolean) : [];
    this.build();
  }

  build() {
    const input = this.source;
    const listId = `${this.id}-listbox`;
    this.note = element("p", { class: "colpick-note", id: `${this.id}-note`, "aria-live": "polite" });
    this.list = element("ul", { class: "colpick-list", id: listId, role: "listbox", hidden: "" });
    if (this.many) {
      // The search box takes over the label (and the description) of the text box.
      this.box = element("input", {
        type: "text",
        id: this.id,
        class: "colpick-search",
        autocomplete: "off",
        placeholder: "Search by name or question",
      });
      for (const name of ["aria-describedby", "aria-invalid"]) {
        if (input.hasAttribute(name)) this.box.setAttribute(name, input.getAttribute(name));
      }
      if (input.disabled) this.box.disabled = true;
      this.fieldName = input.name;
      input.id = `${this.id}-text`;
      input.removeAttribute("name");
      input.removeAttribute("required");
      input.hidden = true;
      this.list.setAttribute("aria-multiselectable", "true");
      this.picked = element("ol", { class: "colpick-chosen", id: `${this.id}-chosen`, "aria-label": "Chosen, in order" });
      this.values = element("div", { class: "colpick-values", hidden: "" });
      input.after(this.picked, this.box, this.list, this.note, this.values);
      this.renderChosen(false);
    } else {
      this.box = input;
      input.after(this.list, this.note);
    }
    const box = this.box;
    box.setAttribute("role", "combobox");
    box.setAttribute("aria-autocomplete", "list");
    box.setAttribute("aria-expanded", "false");
    box.setAttribute("aria-controls", listId);
    box.removeAttribute("list");
    const described = (box.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
    box.setAttribute("aria-describedby", [...described, this.note.id].join(" "));
    this.list.setAttribute("aria-label", "Choices");
    box.addEventListener("keydown", (event) => this.onKey(event));
    box.addEventListener("input", () => this.onType());
    box.addEventListener("focus", () => this.load());
    box.addEventListener("blur", () => setTimeout(() => this.closeUnlessFocused(), 150));
    // A pointer picks without taking the focus from the box.
    this.list.addEventListener("mousedown", (event) => event.preventDefault());
    this.list.addEventListener("click", (event) => {
      const option = event.target instanceof Element ? event.target.closest("[role=option]") : null;
      if (option) this.pick(Number(option.dataset.index));
    });
  }

  tableName() {
    return document.getElementById(this.source.dataset.tableField)?.value || "";
  }

  // The columns of the form's table, asked once per table and levels (and again when the
  // cached answer is old). The list is redrawn only when the answer differs, so that a
  // late answer does not take away the column the person has gone down to.
  async load() {
    if (this.box.disabled) return;
    const table = this.tableName();
    if (!table) {
      this.columns = [];
      this.origin = "";
      this.say("Choose the table first.");
      return;
    }
    const url = new URL(this.source.dataset.columnsUrl, window.location.origin);
    url.searchParams.set("table", table);
    if (this.levels.length) url.searchParams.set("levels", this.levels.join(" "));
    let answer;
    try {
      answer = await columnsAt(url.pathname + url.search);
    } catch {
      answer = { origin: "", columns: [] };
    }
    const signature = JSON.stringify([table, answer]);
    if (signature === this.signature) return;
    this.signature = signature;
    this.columns = answer.columns;
    this.origin = answer.origin;
    if (this.many) this.renderChosen(false); // with their question texts now
    this.filter(this.isOpen() || (this.wanted && document.activeElement === this.box));
  }

  query() {
    if (this.many) return this.box.value.trim();
    // A box that holds a known column shows every column, not only that one.
    const value = this.box.value.trim();
    return this.columns.some((column) => column.name === value) ? "" : value;
  }

  filter(open) {
    const query = this.query();
    this.shown = this.columns.filter((column) => matches(column, query));
    this.active = -1;
    this.renderOptions();
    const table = this.tableName();
    const what = describeLevels(this.levels) || "columns";
    if (!this.columns.length) {
      this.say(`The columns of ${table} are not known yet: run the cell that loads it, or type a name.`);
    } else {
      const from = this.origin === "kernel" ? "in the running kernel" : `from ${this.origin}`;
      if (!this.shown.length) {
        this.say(`No column matches “${query}” (${what} of ${table}, ${from}).`);
      } else {
        const count = this.shown.length === 1 ? "1 column matches" : `${this.shown.length} columns match`;
        this.say(`${count} (${what} of ${table}, ${from}). Down arrow to choose.`);
      }
    }
    if (open) this.open();
  }

  say(text) {
    this.note.textContent = text;
  }

  renderOptions() {
    const options = this.shown.map((column, index) => {
      const chosen = this.many ? this.chosen.includes(column.name) : this.box.value.trim() === column.name;
      const option = element("li", {
        role: "option",
        id: `${this.id}-option-${index}`,
        class: "colpick-option",
        "aria-selected": String(chosen),
      });
      option.dataset.index = String(index);
      option.append(element("span", { class: "colpick-name" }, column.name));
      if (column.level) option.append(element("span", { class: "colpick-level" }, LEVEL_WORDS[column.level] || column.level));
      if (column.label) option.append(element("span", { class: "colpick-label" }, column.label));
      return option;
    });
    this.list.replaceChildren(...options);
    this.box.removeAttribute("aria-activedescendant");
  }

  open() {
    if (!this.shown.length) return this.close();
    this.list.hidden = false;
    this.box.setAttribute("aria-expanded", "true");
  }

  close() {
    this.list.hidden = true;
    this.box.setAttribute("aria-expanded", "false");
    this.box.removeAttribute("aria-activedescendant");
    this.active = -1;
  }

  isOpen() {
    return !this.list.hidden;
  }

  closeUnlessFocused() {
    if (document.activeElement === this.box) return;
    this.wanted = false;
    this.close();
  }

  moveActive(step) {
    if (!this.isOpen()) this.open();
    if (!this.shown.length) return;
    const last = this.shown.length - 1;
    if (this.active < 0) this.active = step > 0 ? 0 : last;
    else this.active = Math.min(last, Math.max(0, this.active + step));
    for (const option of this.list.children) option.classList.remove("colpick-active");
    const option = this.list.children[this.active];
    option.classList.add("colpick-active");
    option.scrollIntoView({ block: "nearest" });
    this.box.setAttribute("aria-activedescendant", option.id);
  }

  onType() {
    if (this.quiet) return; // our own event after a pick
    this.wanted = true;
    this.filter(true);
    this.load(); // a table chosen since, or an old answer: redrawn if it differs
  }

  onKey(event) {
    const key = event.key;
    if (key === "ArrowDown" || key === "ArrowUp") {
      event.preventDefault();
      this.wanted = key === "ArrowDown" || this.isOpen();
      if (event.altKey) return key === "ArrowDown" ? this.filter(true) : this.close();
      if (!this.isOpen()) this.filter(true);
      this.moveActive(key === "ArrowDown" ? 1 : -1);
    } else if (key === "Home" && this.isOpen() && this.active >= 0) {
      event.preventDefault();
      this.active = -1;
      this.moveActive(1);
    } else if (key === "End" && this.isOpen() && this.active >= 0) {
      event.preventDefault();
      this.active = this.shown.length;
      this.moveActive(-1);
    } else if ((key === "Enter" || (key === " " && this.many)) && this.isOpen() && this.active >= 0) {
      // Space types a space until a column is active (question texts have spaces).
      event.preventDefault();
      this.pick(this.active);
    } else if (key === "Escape" && this.isOpen()) {
      event.preventDefault();
      this.wanted = false;
      this.close();
    } else if (key === "Backspace" && this.many && !this.box.value && this.chosen.length) {
      event.preventDefault();
      this.remove(this.chosen.length - 1, false);
    }
  }

  pick(index) {
    const column = this.shown[index];
    if (!column) return;
    if (!this.many) {
      this.box.value = column.name;
      this.close();
      this.say(`${column.name} chosen.`);
      this.changed(this.box);
      return;
    }
    const at = this.chosen.indexOf(column.name);
    if (at >= 0) this.chosen.splice(at, 1);
    else this.chosen.push(column.name);
    this.renderChosen();
    const option = this.list.children[index];
    option.setAttribute("aria-selected", String(at < 0));
    this.say(at < 0 ? `${column.name} added, number ${this.chosen.length}.` : `${column.name} removed.`);
  }

  // The chosen columns, their buttons, and what the form sends.
  renderChosen(notify = true) {
    const focused = this.picked.contains(document.activeElement) ? document.activeElement : null;
    const items = this.chosen.map((name, index) => {
      const item = element("li", { class: "colpick-chip" });
      item.append(element("span", { class: "colpick-chip-name" }, name));
      const label = this.columns.find((column) => column.name === name)?.label;
      if (label) item.append(element("span", { class: "colpick-chip-label" }, label));
      const buttons = [
        ["up", "↑", `Move ${name} up`],
        ["down", "↓", `Move ${name} down`],
        ["remove", "×", `Remove ${name}`],
      ].map(([action, sign, label]) => {
        const button = element("button", { type: "button", class: "colpick-chip-button", "aria-label": label }, sign);
        button.dataset.action = action;
        button.dataset.index = String(index);
        button.disabled = this.box?.disabled || false;
        return button;
      });
      item.append(...buttons);
      return item;
    });
    this.picked.replaceChildren(...items);
    this.picked.hidden = !items.length;
    if (focused) {
      const { index, action } = focused.dataset;
      this.picked.querySelector(`button[data-index="${index}"][data-action="${action}"]`)?.focus();
    }
    this.picked.onclick = (event) => this.onChip(event);
    this.picked.onkeydown = (event) => this.onChipKey(event);
    const fields = [element("input", { type: "hidden", name: this.fieldName, value: "" })];
    for (const name of this.chosen) fields.push(element("input", { type: "hidden", name: this.fieldName, value: name }));
    this.values.replaceChildren(...fields);
    if (!notify) return;
    this.source.value = this.chosen.join(", ");
    this.changed(this.source);
  }

  onChip(event) {
    const button = event.target instanceof Element ? event.target.closest("button[data-action]") : null;
    if (!button) return;
    const index = Number(button.dataset.index);
    if (button.dataset.action === "remove") return this.remove(index, true);
    this.move(index, button.dataset.action === "up" ? -1 : 1, button.dataset.action);
  }

  onChipKey(event) {
    const button = event.target instanceof Element ? event.target.closest("button[data-action]") : null;
    if (!button || (event.key !== "Delete" && event.key !== "Backspace")) return;
    event.preventDefault();
    this.remove(Number(button.dataset.index), true);
  }

  move(index, step, action) {
    const target = index + step;
    const name = this.chosen[index];
    if (target < 0 || target >= this.chosen.length) {
      this.say(`${name} is already ${step < 0 ? "first" : "last"}.`);
      return;
    }
    this.chosen.splice(index, 1);
    this.chosen.splice(target, 0, name);
    this.renderChosen();
    // The focus follows the column, on the same button, so that it can move on.
    this.picked.querySelector(`button[data-index="${target}"][data-action="${action}"]`)?.focus();
    this.say(`${name} moved to number ${target + 1} of ${this.chosen.length}.`);
  }

  remove(index, fromChip) {
    const [name] = this.chosen.splice(index, 1);
    this.renderChosen();
    if (this.isOpen()) this.renderOptions();
    this.say(`${name} removed.`);
    if (!fromChip) return;
    const next = this.picked.querySelector(`button[data-index="${Math.min(index, this.chosen.length - 1)}"][data-action="remove"]`);
    (next || this.box).focus();
  }

  // Tell the page (drafts, checks) that the form changed, as typing would.
  changed(control) {
    this.quiet = true;
    try {
      control.dispatchEvent(new Event("input", { bubbles: true }));
      control.dispatchEvent(new Event("change", { bubbles: true }));
    } finally {
      this.quiet = false;
    }
  }
}

function enhance(root) {
  const inputs = root.matches?.("input[data-column-picker]") ? [root] : [...(root.querySelectorAll?.("input[data-column-picker]") || [])];
  for (const input of inputs) {
    if (input.dataset.pickerReady) continue;
    input.dataset.pickerReady = "1";
    const focused = document.activeElement === input;
    const picker = new Picker(input);
    if (focused && picker.box !== input) picker.box.focus();
  }
}

// Warnings about numbers outside the data, next to their fields.
const checking = new WeakMap(); // form → timer
function checkSoon(form) {
  clearTimeout(checking.get(form));
  checking.set(form, setTimeout(() => checkForm(form), CHECK_AFTER_MS));
}

async function checkForm(form) {
  const fields = [...form.querySelectorAll("input[data-checks-url]")];
  if (!fields.length) return;
  const url = new URL(fields[0].dataset.checksUrl, window.location.origin);
  for (const [key, value] of new FormData(form)) {
    if (key.startsWith("in.") && typeof value === "string") url.searchParams.append(key, value);
  }
  let html;
  try {
    html = await fetchText(url.pathname + url.search);
  } catch {
    return; // no warning is better than a wrong one
  }
  const holder = document.createElement("template");
  holder.innerHTML = html;
  for (const field of fields) {
    const slot = document.getElementById(`${field.id}-warning`);
    if (!slot) continue;
    const warning = [...holder.content.querySelectorAll("[data-input]")].find(
      (item) => `in.${item.dataset.input}` === field.name,
    );
    if (warning) slot.replaceChildren(...warning.childNodes);
    else slot.replaceChildren();
  }
}

export function installColumnPickers(root) {
  enhance(root);
  new MutationObserver((changes) => {
    for (const change of changes) for (const node of change.addedNodes) if (node instanceof Element) enhance(node);
  }).observe(root, { childList: true, subtree: true });
  root.addEventListener("change", (event) => {
    const form = event.target instanceof Element ? event.target.closest("form") : null;
    if (form && form.querySelector("input[data-checks-url]")) checkSoon(form);
  });
  root.addEventListener("focusin", (event) => {
    const target = event.target;
    if (target instanceof HTMLInputElement && target.dataset.checksUrl && target.form) checkSoon(target.form);
  });
}

installColumnPickers(document.body || document.documentElement);
