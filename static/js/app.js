// Close an open dropdown (Actions, the bell) when clicking elsewhere.
document.addEventListener("click", (event) => {
  for (const menu of document.querySelectorAll("details.dropdown[open]")) {
    if (!menu.contains(event.target)) menu.removeAttribute("open");
  }
});

// Dropdowns from the keyboard: Enter or Space on the button opens one with focus on its first
// item, the arrow keys (and Home/End) move between items, Escape closes it and gives focus back
// to the button; aria-expanded follows the open state.
(function keyboardDropdowns() {
  for (const menu of document.querySelectorAll("details.dropdown")) {
    const button = menu.querySelector("summary");
    const items = () => {
      const named = menu.querySelectorAll('[role="menuitem"]');
      return [...(named.length ? named : menu.querySelectorAll(".dropdown-menu a, .dropdown-menu button"))];
    };
    menu.addEventListener("toggle", () => {
      button.setAttribute("aria-expanded", String(menu.open));
      if (menu.open && document.activeElement === button && items().length) items()[0].focus();
    });
    menu.addEventListener("keydown", (event) => {
      if ((event.key === "Enter" || event.key === " ") && event.target === button && !menu.open) {
        // Opened here rather than by the browser's click so the first item has focus at once.
        event.preventDefault();
        menu.open = true;
        if (items().length) items()[0].focus();
        return;
      }
      if (event.key === "Escape" && menu.open) {
        event.preventDefault();
        menu.open = false;
        button.focus();
        return;
      }
      const moves = { ArrowDown: 1, ArrowUp: -1, Home: "first", End: "last" };
      if (!(event.key in moves)) return;
      event.preventDefault();
      if (!menu.open) menu.open = true;
      const list = items();
      const at = list.indexOf(document.activeElement);
      const move = moves[event.key];
      let next;
      if (move === "first") next = 0;
      else if (move === "last") next = list.length - 1;
      else if (at === -1) next = move === 1 ? 0 : list.length - 1;
      else next = (at + move + list.length) % list.length;
      list[next].focus();
    });
  }
})();

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
