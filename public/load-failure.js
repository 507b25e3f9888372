// Roster: says so when part of a page's code fails to arrive (a network
// hiccup, a deploy under way), as the page then stays as the server drew it
// and its buttons wait for code that will not come. Until the page is live
// (`body[data-hydrated]`), any failure in bringing it to life means that.
"use strict";
addEventListener("unhandledrejection", () => {
  if (document.body.hasAttribute("data-hydrated") || document.getElementById("load-failure")) return;
  const notice = document.createElement("p");
  notice.id = "load-failure";
  notice.className = "load-failure";
  notice.setAttribute("role", "alert");
  notice.textContent = "Part of this page did not load, so some of its buttons do not work. Reload the page to try again.";
  document.body.prepend(notice);
});
