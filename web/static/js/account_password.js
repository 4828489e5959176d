// Choose a new password: the API signs out every other session and hands this page a fresh cookie.
import { api, errorText, t } from "/static/js/app.js";

const form = document.getElementById("password-form");
const error = document.getElementById("password-error");
form.addEventListener("submit", async (event) => {
  event.preventDefault();
  error.classList.add("hidden");
  const f = form.elements;
  const say = (text) => { error.textContent = text; error.classList.remove("hidden"); };
  if (f.new_password.value.length < 8) return say(t("apierr.weak_password", { min: 8 }));
  if (f.new_password.value !== f.repeat.value) return say(t("password.mismatch"));
  try {
    await api("POST", "/api/auth/password", { current_password: f.current_password.value,
                                              new_password: f.new_password.value });
    location.href = form.dataset.next || "/";
  } catch (err) { say(errorText(err)); }
});
