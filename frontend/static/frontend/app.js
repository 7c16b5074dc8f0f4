/* Small enhancements shared by every page; each page works without them. */
(function () {
  "use strict";

  // Ask before an irreversible act; the question is written in the page's language.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  });

  // After a refused form, put keyboard and screen-reader focus on the explanation.
  document.addEventListener("DOMContentLoaded", function () {
    var problem = document.querySelector("[data-focus-on-load]");
    if (problem) {
      if (!problem.hasAttribute("tabindex")) {
        problem.setAttribute("tabindex", "-1");
      }
      problem.focus();
    }
  });
})();
