/* Fangyi: small page behaviours that need no build step. */
(function () {
  "use strict";

  // The language switch returns to the page as it is now, even after htmx changed the address.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.matches && form.matches("[data-lang-switch]")) {
      form.elements.next.value = window.location.pathname + window.location.search;
    }
  });

  // A partial swap keeps the document title in step with the content.
  document.addEventListener("htmx:afterSettle", function () {
    var titled = document.querySelector("#content [data-title]");
    if (titled) {
      document.title = titled.getAttribute("data-title");
    }
  });
})();
