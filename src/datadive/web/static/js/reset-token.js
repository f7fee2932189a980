// The password-reset link carries its token after `#`, which browsers never send to a
// server (nor to logs or Referer headers). Copy it into the form, then drop it from the
// address bar and hide the field that would otherwise ask for it.

export function fillResetToken(root) {
  const wrapper = root.querySelector("[data-reset-token]");
  const token = decodeURIComponent(window.location.hash.slice(1));
  if (!wrapper || !token) return;
  const input = wrapper.querySelector("input");
  if (!input) return;
  input.value = token;
  history.replaceState(null, "", window.location.pathname + window.location.search);
  if (!wrapper.querySelector('[aria-invalid="true"]')) wrapper.classList.add("is-hidden");
}
