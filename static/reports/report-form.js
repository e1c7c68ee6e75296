// The report form shows a kind's own fields (the compared scenarios, the last year, the
// projection) only while that kind is chosen; without script all of them stay visible.
(function () {
  "use strict";
  const kind = document.getElementById("id_kind");
  const options = document.querySelectorAll("[data-option-kinds]");
  if (!kind || !options.length) return;
  function update() {
    options.forEach(function (box) {
      const kinds = box.dataset.optionKinds.split(" ");
      const wanted = kinds.indexOf(kind.value) !== -1;
      // A field with an error stays in view, whatever the kind.
      box.hidden = !wanted && !box.querySelector(".field--error");
    });
  }
  kind.addEventListener("change", update);
  update();
})();
