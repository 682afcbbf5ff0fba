/* <select data-autosubmit> submits its form when changed (the language switch). Kept out of the
   markup so the Content-Security-Policy needs no inline script. */
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target && target.matches && target.matches("select[data-autosubmit]") && target.form) {
      target.form.requestSubmit ? target.form.requestSubmit() : target.form.submit();
    }
  });
})();
