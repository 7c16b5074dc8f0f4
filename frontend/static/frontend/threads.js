/* The debate comes by pages of threads, newest first. "Older threads" is a link that
   works without JavaScript (it reloads the page at the next page); here it fetches the next
   threads and appends them in place. A thread started live while the page is open goes to
   the top, where the newest threads are. */
(function () {
  "use strict";

  var list = document.getElementById("comment-list");
  if (!list || !window.fetch) {
    return;
  }
  var loading = false;

  function fragment(html) {
    var template = document.createElement("template");
    template.innerHTML = html.trim();
    return template.content;
  }

  // New threads are added at the end of the list by the live room: move each to the top.
  var loaded = new WeakSet();
  if (window.MutationObserver) {
    new MutationObserver(function (changes) {
      changes.forEach(function (change) {
        change.addedNodes.forEach(function (node) {
          if (node.nodeType === 1 && node.matches("li.comment") && !loaded.has(node) &&
              list.firstElementChild !== node) {
            loaded.add(node);
            list.insertBefore(node, list.firstElementChild);
          }
        });
      });
    }).observe(list, { childList: true });
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest("a[data-more-threads]");
    if (!link || loading) {
      return;
    }
    event.preventDefault();
    loading = true;
    link.setAttribute("aria-busy", "true");
    fetch(link.getAttribute("data-more-threads"), {
      credentials: "same-origin",
      headers: { "X-Requested-With": "fetch" }
    }).then(function (response) {
      if (!response.ok) {
        throw new Error(String(response.status));
      }
      return response.text();
    }).then(function (html) {
      var content = fragment(html);
      var threads = content.querySelector("[data-threads]");
      var first = null;
      Array.prototype.slice.call(threads ? threads.children : []).forEach(function (item) {
        if (!document.getElementById(item.id)) {
          loaded.add(item);
          list.appendChild(item);
          first = first || item;
        }
      });
      var next = content.querySelector("#more-threads");
      var current = document.getElementById("more-threads");
      if (next) {
        current.replaceWith(next);
      } else {
        current.remove();
      }
      var focusable = first && first.querySelector("article");
      if (focusable) {
        focusable.setAttribute("tabindex", "-1");
        focusable.focus();
      }
    }).catch(function () {
      // Follow the link instead: the next page loads without the script.
      window.location.href = link.href;
    }).finally(function () {
      loading = false;
    });
  });
})();
