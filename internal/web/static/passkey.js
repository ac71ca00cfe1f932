// Siegel web mailbox: passkeys (WebAuthn). Adding one in the settings and
// stepping up with one: the server's options (JSON, as go-webauthn writes
// them) go to navigator.credentials.create or .get, and the browser's
// answer goes back as JSON, with the page's CSRF token in a header. The
// server keeps the ceremony's state; this script only carries messages.
// Without it, or without WebAuthn, the pages say so and the TOTP code works
// as ever.
"use strict";
(function () {
  function supported() {
    return !!(window.PublicKeyCredential && navigator.credentials && navigator.credentials.create &&
      window.fetch && window.JSON && window.Uint8Array);
  }

  // base64url, as the server writes binary fields, and back.
  function encode(buf) {
    var bytes = new Uint8Array(buf), s = "";
    for (var i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
    return window.btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }
  function decode(s) {
    s = String(s).replace(/-/g, "+").replace(/_/g, "/");
    while (s.length % 4) s += "=";
    var bin = window.atob(s), bytes = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    return bytes.buffer;
  }
  function decodeIDs(list) {
    (list || []).forEach(function (c) { c.id = decode(c.id); });
  }

  // The options for the browser: binary fields as ArrayBuffers.
  function creationOptions(o) {
    var pk = o.publicKey;
    pk.challenge = decode(pk.challenge);
    pk.user.id = decode(pk.user.id);
    decodeIDs(pk.excludeCredentials);
    return { publicKey: pk };
  }
  function requestOptions(o) {
    var pk = o.publicKey;
    pk.challenge = decode(pk.challenge);
    decodeIDs(pk.allowCredentials);
    return { publicKey: pk };
  }

  // The browser's answer as JSON (WebAuthn's RegistrationResponseJSON and
  // AuthenticationResponseJSON).
  function credentialJSON(cred) {
    var r = cred.response, out = {
      id: cred.id, rawId: encode(cred.rawId), type: cred.type,
      authenticatorAttachment: cred.authenticatorAttachment || undefined,
      clientExtensionResults: cred.getClientExtensionResults ? cred.getClientExtensionResults() : {},
      response: { clientDataJSON: encode(r.clientDataJSON) }
    };
    if (r.attestationObject) {
      out.response.attestationObject = encode(r.attestationObject);
      if (r.getTransports) out.response.transports = r.getTransports();
    } else {
      out.response.authenticatorData = encode(r.authenticatorData);
      out.response.signature = encode(r.signature);
      if (r.userHandle) out.response.userHandle = encode(r.userHandle);
    }
    return out;
  }

  function post(url, csrf, body) {
    var init = { method: "POST", credentials: "same-origin", headers: { "X-CSRF-Token": csrf, "Accept": "application/json" } };
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    return window.fetch(url, init).then(function (res) {
      return res.json().catch(function () { return {}; }).then(function (data) {
        if (!res.ok) throw { server: data.error || "" };
        return data;
      });
    });
  }

  function start(box) {
    var kind = box.getAttribute("data-passkey"), csrf = box.getAttribute("data-csrf");
    var button = box.querySelector("[data-passkey-start]"), out = box.querySelector("[data-passkey-error]");
    var name = box.querySelector("input[name=name]");
    function fail(err) {
      var msg = box.getAttribute("data-msg-failed");
      if (err && err.server) msg = err.server;
      else if (err && err.name === "InvalidStateError" && box.getAttribute("data-msg-exists")) msg = box.getAttribute("data-msg-exists");
      else if (err && (err.name === "NotAllowedError" || err.name === "AbortError" || err.name === "InvalidStateError")) msg = box.getAttribute("data-msg-cancelled");
      out.textContent = msg;
      out.hidden = false;
      button.disabled = false;
      button.focus();
    }
    button.addEventListener("click", function () {
      button.disabled = true;
      out.hidden = true;
      out.textContent = "";
      post(box.getAttribute("data-options"), csrf).then(function (opts) {
        return kind === "add" ? navigator.credentials.create(creationOptions(opts)) : navigator.credentials.get(requestOptions(opts));
      }).then(function (cred) {
        if (!cred) throw new Error("no credential");
        var body = { credential: credentialJSON(cred) };
        if (name) body.name = name.value;
        if (box.getAttribute("data-next")) body.next = box.getAttribute("data-next");
        return post(box.getAttribute("data-finish"), csrf, body);
      }).then(function (res) {
        window.location.assign(res.redirect || "/");
      }).catch(fail);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (!supported()) return;
    document.querySelectorAll("[data-passkey]").forEach(function (box) {
      box.hidden = false;
      start(box);
    });
    document.querySelectorAll("[data-passkey-unsupported]").forEach(function (el) { el.hidden = true; });
  });
})();
