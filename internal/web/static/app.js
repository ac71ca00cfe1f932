// Siegel web mailbox: small progressive enhancements. Every page works
// without this script; it only helps.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  // Elements that ask for confirmation before their form is sent.
  document.querySelectorAll("[data-confirm]").forEach(function (el) {
    el.addEventListener("click", function (ev) {
      if (!window.confirm(el.getAttribute("data-confirm"))) ev.preventDefault();
    });
  });
});
