// Close an open Actions dropdown when clicking elsewhere; the menu itself needs no script.
document.addEventListener("click", (event) => {
  for (const menu of document.querySelectorAll("details.dropdown[open]")) {
    if (!menu.contains(event.target)) menu.removeAttribute("open");
  }
});

// A running job's page polls its status and updates in place; once it ends, the page reloads
// once to show the final log (no reload loop).
(function pollJob() {
  const panel = document.querySelector("[data-poll-url]");
  if (!panel) return;
  const url = panel.dataset.pollUrl;
  const tick = async () => {
    let data;
    try {
      const response = await fetch(url, { headers: { Accept: "application/json" } });
      if (!response.ok) throw new Error(String(response.status));
      data = await response.json();
    } catch (error) {
      setTimeout(tick, 3000);
      return;
    }
    const status = panel.querySelector("[data-job-status]");
    status.textContent = data.status_label;
    status.className = "job-status s-" + data.status;
    panel.querySelector("[data-job-progress]").textContent = data.progress || "";
    panel.querySelector("[data-job-message]").textContent = data.message || "";
    panel.querySelector("[data-job-counts]").textContent = data.succeeded + " / " + data.failed;
    if (data.finished) {
      window.location.reload();
    } else {
      setTimeout(tick, 1000);
    }
  };
  setTimeout(tick, 500);
})();

// The Edit form of General Settings shows the credentials of the chosen API only: choosing the
// other API shows its own fields (the server renders the first choice the same way).
(function credentialsOfChosenApi() {
  const choices = document.querySelectorAll("#settings-form input[name=api]");
  if (!choices.length) return;
  const show = () => {
    const chosen = document.querySelector("#settings-form input[name=api]:checked");
    for (const row of document.querySelectorAll("#settings-form tr[data-api]")) {
      row.hidden = !chosen || row.dataset.api !== chosen.value;
    }
  };
  for (const choice of choices) choice.addEventListener("change", show);
})();
