// Siegel compose page: the address book's pickers (TR PVD-FU §3.1.3.5).
// Each recipient field has a picker whose <datalist> offers the holder's
// contacts; without this script the server adds what was picked to the
// field when the letter is sent. With it, a contact picked (or an address
// typed and confirmed) moves into its field at once, where the address
// check and the draft see it.
"use strict";
(function () {
  function ready(fn) {
    if (document.readyState !== "loading") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }

  ready(function () {
    var list = document.getElementById("compose-contacts");
    if (!list) return;
    var known = {};
    Array.prototype.forEach.call(list.options, function (o) { known[o.value] = true; });

    document.querySelectorAll("input[data-contact-for]").forEach(function (pick) {
      var field = document.getElementById(pick.getAttribute("data-contact-for"));
      if (!field) return;
      function take() {
        var v = pick.value.trim();
        if (!v) return;
        var cur = field.value.replace(/[\s,;]+$/, "");
        field.value = cur ? cur + ", " + v : v;
        pick.value = "";
        field.dispatchEvent(new Event("input", { bubbles: true }));
        field.dispatchEvent(new Event("change", { bubbles: true }));
      }
      // A contact chosen from the list fills the picker with its address.
      pick.addEventListener("input", function () { if (known[pick.value.trim()]) take(); });
      pick.addEventListener("change", take);
      pick.addEventListener("keydown", function (ev) {
        if (ev.key === "Enter") { ev.preventDefault(); take(); }
      });
    });
  });
})();
