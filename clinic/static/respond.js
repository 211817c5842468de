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
          if (response.ok && response.redirected) { window.location.replace(response.url); return; }
          // A wrong or missing code: show the answer as it is. Posting again would count the
          // same wrong code twice.
          return response.text().then(function (html) {
            document.open();
            document.write(html);
            document.close();
          });
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
  var failed = false;  // the server refused the last save (expired page, locked answers)
  // Only the questions touched here are sent, so a second tab's older copy of the page
  // cannot overwrite what was saved from the first.
  var touched = {};

  function say(text) { if (status) { status.textContent = text; } }

  function payload(ids) {
    var data = new FormData(form);
    data.set("autosave", "1");
    ids.forEach(function (id) { data.append("changed", id); });
    return data;
  }

  function takeTouched() {
    var ids = Object.keys(touched);
    touched = {};
    return ids;
  }

  // A message that comes back while the partner types goes where the server would have put it
  // (after the prompt and its help) and is tied to its question the same way: named in the
  // question's aria-describedby, and a text field marked aria-invalid. Only the questions just
  // sent are touched: the others keep what they show.
  function describedBy(field, noteId, on) {
    var ids = (field.getAttribute("aria-describedby") || "").split(" ").filter(function (id) {
      return id && id !== noteId;
    });
    if (on) { ids.push(noteId); }
    if (ids.length) { field.setAttribute("aria-describedby", ids.join(" ")); }
    else { field.removeAttribute("aria-describedby"); }
  }

  function showErrors(ids, errors) {
    ids.forEach(function (id) {
      var box = document.getElementById("q-" + id);
      if (!box) { return; }
      var noteId = box.id + "-error";
      var note = document.getElementById(noteId);
      var field = box.querySelector("fieldset, input[type=text], textarea");
      var text = field && field.tagName !== "FIELDSET";
      if (errors[id]) {
        if (!note) {
          var before = box.querySelectorAll(".prompt, .private-note, .help");
          note = document.createElement("p");
          note.className = "error";
          note.id = noteId;
          before[before.length - 1].insertAdjacentElement("afterend", note);
        }
        note.textContent = errors[id];
        box.classList.add("has-error");
      } else if (note) {
        note.remove();
        box.classList.remove("has-error");
      }
      if (field) {
        describedBy(field, noteId, Boolean(errors[id]));
        if (text && errors[id]) { field.setAttribute("aria-invalid", "true"); }
        else if (text) { field.removeAttribute("aria-invalid"); }
      }
    });
  }

  function save() {
    timer = null;
    if (!dirty) { return; }
    dirty = false;
    var ids = takeTouched();
    say("Saving…");
    fetch(form.action, { method: "POST", body: payload(ids), credentials: "same-origin" })
      .then(function (response) {
        var json = (response.headers.get("Content-Type") || "").indexOf("json") !== -1;
        if (!json) {
          // The session ended (browser data cleared, link replaced): no answers can be saved.
          return { ok: false, body: { message:
            "Not saved: this page has expired. Please open your link again; what was saved before is safe." } };
        }
        return response.json().then(function (body) { return { ok: response.ok, body: body }; });
      })
      .then(function (result) {
        failed = !(result.ok && result.body.saved);
        if (!failed) {
          showErrors(ids, result.body.errors || {});
          say(Object.keys(result.body.errors || {}).length ? "Saved, but one answer needs a look." : "Saved");
        } else {
          say(result.body.message || "Not saved. Please use the Save draft button.");
        }
      })
      .catch(function () {
        ids.forEach(function (id) { touched[id] = true; });
        dirty = true;
        say("Not saved yet. Check your connection; we will try again.");
        schedule(5000);
      });
  }

  function schedule(delay) {
    if (timer) { clearTimeout(timer); }
    timer = setTimeout(save, delay);
  }

  function changed(event) {
    var name = event.target && event.target.name;
    if (name && name !== "csrf_token") { touched[name.split(".")[0]] = true; }
    dirty = true;
    say("");
    schedule(700);
  }

  form.addEventListener("input", changed);
  form.addEventListener("change", changed);

  // On a slow phone the page can be shown, and typed in, before this script runs. What was
  // typed or picked then differs from what the page came with: it is saved as any change is.
  // (The form's autocomplete="off" keeps browsers from filling in answers they remember from
  // an older copy of the page, which this would otherwise take for the partner's typing.)
  function differs(field) {
    if (field.type === "checkbox" || field.type === "radio") {
      return field.checked !== field.defaultChecked;
    }
    return field.type !== "hidden" && "defaultValue" in field && field.value !== field.defaultValue;
  }
  Array.prototype.forEach.call(form.elements, function (field) {
    if (field.name && differs(field)) { changed({ target: field }); }
  });
  form.addEventListener("submit", function (event) {
    // Enter in a one-line answer (Go on a phone) presses the hidden first button, which saves
    // and stays: here that is a save in the background, so the page keeps its place and focus.
    // After the server refused a save, the post goes as usual, to hear why in full; with no
    // connection the save is simply tried again.
    if (event.submitter && event.submitter.hasAttribute("data-enter-saves") && !failed) {
      event.preventDefault();
      if (timer) { clearTimeout(timer); }
      if (dirty) { save(); } else { say("Saved"); }
      return;
    }
    dirty = false;  // the button's own post saves everything
    if (timer) { clearTimeout(timer); }
  });

  // The phone locks or the tab closes: send what is unsaved before the page goes.
  function flush() {
    if (dirty && navigator.sendBeacon) {
      navigator.sendBeacon(form.action, payload(takeTouched()));
      dirty = false;
    }
  }
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") { flush(); }
  });
  window.addEventListener("pagehide", flush);
})();
