// Roster: Export CSV with its progress in the page. The link works without
// this script (the browser downloads the file and shows its own progress);
// with it, the Users page says how many rows and megabytes have arrived, and
// saves the file once it is whole. A refused export shows the server's reason.
"use strict";
(() => {
  /** How many CRLF line ends `bytes` holds; `last` is the byte before it. */
  const lineEnds = (bytes, last) => {
    let n = 0;
    for (let i = 0; i < bytes.length; i++) {
      if (bytes[i] === 10 && (i > 0 ? bytes[i - 1] : last) === 13) n++;
    }
    return n;
  };
  const number = (n) => n.toLocaleString("en");
  const megabytes = (n) => (n / 1e6).toFixed(1);
  /** The reason in a refusal's body (an error as server functions send it). */
  const reason = (body, status) => {
    try {
      const error = JSON.parse(body);
      if (typeof error === "object" && error !== null) {
        const detail = Object.values(error)[0];
        if (typeof detail === "string") return detail;
      }
      if (error === "Unauthenticated") return "please sign in again.";
      if (error === "Forbidden") return "you do not have permission to export users.";
    } catch {}
    return `the server answered ${status}.`;
  };

  document.addEventListener("click", async (event) => {
    const link = event.target instanceof Element ? event.target.closest("a#export-users") : null;
    if (!link || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    const status = document.getElementById("export-status");
    if (!status || !window.ReadableStream) return;
    event.preventDefault();
    if (link.getAttribute("aria-disabled") === "true") return;
    link.setAttribute("aria-disabled", "true");
    const say = (text) => (status.textContent = text);
    say("Exporting…");
    try {
      // Sent with the page's address as its Referer: the server exports the view shown.
      const response = await fetch(link.href, { credentials: "same-origin" });
      if (!response.ok) {
        say(`Export failed: ${reason(await response.text(), response.status)}`);
        return;
      }
      const reader = response.body.getReader();
      const parts = [];
      let bytes = 0, ends = 0, last = 0;
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        parts.push(value);
        bytes += value.length;
        ends += lineEnds(value, last);
        last = value[value.length - 1];
        say(`Exporting… ${number(Math.max(ends - 1, 0))} rows, ${megabytes(bytes)} MB so far`);
      }
      const disposition = response.headers.get("content-disposition") || "";
      const name = (disposition.match(/filename="([^"]+)"/) || [])[1] || "users.csv";
      const url = URL.createObjectURL(new Blob(parts, { type: "text/csv" }));
      const save = document.createElement("a");
      save.href = url;
      save.download = name;
      document.body.append(save);
      save.click();
      save.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
      const rows = Math.max(ends - 1, 0);
      say(`Exported ${number(rows)} ${rows === 1 ? "row" : "rows"} (${megabytes(bytes)} MB).`);
    } catch {
      say("Export stopped: the connection failed. Try again.");
    } finally {
      link.removeAttribute("aria-disabled");
    }
  });
})();
