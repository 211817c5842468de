/* Counselor pages: copy a partner's link, note that it was sent, and stay signed in while typing. */
(function () {
  "use strict";

  // A form came back with problems: start the reader at its summary, not at the top of the page.
  var problems = document.querySelector("[data-error-summary]");
  if (problems) { problems.focus(); }

  var token = document.querySelector("input[name=csrf_token]");

  function markSent(url) {
    if (!url || !token) { return; }
    var data = new FormData();
    data.set("csrf_token", token.value);
    data.set("background", "1");
    fetch(url, { method: "POST", body: data, credentials: "same-origin" });
  }

  document.querySelectorAll("[data-copy]").forEach(function (button) {
    var field = document.getElementById(button.getAttribute("data-copy"));
    if (!field || !navigator.clipboard) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(field.value).then(function () {
        button.textContent = "Copied";
        markSent(button.getAttribute("data-sent-url"));
      }, function () {
        field.select();
        button.textContent = "Press Ctrl+C to copy";
      });
    });
  });

  document.querySelectorAll("a[data-sent-url]").forEach(function (link) {
    link.addEventListener("click", function () { markSent(link.getAttribute("data-sent-url")); });
  });

  document.querySelectorAll("[data-copy-source]").forEach(function (field) {
    field.addEventListener("focus", function () { field.select(); });
  });

  // Writing a long note is activity: tell the server now and then, so the idle sign-out
  // does not come while the counselor is still typing.
  var lastPing = Date.now();
  document.addEventListener("input", function () {
    if (Date.now() - lastPing < 5 * 60 * 1000) { return; }
    lastPing = Date.now();
    fetch("/still-here", { credentials: "same-origin" });
  });
})();
