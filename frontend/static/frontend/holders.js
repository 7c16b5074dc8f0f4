/* The booth's proxy holder: the search form works without JavaScript (the page reloads
   with a short list of matching members). Here it asks the roll's paginated endpoint for
   the first page of matches who may still be given a proxy as the member types, and
   fills the list in place. */
(function () {
  "use strict";

  var form = document.getElementById("holder-search-form");
  var give = document.getElementById("proxy-give-form");
  var select = document.getElementById("proxy-holder");
  var status = document.getElementById("holder-search-status");
  if (!form || !give || !select || !window.fetch) {
    return;
  }
  var input = form.querySelector("input[name='holder_search']");
  var own = (form.getAttribute("data-own") || "").split(",").filter(Boolean);
  var shown = parseInt(form.getAttribute("data-shown"), 10) || 20;
  var asked = 0;
  var timer = null;

  function search() {
    var text = input.value.trim();
    if (!text) {
      return;
    }
    var mine = ++asked;
    var url = form.getAttribute("data-roll") + "?page_size=" + (shown + own.length) +
      "&proxy_holders=true&search=" + encodeURIComponent(text);
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(String(response.status));
        }
        return response.json();
      })
      .then(function (page) {
        if (mine !== asked) {
          return;  // An answer to an older search.
        }
        var entries = page.results.filter(function (entry) {
          return own.indexOf(String(entry.member.id)) < 0;
        }).slice(0, shown);
        // The first, empty option stays: nobody is chosen for the giver.
        var placeholder = select.querySelector("option[value='']");
        var options = entries.map(function (entry) {
          var option = document.createElement("option");
          option.value = entry.member.id;
          option.textContent = entry.member.name + " (" + entry.college.name + ")";
          return option;
        });
        if (placeholder) {
          placeholder.selected = true;
          options.unshift(placeholder);
        }
        select.replaceChildren.apply(select, options);
        give.hidden = entries.length === 0;
        status.textContent = entries.length ? "" : form.getAttribute("data-none") || "";
      })
      .catch(function () {
        form.submit();  // The page answers the same search without the script.
      });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    search();
  });
  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(search, 250);
  });
})();
