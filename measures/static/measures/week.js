// My week: "Select all due" ticks (or unticks) the due rows, so the editor
// sees what the server will reconfirm. Without this script the server reads
// the checkbox itself (progressive enhancement; CSP allows only 'self').
(function () {
  "use strict";
  var all = document.getElementById("id_reconfirm-all_due");
  if (!all) return;
  all.addEventListener("change", function () {
    var boxes = document.querySelectorAll('input[name="cell"][data-due]');
    for (var i = 0; i < boxes.length; i++) boxes[i].checked = all.checked;
  });
})();
