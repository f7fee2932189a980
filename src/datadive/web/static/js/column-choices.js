// Column inputs of a template form suggest the columns of the table chosen in the same form,
// as the notebook's running kernel knows them (GET /notebooks/{id}/columns, asked when the
// field gets the focus). Without a kernel the list stays empty and any name can be typed.
// A `columns` field takes several names separated by commas: the suggestions continue what
// is already typed.

const FRESH_MS = 5000;
const known = new WeakMap(); // datalist → column names
const asked = new Map(); // url → { at, names }

async function columnsAt(url) {
  const cached = asked.get(url);
  if (cached && Date.now() - cached.at < FRESH_MS) return cached.names;
  const response = await fetch(url, { headers: { "HX-Request": "true" }, credentials: "same-origin" });
  if (!response.ok) return [];
  const holder = document.createElement("template");
  holder.innerHTML = await response.text();
  const names = [...holder.content.querySelectorAll("option")].map((option) => option.value);
  asked.set(url, { at: Date.now(), names });
  return names;
}

// The typed names before the last comma stay; suggestions complete the one being typed.
function offer(input) {
  const list = input.list;
  const names = list && known.get(list);
  if (!names) return;
  let prefix = "";
  let taken = new Set();
  if ("many" in input.dataset) {
    const cut = input.value.lastIndexOf(",");
    if (cut >= 0) prefix = input.value.slice(0, cut + 1) + " ";
    taken = new Set(input.value.split(",").map((name) => name.trim()));
  }
  const options = names
    .filter((name) => !taken.has(name) || !prefix)
    .map((name) => {
      const option = document.createElement("option");
      option.value = prefix + name;
      return option;
    });
  list.replaceChildren(...options);
}

async function suggest(input) {
  const table = document.getElementById(input.dataset.tableField)?.value || "";
  const list = input.list;
  if (!list) return;
  if (!table) {
    known.set(list, []);
    list.replaceChildren();
    return;
  }
  const url = `${input.dataset.columnsUrl}?table=${encodeURIComponent(table)}`;
  try {
    known.set(list, await columnsAt(url));
  } catch {
    known.set(list, []); // no suggestions; typing still works
  }
  offer(input);
}

export function installColumnChoices(root) {
  root.addEventListener("focusin", (event) => {
    const input = event.target;
    if (input instanceof HTMLInputElement && input.dataset.columnsUrl) suggest(input);
  });
  root.addEventListener("input", (event) => {
    const input = event.target;
    if (input instanceof HTMLInputElement && "many" in input.dataset) offer(input);
  });
}

installColumnChoices(document);
