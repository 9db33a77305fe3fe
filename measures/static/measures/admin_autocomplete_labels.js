// Django's admin autocomplete fields are select2 widgets: select2 names its
// combobox by the text it shows, which is empty until a value is chosen, so
// screen readers (and axe's aria-input-field-name rule) find an unnamed
// field. This names each one by its field's <label>, plus what it shows.
(function () {
  "use strict";

  function labelFor(select) {
    const label = select.id && document.querySelector(`label[for="${CSS.escape(select.id)}"]`);
    if (!label) return null; // a tabular inline's cell: no label element
    if (!label.id) label.id = `${select.id}-label`;
    return label.id;
  }

  function nameAll() {
    for (const combobox of document.querySelectorAll(".select2-selection[role=combobox]")) {
      const container = combobox.closest(".select2");
      const select = container && container.previousElementSibling;
      if (!select || select.tagName !== "SELECT") continue;
      const labelId = labelFor(select);
      const shown = combobox.querySelector(".select2-selection__rendered");
      if (!labelId || !shown) continue;
      shown.setAttribute("aria-labelledby", labelId);
      combobox.setAttribute("aria-labelledby", `${labelId} ${shown.id}`);
    }
  }

  // After select2 has been set up: autocomplete.js does it in a jQuery ready
  // handler (run in the order registered, and this deferred script comes
  // after it), and again for each row an inline adds.
  if (window.django && window.django.jQuery) window.django.jQuery(nameAll);
  document.addEventListener("formset:added", () => setTimeout(nameAll));
})();
