// One-pass recording on the cell page (docs/pages.md): narrow the evidence
// offered as the editor types, and show the "nothing cited" warning only
// while nothing is cited. The server does both too (search button, warning
// on the page and in the result); this only spares a round trip.
(function () {
  "use strict";
  const form = document.getElementById("assessment-form");
  if (!form) return;
  const search = form.querySelector("#id_q");
  const choices = Array.from(form.querySelectorAll("#evidence-picker .choice"));
  const warning = document.getElementById("nothing-cited");
  const described = ["summary_en", "summary_fr", "locator", "quote"].map(
    (name) => form.querySelector(`[name="new_evidence-${name}"]`)
  ).filter(Boolean);

  function narrow() {
    const words = search.value.toLowerCase().split(/\s+/).filter(Boolean);
    for (const choice of choices) {
      const text = choice.textContent.toLowerCase();
      const ticked = choice.querySelector("input").checked;
      choice.hidden = !ticked && !words.every((word) => text.includes(word));
    }
  }

  function cited() {
    const ticked = choices.some((choice) => choice.querySelector("input").checked);
    const added = described.some((field) => field.value.trim() !== "");
    if (warning) warning.hidden = ticked || added;
  }

  if (search) search.addEventListener("input", narrow);
  form.addEventListener("change", cited);
  form.addEventListener("input", cited);
})();
