// Copy buttons (progressive enhancement): a button with data-copy="<textarea id>" is hidden
// until this script runs; without it the readonly text can still be selected by hand.
// Loaded as a file (CSP script-src 'self': no inline script).
(function () {
  "use strict";
  function copied(button, message) {
    var status = document.getElementById(button.getAttribute("data-copied") || "");
    if (status) { status.textContent = message; }
  }
  function copy(button) {
    var source = document.getElementById(button.getAttribute("data-copy") || "");
    if (!source) { return; }
    var done = function () { copied(button, "Teks tersalin. Tempel di Saluran WhatsApp."); };
    var fallback = function () {
      source.focus();
      source.select();
      try {
        if (document.execCommand("copy")) { done(); return; }
      } catch (ignored) { /* old browsers: select by hand */ }
      copied(button, "Teks sudah dipilih; salin dengan menu atau Ctrl+C.");
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(source.value).then(done, fallback);
    } else {
      fallback();
    }
  }
  function enhance() {
    var buttons = document.querySelectorAll("button[data-copy]");
    for (var i = 0; i < buttons.length; i++) {
      buttons[i].hidden = false;
      buttons[i].addEventListener("click", function (event) { copy(event.currentTarget); });
    }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", enhance);
  } else {
    enhance();
  }
}());
