// The unread count next to "通知" in the navigation (checked on load and every minute).
import { afterFirstSound, api, t } from "/static/js/app.js";

const badge = document.getElementById("notif-count");

async function refresh() {
  const { unread } = await api("GET", "/api/notifications/unread-count");
  badge.textContent = unread > 99 ? "99+" : String(unread);
  badge.classList.toggle("hidden", unread === 0);
  badge.title = t("notif.unread", { n: unread });
}

if (badge) {
  afterFirstSound().then(() => refresh()).catch(() => null);
  setInterval(() => refresh().catch(() => null), 60_000);
}
