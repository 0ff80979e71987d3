// Quality workspace: the e-signature dialog. Buttons with data-open="<id>" open the <dialog> of that id
// (filling the exception being reviewed from data-key / data-summary); a dialog the server sent back with
// a refusal (data-reopen="yes") opens again at once so the signer sees why, next to the password field.
(function () {
  "use strict";

  function open(dialog, trigger) {
    var key = dialog.querySelector('[data-field="key"]');
    var summary = dialog.querySelector('[data-field="summary"]');
    if (trigger && key && trigger.dataset.key) {
      if (key.value !== trigger.dataset.key) {
        var error = dialog.querySelector('[role="alert"]');
        if (error) { error.remove(); }  // the refusal was about another exception
      }
      key.value = trigger.dataset.key;
      if (summary) { summary.textContent = trigger.dataset.summary || trigger.dataset.key; }
    }
    dialog.returnFocus = trigger || null;
    dialog.showModal();
    var first = dialog.querySelector("textarea:not([readonly]), input:not([type=hidden]), select");
    var empty = Array.prototype.find.call(dialog.querySelectorAll("input[required]"), function (input) {
      return !input.value;
    });
    // After a refusal the other fields are still filled in: the first empty one (the password) is next.
    (dialog.dataset.reopen === "yes" && empty ? empty : first).focus();
  }

  document.addEventListener("click", function (event) {
    var trigger = event.target.closest("[data-open]");
    if (trigger) {
      var dialog = document.getElementById(trigger.dataset.open);
      if (dialog) { open(dialog, trigger); }
      return;
    }
    var close = event.target.closest("dialog [data-close]");
    if (close) { close.closest("dialog").close(); }
  });

  document.addEventListener("close", function (event) {
    var dialog = event.target;
    if (dialog.tagName === "DIALOG") {
      var password = dialog.querySelector('input[type="password"]');
      if (password) { password.value = ""; }  // never leave a password in a closed form
      if (dialog.returnFocus) { dialog.returnFocus.focus(); }
    }
  }, true);

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll('dialog[data-reopen="yes"]').forEach(function (dialog) {
      var trigger = document.querySelector('[data-open="' + dialog.id + '"]');
      open(dialog, null);
      dialog.returnFocus = trigger;
    });
  });
})();
