// The review page's one script. It sends the page's changes: each carries the page's key (from
// the printed link's #key=..., kept in this tab's sessionStorage, which no other port can read)
// in a header, without which the server changes nothing (pipeline/outbox/page.py, Guard). It keeps
// typed text from being lost: Approve sends the typed text (saved, then approved), Reject and
// leaving the page warn, Approve all asks first. And the live counter (the server counts through
// /drafts/ID/measure, with the network's own rules) and the keyboard shortcuts.
(function () {
  "use strict";
  var KEY = "newsdesk-review-key";
  var timers = new WeakMap();

  var given = /^#key=([A-Za-z0-9_-]+)$/.exec(location.hash);
  if (given) {
    sessionStorage.setItem(KEY, given[1]);
    history.replaceState(null, "", location.pathname + location.search);   // out of the address bar
  }

  function key() { return sessionStorage.getItem(KEY) || ""; }

  function send(url, body, accept) {
    return fetch(url, {method: "POST", body: body, credentials: "same-origin",
                       headers: {"Accept": accept || "text/html", "X-Newsdesk-Key": key()}});
  }

  function boxOf(draft) { return draft ? draft.querySelector("form.edit textarea") : null; }

  function unsaved(box) {
    return !!box && (box.value !== box.defaultValue || box.hasAttribute("data-unsaved"));
  }

  function dirtyDrafts() {
    return Array.prototype.filter.call(document.querySelectorAll("[data-draft]"),
                                       function (d) { return unsaved(boxOf(d)); });
  }

  function say(text) {
    var main = document.querySelector("main");
    var p = document.getElementById("script-notice");
    if (!p) {
      p = document.createElement("p");
      p.id = "script-notice";
      p.className = "notice error";
      p.setAttribute("role", "alert");
      main.insertBefore(p, main.firstChild);
    }
    p.textContent = text;
  }

  // The server's answer, shown in place: after a change, the page it redirects to (at the draft
  // changed); after a refusal, its page with the reviewer's text in the box. Text typed in other
  // boxes stays in them, still unsaved, on the version of the file it was typed over.
  function show(response, draftId) {
    var type = response.headers.get("content-type") || "";
    return response.text().then(function (text) {
      if (type.indexOf("text/html") !== 0) { say(text); return; }
      var kept = dirtyDrafts().filter(function (d) { return d.id !== "draft-" + draftId; }).map(function (d) {
        var box = boxOf(d);
        return [box.id, box.value, box.form.querySelector("input[name=base]").value];
      });
      var doc = new DOMParser().parseFromString(text, "text/html");
      document.replaceChild(document.adoptNode(doc.documentElement), document.documentElement);
      kept.forEach(function (k) {
        var box = document.getElementById(k[0]);
        if (!box || !box.form) return;
        box.value = k[1];
        box.setAttribute("data-unsaved", "");
        box.form.querySelector("input[name=base]").value = k[2];
      });
      if (response.redirected) {
        history.replaceState(null, "", response.url + (draftId ? "#draft-" + draftId : ""));
      }
      setUp();
    });
  }

  function measure(form) {
    var box = form.querySelector("textarea");
    var id = box.id.replace(/^text-/, "");
    var body = new FormData();
    body.append("text", box.value);
    send(form.dataset.measure, body, "application/json")
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

  document.addEventListener("input", function (ev) {
    var box = ev.target;
    if (!box.form || !box.form.dataset.measure || box.tagName !== "TEXTAREA") return;
    clearTimeout(timers.get(box));
    timers.set(box, setTimeout(function () { measure(box.form); }, 200));
  });

  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    ev.preventDefault();
    var submitter = ev.submitter;
    var url = submitter && submitter.hasAttribute("formaction") ? submitter.formAction : form.action;
    var body = new FormData(form);
    var draft = form.closest("[data-draft]");
    var box = boxOf(draft);
    if (/\/approve$/.test(url) && unsaved(box)) {          // the typed text is what gets approved
      body.append("text", box.value);
      body.append("base", box.form.querySelector("input[name=base]").value);
    } else if (/\/reject$/.test(url) && unsaved(box) &&
               !confirm("This draft has text you have not saved. Reject it and drop that text?")) {
      return;
    } else if (/\/approve-all$/.test(url)) {
      var dirty = dirtyDrafts();
      if (dirty.length) {
        say("Nothing approved: " + dirty.length + " draft(s) hold text you have not saved. " +
            "Save or Approve each of them first.");
        dirty[0].focus();
        return;
      }
      var n = form.querySelectorAll("input[name=seen]").length;
      if (!confirm("Approve all " + n + " drafts still in draft? Each goes out with the next `newsdesk deliver`.")) {
        return;
      }
    }
    send(url, body).then(function (r) { return show(r, draft ? draft.id.replace(/^draft-/, "") : null); })
      .catch(function () { say("Not done: the review server did not answer. Is `newsdesk outbox serve` still running?"); });
  });

  window.addEventListener("beforeunload", function (ev) {
    if (!dirtyDrafts().length) return;
    ev.preventDefault();
    ev.returnValue = "";       // the browser asks whether to leave with unsaved text
  });

  function current() {
    var el = document.activeElement;
    return el ? el.closest("[data-draft]") : null;
  }

  function go(step) {
    var drafts = Array.prototype.slice.call(document.querySelectorAll("[data-draft]"));
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
      case "?": el = document.getElementById("help"); el.hidden = !el.hidden; break;
      case "a": el = here && here.querySelector("button.approve"); if (el) el.click(); break;
      case "r": el = here && here.querySelector(".reject input"); if (el) el.focus(); break;
      case "e": el = here && here.querySelector("textarea"); if (el) el.focus(); break;
      default: return;
    }
    ev.preventDefault();
  });

  // Back at the draft just changed (#draft-ID), or at the one whose Save was refused.
  function setUp() {
    var refused = document.querySelector("[data-draft] .error, [data-draft] .conflict");
    var target = refused ? refused.closest("[data-draft]")
      : location.hash.indexOf("#draft-") === 0 ? document.getElementById(location.hash.slice(1)) : null;
    if (target) target.focus();
  }
  setUp();
})();
