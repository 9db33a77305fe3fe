// The heat map's pair pop-ups are <details> in bilateral cells: they open and
// close without JavaScript; this only adds what people expect of a pop-up
// (issue 15): Escape closes it and gives the focus back to its cell, and a
// click anywhere outside it closes it (so opening another closes the first).
// A static file of the site's own: the CSP allows no inline script.
(function () {
  "use strict";

  function openPopups() {
    return document.querySelectorAll("table.heatmap details[open]");
  }

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") {
      return;
    }
    openPopups().forEach(function (details) {
      var focused = details.contains(document.activeElement);
      details.open = false;
      if (focused) {
        details.querySelector("summary").focus();
      }
    });
  });

  document.addEventListener("click", function (event) {
    openPopups().forEach(function (details) {
      if (!details.contains(event.target)) {
        details.open = false;
      }
    });
  });
})();
