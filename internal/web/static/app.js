// Siegel web mailbox: small progressive enhancements. Every page works
// without this script; it only helps.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  // Logging out forgets the drafts kept in this browser (compose.js): a
  // shared computer keeps no letter begun.
  document.querySelectorAll("form[data-logout]").forEach(function (form) {
    form.addEventListener("submit", function () {
      try {
        Object.keys(window.localStorage).forEach(function (k) {
          if (k.indexOf("siegel-draft:") === 0) window.localStorage.removeItem(k);
        });
      } catch (e) { /* storage off: nothing kept */ }
    });
  });
  // A form sent once is not sent again by a second click (two
  // applications, two letters): its buttons wait for the answer.
  document.querySelectorAll("form[method=post]").forEach(function (form) {
    form.addEventListener("submit", function (ev) {
      if (ev.defaultPrevented) return;
      window.setTimeout(function () {
        form.querySelectorAll("button[type=submit], button:not([type])").forEach(function (b) { b.disabled = true; });
      }, 0);
    });
  });
  // Back to a page from the browser's cache: its buttons work again.
  window.addEventListener("pageshow", function (ev) {
    if (!ev.persisted) return;
    document.querySelectorAll("form[method=post] button:disabled").forEach(function (b) { b.disabled = false; });
  });
  // Elements that ask for confirmation before their form is sent.
  document.querySelectorAll("[data-confirm]").forEach(function (el) {
    el.addEventListener("click", function (ev) {
      if (!window.confirm(el.getAttribute("data-confirm"))) ev.preventDefault();
    });
  });
});
