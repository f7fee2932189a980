// "Copy" buttons: `data-copy="<id of the input to copy>"`.
import { showToast } from "./toasts.js";

export function installCopyButtons(root) {
  root.addEventListener("click", async (event) => {
    const button = event.target instanceof Element ? event.target.closest("[data-copy]") : null;
    if (!button) return;
    const source = document.getElementById(button.dataset.copy);
    if (!source) return;
    try {
      await navigator.clipboard.writeText(source.value);
      showToast("Copied to the clipboard.");
    } catch {
      source.select();
      showToast("Select the text and copy it with Ctrl+C (⌘C on a Mac).");
    }
  });
}
