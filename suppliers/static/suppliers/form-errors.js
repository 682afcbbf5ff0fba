/* An htmx form marked data-swap-errors shows the form the server sends back with HTTP 400 (its
   field errors): htmx leaves 4xx answers unswapped by default, so without this the person sees
   nothing happen. Such a form targets itself (hx-target="this", hx-select its own id), so the
   event comes from the form. Kept out of the markup: the Content-Security-Policy allows no inline
   script. */
(function () {
  "use strict";
  if (window.portalFormErrors) {
    return;
  }
  window.portalFormErrors = true;
  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    if (event.detail.xhr.status === 400 && target && target.matches && target.matches("form[data-swap-errors]")) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
})();
