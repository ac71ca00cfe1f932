// Siegel compose page: keeps a draft of the letter in this browser and
// checks addresses as they are typed. The page works without it; it only
// helps, and it never sends anything but an address to check.
//
// The draft (the text fields and options, never attachments) lives in
// localStorage under the form's data-draft-key, one per account. It is
// restored when the page loads empty, so that an expired session or an
// old CSRF token never loses a letter being written, and dropped when
// the letter page after a send carries data-draft-sent.
"use strict";
(function () {
  var FIELDS = ["to", "cc", "bcc", "subject", "text", "private_id"];
  var BOXES = ["personal", "sender_confirmed", "dispatch_confirmation", "receipt_confirmation", "pickup_confirmation"];

  function store() {
    try { return window.localStorage; } catch (e) { return null; } // storage may be off
  }

  function ready(fn) {
    if (document.readyState !== "loading") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }

  ready(function () {
    var ls = store();
    document.querySelectorAll("[data-draft-sent]").forEach(function (el) {
      if (ls) { try { ls.removeItem(el.getAttribute("data-draft-sent")); } catch (e) { /* nothing kept */ } }
    });
    var form = document.querySelector("form.compose");
    if (!form) return;
    var key = form.getAttribute("data-draft-key");
    var note = form.querySelector(".compose-restored");
    var discard = form.querySelector(".compose-discard");
    function el(name) { return form.elements.namedItem(name); }

    function isEmpty() {
      return FIELDS.every(function (n) { var e = el(n); return !e || !e.value.trim(); });
    }

    function save() {
      if (!ls) return;
      var empty = isEmpty();
      try {
        if (empty) {
          ls.removeItem(key);
        } else {
          var d = {};
          FIELDS.forEach(function (n) { var e = el(n); if (e) d[n] = e.value; });
          BOXES.forEach(function (n) { var e = el(n); if (e && !e.disabled) d[n] = e.checked; });
          ls.setItem(key, JSON.stringify(d));
        }
      } catch (e) { /* full or off: the form still works */ }
      discard.hidden = empty;
    }

    function restore() {
      if (!ls || !isEmpty()) return false;
      var d;
      try { d = JSON.parse(ls.getItem(key) || "null"); } catch (e) { return false; }
      if (!d || typeof d !== "object") return false;
      FIELDS.forEach(function (n) { var e = el(n); if (e && typeof d[n] === "string") e.value = d[n]; });
      BOXES.forEach(function (n) { var e = el(n); if (e && !e.disabled && typeof d[n] === "boolean") e.checked = d[n]; });
      if (isEmpty()) return false;
      note.textContent = form.getAttribute("data-text-restored");
      note.hidden = false;
      return true;
    }

    if (!restore()) save(); // a form shown again after an error is the draft now
    var invalid = form.querySelector("[aria-invalid=true]:not([disabled])");
    if (invalid) invalid.focus(); // the first field the server refused
    discard.hidden = isEmpty();
    form.addEventListener("input", save);
    form.addEventListener("change", save);
    discard.addEventListener("click", function () {
      FIELDS.forEach(function (n) { var e = el(n); if (e) e.value = ""; });
      BOXES.forEach(function (n) { var e = el(n); if (e && !e.disabled) e.checked = false; });
      note.hidden = true;
      save();
      el("to").focus();
    });

    // A pickup confirmation makes the letter personal (TR PVD-FU §3.3.5);
    // the server does so in any case, the box shows it.
    var pickup = el("pickup_confirmation"), personal = el("personal");
    if (pickup && personal) {
      pickup.addEventListener("change", function () {
        if (pickup.checked && !personal.disabled) personal.checked = true;
      });
    }

    // The address check: each address in a recipient field is asked
    // about once (per personal or not), after a pause in typing or when
    // the field is left.
    var url = form.getAttribute("data-check-url");
    var cache = {};
    function isPersonal() {
      return (personal && personal.checked) || (pickup && pickup.checked);
    }
    function ask(addr, pers) {
      var k = (pers ? "1 " : "0 ") + addr;
      if (cache[k]) return Promise.resolve(cache[k]);
      var q = url + "?address=" + encodeURIComponent(addr) + (pers ? "&personal=1" : "");
      return fetch(q, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (r) {
          if (r.status !== 200 && r.status !== 401) return null;
          return r.json().then(function (j) { return r.status === 401 ? { unknown: true, message: j.message } : j; });
        })
        .then(function (j) { if (j && !j.unknown) cache[k] = j; return j; })
        .catch(function () { return null; });
    }
    function check(area) {
      var out = document.getElementById(area.id + "-check");
      var value = area.value;
      var addrs = value.split(/[,;\r\n]+/).map(function (a) { return a.trim(); }).filter(Boolean).slice(0, 50);
      if (!addrs.length) {
        out.textContent = "";
        area.removeAttribute("aria-invalid");
        return;
      }
      out.className = "compose-check";
      out.textContent = form.getAttribute("data-text-checking");
      var pers = isPersonal();
      Promise.all(addrs.map(function (a) { return ask(a, pers); })).then(function (answers) {
        if (area.value !== value) return; // typed on meanwhile
        var bad = answers.filter(function (a) { return a && a.ok === false && !a.unknown; });
        var unknown = answers.filter(function (a) { return !a || a.unknown; });
        if (bad.length) {
          out.className = "compose-check bad";
          out.textContent = bad.map(function (a) { return a.message; }).join(" ");
          area.setAttribute("aria-invalid", "true");
        } else if (unknown.length) {
          out.className = "compose-check";
          out.textContent = unknown[0] ? unknown[0].message : "";
          area.removeAttribute("aria-invalid");
        } else {
          out.className = "compose-check ok";
          out.textContent = "✓ " + answers[0].message;
          area.removeAttribute("aria-invalid");
        }
      });
    }
    form.querySelectorAll("textarea.compose-addresses").forEach(function (area) {
      var timer = null;
      area.addEventListener("input", function () {
        clearTimeout(timer);
        timer = setTimeout(function () { check(area); }, 700);
      });
      area.addEventListener("change", function () { clearTimeout(timer); check(area); });
      if (area.value.trim() && !area.hasAttribute("aria-invalid")) check(area);
    });
    [personal, pickup].forEach(function (box) {
      if (!box) return;
      box.addEventListener("change", function () {
        form.querySelectorAll("textarea.compose-addresses").forEach(function (area) { if (area.value.trim()) check(area); });
      });
    });
  });
})();
