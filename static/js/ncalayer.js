/*
 * A small client of NCALayer, the national CA's signing application that
 * runs on the citizen's computer and listens on a local WebSocket
 * (wss://127.0.0.1:13579/ by default). No modules, no dependencies, no
 * inline code: load it with <script src> and use window.NCALayer.
 *
 *   NCALayer.connect(url)            -> Promise<{version}>
 *   NCALayer.sign({data, iin, bin, locale, storages})
 *                                    -> Promise<string>  (base64 CMS, detached)
 *   NCALayer.close()
 *
 * Protocol (module kz.gov.pki.knca.basics, method sign): on connect the
 * application sends its version; each request gets one reply, in order:
 * {status: true, body: {result: [...]}} or {status: false, code, message}.
 * Errors are NCALayerError objects with a `code`:
 *   "not_running"  nothing answers at the address (NCALayer not started,
 *                  or its certificate not accepted by the browser),
 *   "not_connected" sign() before connect(),
 *   "closed"       the connection dropped before the reply,
 *   "bad_reply"    the reply is not what the protocol says,
 *   anything else  NCALayer's own code (e.g. the citizen cancelled).
 * The signer filter (IIN, key usage) only helps the citizen pick the right
 * key: the portal checks the signature again, completely.
 */
(function (global) {
  "use strict";

  var MODULE = "kz.gov.pki.knca.basics";
  var SIGNING_KEY_USAGE = "1.3.6.1.5.5.7.3.4"; // emailProtection: the signing key, not the auth one
  var DEFAULT_URL = "wss://127.0.0.1:13579/";
  var CONNECT_TIMEOUT_MS = 5000;

  function NCALayerError(code, message) {
    var error = new Error(message || code);
    error.name = "NCALayerError";
    error.code = code;
    return error;
  }

  var socket = null;
  var version = null;
  var pending = []; // replies come back in the order of the requests

  function failAll(error) {
    var waiting = pending;
    pending = [];
    waiting.forEach(function (entry) { entry.reject(error); });
  }

  function close() {
    if (socket) {
      var old = socket;
      socket = null;
      version = null;
      try { old.close(); } catch (ignored) { /* already closed */ }
    }
    failAll(NCALayerError("closed", "The connection to NCALayer was closed."));
  }

  function connect(url) {
    var address = url || DEFAULT_URL;
    if (socket && socket.readyState === 1 && version !== null) {
      return Promise.resolve({ version: version });
    }
    close();
    return new Promise(function (resolve, reject) {
      var settled = false;
      var ws;
      function settle(fn, value) {
        if (!settled) {
          settled = true;
          clearTimeout(timer);
          fn(value);
        }
      }
      var timer = setTimeout(function () {
        settle(reject, NCALayerError("not_running", "NCALayer did not answer at " + address + "."));
        try { ws.close(); } catch (ignored) { /* nothing to close */ }
      }, CONNECT_TIMEOUT_MS);
      try {
        ws = new WebSocket(address);
      } catch (error) {
        settle(reject, NCALayerError("not_running", String(error && error.message || error)));
        return;
      }
      socket = ws;
      ws.onerror = function () {
        // Browsers say nothing more specific, on purpose.
        settle(reject, NCALayerError("not_running", "Cannot connect to NCALayer at " + address + "."));
      };
      ws.onclose = function () {
        if (socket === ws) {
          socket = null;
          version = null;
        }
        settle(reject, NCALayerError("not_running", "NCALayer closed the connection."));
        failAll(NCALayerError("closed", "The connection to NCALayer was closed."));
      };
      ws.onmessage = function (event) {
        var message;
        try {
          message = JSON.parse(event.data);
        } catch (error) {
          var bad = NCALayerError("bad_reply", "NCALayer sent something that is not JSON.");
          settle(reject, bad);
          if (pending.length) { pending.shift().reject(bad); }
          return;
        }
        if (!settled) {
          // The first message is the greeting with the version.
          version = (message && message.result && message.result.version) || "";
          settle(resolve, { version: version });
          return;
        }
        var entry = pending.shift();
        if (!entry) { return; }
        if (message && message.status === true && message.body && Array.isArray(message.body.result)) {
          entry.resolve(message.body.result);
        } else if (message && message.status === false) {
          entry.reject(NCALayerError(String(message.code || "refused"), message.message || message.details || ""));
        } else {
          entry.reject(NCALayerError("bad_reply", "NCALayer's reply does not follow the protocol."));
        }
      };
    });
  }

  function request(method, args) {
    if (!socket || socket.readyState !== 1) {
      return Promise.reject(NCALayerError("not_connected", "Connect to NCALayer first."));
    }
    var ws = socket;
    return new Promise(function (resolve, reject) {
      pending.push({ resolve: resolve, reject: reject });
      try {
        ws.send(JSON.stringify({ module: MODULE, method: method, args: args }));
      } catch (error) {
        pending.pop();
        reject(NCALayerError("closed", String(error && error.message || error)));
      }
    });
  }

  function sign(options) {
    var opts = options || {};
    var signerParams = { extKeyUsageOids: [SIGNING_KEY_USAGE] };
    if (opts.iin) { signerParams.iin = opts.iin; }
    if (opts.bin) { signerParams.bin = opts.bin; }
    return request("sign", {
      allowedStorages: opts.storages || ["PKCS12", "AKKZIDCardStore"],
      format: "cms",
      data: opts.data, // base64; NCALayer decodes it and signs the bytes
      signingParams: { decode: true, encapsulate: false, digested: false },
      signerParams: signerParams,
      locale: opts.locale || "ru"
    }).then(function (result) {
      if (!result.length || typeof result[0] !== "string" || !result[0]) {
        throw NCALayerError("bad_reply", "NCALayer returned no signature.");
      }
      return result[0].replace(/\s+/g, "");
    });
  }

  global.NCALayer = {
    connect: connect,
    sign: sign,
    close: close,
    DEFAULT_URL: DEFAULT_URL
  };
})(window);
