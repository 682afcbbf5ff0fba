// Sends each chosen file on its own request so every file gets its own progress and result row;
// the row then refreshes itself (htmx polling in the answer) until the invoice reaches a result.
(function () {
  const form = document.getElementById("upload-form");
  if (!form) return;
  const input = document.getElementById("files");
  const results = document.getElementById("upload-results");
  const token = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  function fail(cell, text) {
    const span = document.createElement("span");
    span.className = "upload-result msg error";
    span.dataset.state = "failed";
    span.textContent = text;
    cell.replaceChildren(span);
  }
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    Array.from(input.files).forEach(function (file) {
      const row = results.insertRow();
      row.className = "upload-row";
      row.insertCell().textContent = file.name;
      const bar = document.createElement("progress");
      bar.max = 100; bar.value = 0;
      bar.setAttribute("aria-label", file.name);
      row.insertCell().appendChild(bar);
      const result = row.insertCell();
      const body = new FormData();
      body.append("file", file);
      const xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      xhr.setRequestHeader("X-CSRFToken", token);
      xhr.upload.onprogress = function (e) { if (e.lengthComputable) bar.value = 100 * e.loaded / e.total; };
      xhr.onload = function () {
        bar.value = 100;
        if (xhr.getResponseHeader("X-Upload-Result") !== "1") {
          fail(result, form.dataset.failed + " (HTTP " + xhr.status + ")");
          return;
        }
        result.innerHTML = xhr.responseText;
        if (window.htmx) window.htmx.process(result);  // starts the row's polling
      };
      xhr.onerror = function () { fail(result, form.dataset.networkError); };
      xhr.send(body);
    });
    form.reset();
  });
})();
