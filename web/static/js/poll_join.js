// Typing the poll code: go to the participant page /p/{CODE}.
const form = document.getElementById("poll-join-form");
form.addEventListener("submit", (event) => {
  event.preventDefault();
  const code = form.code.value.trim().toUpperCase();
  if (code) location.assign(`/p/${encodeURIComponent(code)}`);
});
