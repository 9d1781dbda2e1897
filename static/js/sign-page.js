/*
 * The request signing page (P5): sign the canonical request with NCALayer,
 * put the CMS into the form and send it. The staff request page uses it too,
 * for the executor's result or refusal (templates/services/staff/
 * _prepared_signing.html): keep it free of anything only one page has.
 * Everything it needs comes from
 * data attributes of the form (no inline script, CSP-friendly):
 *   data-document   the exact bytes to sign, base64
 *   data-ncalayer   NCALayer's WebSocket address
 *   data-iin        the applicant's IIN (NCALayer offers only that person's keys)
 *   data-locale     NCALayer's dialogue language
 *   data-msg-*      the page's messages, already translated by the server
 * Progress goes to the polite live region, failures to the alert region.
 */
(function () {
  "use strict";

  function format(template, values) {
    return String(template || "").replace(/%\((\w+)\)s/g, function (whole, name) {
      return Object.prototype.hasOwnProperty.call(values, name) ? values[name] : whole;
    });
  }

  function init() {
    var form = document.querySelector("form[data-ncalayer-sign]");
    if (!form || !window.NCALayer) { return; }
    var data = form.dataset;
    var button = form.querySelector("[data-sign-button]");
    var signatureField = form.querySelector("input[name=signature]");
    var documentField = form.querySelector("input[name=document]");
    var status = document.getElementById(data.statusRegion);
    var alertRegion = document.getElementById(data.errorRegion);
    var busy = false;

    function say(text) {
      if (status) { status.textContent = text || ""; }
    }

    function fail(text) {
      say("");
      if (alertRegion) {
        alertRegion.textContent = text;
        alertRegion.hidden = false;
        alertRegion.focus();
      }
    }

    function done() {
      busy = false;
      if (button) {
        button.disabled = false;
        button.removeAttribute("aria-busy");
      }
    }

    function explain(error) {
      var code = error && error.code;
      if (code === "not_running") { return data.msgNotRunning; }
      if (code === "closed" || code === "not_connected") { return data.msgClosed; }
      return format(data.msgFailed, { reason: (error && (error.message || error.code)) || "" });
    }

    form.addEventListener("submit", function (event) {
      if (signatureField.value) { return; } // signed: let the form go
      event.preventDefault();
      if (busy) { return; }
      busy = true;
      if (button) {
        button.disabled = true;
        button.setAttribute("aria-busy", "true");
      }
      if (alertRegion) {
        alertRegion.hidden = true;
        alertRegion.textContent = "";
      }
      say(data.msgConnecting);
      window.NCALayer.connect(data.ncalayer)
        .then(function () {
          say(data.msgChooseKey);
          return window.NCALayer.sign({ data: data.document, iin: data.iin, locale: data.locale });
        })
        .then(function (cms) {
          signatureField.value = cms;
          if (documentField) { documentField.value = data.document; }
          say(data.msgSending);
          window.NCALayer.close();
          form.submit(); // does not fire "submit" again
        })
        .catch(function (error) {
          done();
          fail(explain(error));
        });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
