/* One way of confirming irreversible actions, used by every page.

   <form method="post" data-confirm="Cancel purchase order PO-2026-0001? This cannot be undone."
         data-confirm-action="Cancel order" data-confirm-cancel="Don't cancel">

   On submit the form is held back and a native modal <dialog> asks the question: the message
   labels the dialog, focus starts on the dismiss button, Escape or the dismiss button closes it
   and puts focus back on the button that submitted the form; the confirm button submits the
   form as it was (reason fields included). data-confirm-action is the confirm button's label
   (default: the text of the button that submitted the form), data-confirm-cancel the dismiss
   button's label (default: the translated "Cancel" given on this script tag as
   data-cancel-label). Without JavaScript the form simply submits; the server enforces
   everything either way.

   The submit event is caught at the window in the capture phase, before any other listener
   (htmx included): an hx-post or hx-boost form is held back the same way, and once confirmed its
   re-dispatched submit event reaches htmx as usual. No dependencies. */
(function () {
  "use strict";

  var script = document.currentScript;
  var labels = {
    cancel: (script && script.getAttribute("data-cancel-label")) || "Cancel",
    confirm: (script && script.getAttribute("data-confirm-label")) || "Confirm",
  };
  var confirmed = typeof WeakSet === "function" ? new WeakSet() : null;
  var dialog = null;
  var message = null;
  var dismissButton = null;
  var confirmButton = null;
  var pending = null;

  function build() {
    dialog = document.createElement("dialog");
    dialog.className = "confirm-dialog";
    dialog.setAttribute("role", "alertdialog");
    dialog.setAttribute("aria-modal", "true");
    dialog.setAttribute("aria-labelledby", "confirm-dialog-message");

    var form = document.createElement("form");
    form.method = "dialog";
    message = document.createElement("p");
    message.id = "confirm-dialog-message";
    message.className = "confirm-message";

    var buttons = document.createElement("div");
    buttons.className = "confirm-buttons";
    dismissButton = document.createElement("button");
    dismissButton.type = "submit";
    dismissButton.value = "cancel";
    dismissButton.className = "confirm-cancel";
    confirmButton = document.createElement("button");
    confirmButton.type = "submit";
    confirmButton.value = "confirm";
    confirmButton.className = "confirm-ok";
    buttons.appendChild(dismissButton);
    buttons.appendChild(confirmButton);

    form.appendChild(message);
    form.appendChild(buttons);
    dialog.appendChild(form);
    dialog.addEventListener("close", onClose);
    document.body.appendChild(dialog);
  }

  function submitterOf(event, form) {
    var submitter = event.submitter;
    if (submitter && submitter.form === form) {
      return submitter;
    }
    return form.querySelector("button:not([type]), button[type=submit], input[type=submit]");
  }

  function ask(form, submitter) {
    if (typeof HTMLDialogElement !== "function") {
      // no native dialog (very old browser): the browser's own confirm box asks instead
      if (window.confirm(form.getAttribute("data-confirm"))) {
        proceed(form, submitter);
      }
      return;
    }
    if (!dialog) {
      build();
    }
    message.textContent = form.getAttribute("data-confirm");
    var buttonText = submitter ? (submitter.textContent || submitter.value || "").trim() : "";
    confirmButton.textContent = form.getAttribute("data-confirm-action") || buttonText || labels.confirm;
    dismissButton.textContent = form.getAttribute("data-confirm-cancel") || labels.cancel;
    pending = { form: form, submitter: submitter };
    dialog.returnValue = "";
    dialog.showModal();
    dismissButton.focus();
  }

  function proceed(form, submitter) {
    if (confirmed) {
      confirmed.add(form);
    } else {
      form.setAttribute("data-confirmed", "1");
    }
    try {
      if (typeof form.requestSubmit === "function") {
        form.requestSubmit(submitter || undefined);
      } else {
        form.submit(); // old browsers: no submit event, so nothing holds it back again
      }
    } finally {
      // requestSubmit dispatches the submit event synchronously: from here on the form asks again.
      if (confirmed) {
        confirmed.delete(form);
      } else {
        form.removeAttribute("data-confirmed");
      }
    }
  }

  function onClose() {
    var current = pending;
    pending = null;
    if (!current) {
      return;
    }
    if (dialog.returnValue === "confirm") {
      proceed(current.form, current.submitter);
    } else if (current.submitter && typeof current.submitter.focus === "function") {
      current.submitter.focus();
    }
  }

  function isConfirmed(form) {
    return confirmed ? confirmed.has(form) : form.getAttribute("data-confirmed") === "1";
  }

  window.addEventListener(
    "submit",
    function (event) {
      var form = event.target;
      if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-confirm")) {
        return;
      }
      if (isConfirmed(form)) {
        return;
      }
      event.preventDefault();
      event.stopImmediatePropagation();
      if (pending) {
        return; // already asking
      }
      ask(form, submitterOf(event, form));
    },
    true
  );
})();
