// The chat webview: renders what the extension sends (HTML it rendered from Markdown with
// raw HTML disabled) and reports clicks and input. Runs under a CSP with no remote content.
// @ts-check
(function () {
  // @ts-ignore: provided by VS Code inside webviews
  const vscode = acquireVsCodeApi();
  const transcript = /** @type {HTMLElement} */ (document.getElementById("transcript"));
  const input = /** @type {HTMLTextAreaElement} */ (document.getElementById("input"));
  const sessions = /** @type {HTMLSelectElement} */ (document.getElementById("sessions"));
  const status = /** @type {HTMLElement} */ (document.getElementById("status"));
  const send = /** @type {HTMLButtonElement} */ (document.getElementById("send"));
  const stop = /** @type {HTMLButtonElement} */ (document.getElementById("stop"));

  function turnElement(role, html) {
    const div = document.createElement("div");
    div.className = `turn ${role}`;
    div.innerHTML = html; // rendered by the extension from escaped Markdown
    return div;
  }

  function submit() {
    const text = input.value;
    // While an answer comes (Send is hidden) Enter keeps the message: it was cleared, then
    // refused by the extension, and the typed text was lost.
    if (!text.trim() || send.hidden) return;
    input.value = "";
    vscode.postMessage({ type: "send", text });
  }

  send.addEventListener("click", submit);
  stop.addEventListener("click", () => vscode.postMessage({ type: "cancel" }));
  document.getElementById("new")?.addEventListener("click", () => vscode.postMessage({ type: "newSession" }));
  document.getElementById("attach")?.addEventListener("click", () => vscode.postMessage({ type: "attachSelection" }));
  sessions.addEventListener("change", () => vscode.postMessage({ type: "openSession", id: sessions.value }));
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      submit();
    }
  });
  transcript.addEventListener("click", (event) => {
    const button = /** @type {HTMLElement} */ (event.target).closest("button[data-action]");
    if (!(button instanceof HTMLElement)) return;
    vscode.postMessage({
      type: button.dataset.action,
      turn: Number(button.dataset.turn),
      block: Number(button.dataset.block),
    });
  });

  window.addEventListener("message", (event) => {
    const message = event.data;
    switch (message.type) {
      case "sessions":
        sessions.replaceChildren(
          ...message.sessions.map((s) => {
            const option = document.createElement("option");
            option.value = s.id;
            option.textContent = `${s.name} (${s.turns})`;
            option.selected = s.id === message.current;
            return option;
          }),
        );
        break;
      case "transcript":
        transcript.replaceChildren(
          ...message.turns.map((t, i) => {
            const div = turnElement(t.role, t.html);
            // An answer still streaming finds its own turn by this: without it, its next
            // text went into a second bubble below.
            div.setAttribute("data-turn", String(i));
            return div;
          }),
        );
        status.textContent = message.attachments.length ? `attached: ${message.attachments.join(", ")}` : "";
        transcript.scrollTop = transcript.scrollHeight;
        break;
      case "streaming": {
        let last = transcript.querySelector(`.turn[data-turn="${message.turn}"]`);
        if (!last) {
          last = turnElement("assistant", "");
          last.setAttribute("data-turn", String(message.turn));
          transcript.appendChild(last);
        }
        last.innerHTML = message.html;
        transcript.scrollTop = transcript.scrollHeight;
        break;
      }
      case "busy":
        send.hidden = message.busy;
        stop.hidden = !message.busy;
        break;
      case "error":
        status.textContent = `⚠ ${message.message}`;
        break;
      case "notice":
        status.textContent = message.message;
        break;
      case "restore":
        // Not asked (refused, or the model failed): the text is not lost with the send.
        if (!input.value.trim()) input.value = message.text;
        break;
    }
  });

  vscode.postMessage({ type: "ready" });
})();
