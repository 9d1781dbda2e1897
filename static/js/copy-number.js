// A "Copy" button beside a number people read aloud: shown only when the
// browser can copy, so without JavaScript nothing is broken.
(function () {
  "use strict";
  if (!navigator.clipboard) {
    return;
  }
  document.querySelectorAll("[data-copy-target]").forEach(function (button) {
    var target = document.getElementById(button.getAttribute("data-copy-target"));
    if (!target) {
      return;
    }
    var label = button.innerHTML;
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(target.textContent.trim()).then(function () {
        button.textContent = button.getAttribute("data-copied");
        window.setTimeout(function () {
          button.innerHTML = label;
        }, 2000);
      });
    });
  });
})();
