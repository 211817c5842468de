/* Partner pages: leave quickly, and save answers as they are typed. */
(function () {
  "use strict";

  var exit = document.querySelector("[data-quick-exit]");
  if (exit) {
    exit.addEventListener("click", function (event) {
      event.preventDefault();
      document.body.hidden = true;
      // replace(): the worksheet does not stay in this tab's history for Back to find.
      window.location.replace(exit.href);
    });
  }

  // Start replaces the welcome page in this tab's history, so Back after Leave quickly finds
  // nothing of the worksheet. Without script the form posts as usual.
  var start = document.querySelector("form[data-start]");
  if (start) {
    start.addEventListener("submit", function (event) {
      event.preventDefault();
      fetch(start.action, { method: "POST", body: new FormData(start), credentials: "same-origin" })
        .then(function (response) {
          if (response.ok && response.redirected) { window.location.replace(response.url); }
          else { start.submit(); }
        })
        .catch(function () { start.submit(); });
    });
  }

  var problems = document.getElementById("problems");
  if (problems) { problems.focus(); }

  var form = document.querySelector("form[data-autosave]");
  if (!form) { return; }
  var status = form.querySelector("[data-save-status]");
  var timer = null;
  var dirty = false;

  function say(text) { if (status) { status.textContent = text; } }

  function payload() {
    var data = new FormData(form);
    data.set("autosave", "1");
    return data;
  }

  function showErrors(errors) {
    form.querySelectorAll(".question").forEach(function (box) {
      var id = box.id.replace(/^q-/, "");
      var note = box.querySelector(".error[data-live]");
      if (errors[id]) {
        if (!note) {
          note = document.createElement("p");
          note.className = "error";
          note.setAttribute("data-live", "");
          box.appendChild(note);
        }
        note.textContent = errors[id];
      } else if (note) {
        note.remove();
      }
    });
  }

  function save() {
    timer = null;
    if (!dirty) { return; }
    dirty = false;
    say("Saving…");
    fetch(form.action, { method: "POST", body: payload(), credentials: "same-origin" })
      .then(function (response) {
        return response.json().then(function (body) { return { ok: response.ok, body: body }; });
      })
      .then(function (result) {
        if (result.ok && result.body.saved) {
          showErrors(result.body.errors || {});
          say(Object.keys(result.body.errors || {}).length ? "Saved, but one answer needs a look." : "Saved");
        } else {
          say(result.body.message || "Not saved. Please use the Save draft button.");
        }
      })
      .catch(function () {
        dirty = true;
        say("Not saved yet. Check your connection; we will try again.");
        schedule(5000);
      });
  }

  function schedule(delay) {
    if (timer) { clearTimeout(timer); }
    timer = setTimeout(save, delay);
  }

  function changed() {
    dirty = true;
    say("");
    schedule(700);
  }

  form.addEventListener("input", changed);
  form.addEventListener("change", changed);
  form.addEventListener("submit", function () {
    dirty = false;  // the button's own post saves everything
    if (timer) { clearTimeout(timer); }
  });

  // The phone locks or the tab closes: send what is unsaved before the page goes.
  function flush() {
    if (dirty && navigator.sendBeacon) {
      navigator.sendBeacon(form.action, payload());
      dirty = false;
    }
  }
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") { flush(); }
  });
  window.addEventListener("pagehide", flush);
})();
