// The review page's one script. The page works without it; this adds the live counter (the
// server counts through /drafts/ID/measure, with the network's own rules) and the shortcuts.
(function () {
  "use strict";
  var timers = new WeakMap();

  function measure(form) {
    var box = form.querySelector("textarea");
    var id = box.id.replace(/^text-/, "");
    var body = new FormData();
    body.append("text", box.value);
    fetch(form.dataset.measure, {method: "POST", body: body, credentials: "same-origin",
                                 headers: {"Accept": "application/json"}})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (m) {
        if (!m) return;
        var out = document.getElementById("count-" + id);
        out.textContent = m.limit ? m.length + " / " + m.limit : m.length + " characters";
        out.className = "count state-" + m.state;
        document.getElementById("why-" + id).textContent = m.why || "";
      })
      .catch(function () {});
  }

  document.querySelectorAll("form[data-measure] textarea").forEach(function (box) {
    box.addEventListener("input", function () {
      clearTimeout(timers.get(box));
      timers.set(box, setTimeout(function () { measure(box.form); }, 200));
    });
  });

  var drafts = Array.prototype.slice.call(document.querySelectorAll("[data-draft]"));
  var help = document.getElementById("help");

  function current() {
    var el = document.activeElement;
    return el ? el.closest("[data-draft]") : null;
  }

  function go(step) {
    var at = drafts.indexOf(current());
    var next = drafts[Math.max(0, Math.min(drafts.length - 1, at < 0 ? 0 : at + step))];
    if (next) { next.focus(); next.scrollIntoView({block: "nearest"}); }
  }

  document.addEventListener("keydown", function (ev) {
    var t = ev.target;
    if (ev.key === "Escape" && t.closest && t.closest("[data-draft]") && /^(TEXTAREA|INPUT)$/.test(t.tagName)) {
      t.closest("[data-draft]").focus();
      return;
    }
    if (ev.ctrlKey || ev.metaKey || ev.altKey || /^(TEXTAREA|INPUT|SELECT|BUTTON)$/.test(t.tagName)) return;
    var here = current();
    var el = null;
    switch (ev.key) {
      case "j": go(1); break;
      case "k": go(-1); break;
      case "?": help.hidden = !help.hidden; break;
      case "a": el = here && here.querySelector("button.approve"); if (el) el.click(); break;
      case "r": el = here && here.querySelector(".reject input"); if (el) el.focus(); break;
      case "e": el = here && here.querySelector("textarea"); if (el) el.focus(); break;
      default: return;
    }
    ev.preventDefault();
  });

  // Back at the draft just changed (#draft-ID), or at the one whose Save was refused.
  var refused = document.querySelector("[data-draft] .error, [data-draft] .conflict");
  var target = refused ? refused.closest("[data-draft]")
    : location.hash.indexOf("#draft-") === 0 ? document.getElementById(location.hash.slice(1)) : null;
  if (target) target.focus();
})();
