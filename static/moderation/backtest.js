// Polls a running backtest's status and reloads the page when it has finished.
const box = document.getElementById("backtest-status");
if (box) {
  const url = box.dataset.statusUrl;
  const bar = box.querySelector("progress");
  const text = box.querySelector(".status-text");
  const poll = async () => {
    try {
      const response = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
      if (response.ok) {
        const status = await response.json();
        bar.value = status.progress;
        text.textContent = status.status;
        if (status.finished) {
          window.location.reload();
          return;
        }
      }
    } catch (error) {
      // A network blip: try again on the next tick.
    }
    setTimeout(poll, 1000);
  };
  setTimeout(poll, 500);
}
