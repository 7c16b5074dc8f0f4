/* The live proposal page: the room's WebSocket brings comments, reactions, amendments,
   votes and presence without a reload. The server renders every piece it shows, so what
   each person sees stays decided by the server's permissions. */
(function () {
  "use strict";

  var root = document.getElementById("proposal");
  if (!root || !window.WebSocket || !window.fetch) {
    return;
  }
  var proposalId = root.getAttribute("data-proposal");
  var lastSeq = parseInt(root.getAttribute("data-last-seq"), 10) || 0;
  var wsPath = root.getAttribute("data-ws-path");
  var statusNode = document.getElementById("live-status");
  var presenceNode = document.getElementById("presence");
  var announcer = document.getElementById("live-announcer");
  var me = null;
  var socket = null;
  var retries = 0;
  var stopped = false;
  var queue = Promise.resolve();

  function fmt(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (match, key) { return String(values[key]); });
  }

  function setStatus(kind) {
    statusNode.setAttribute("data-state", kind);
    statusNode.textContent = statusNode.getAttribute("data-" + kind) || "";
  }

  function fragment(html) {
    var template = document.createElement("template");
    template.innerHTML = html.trim();
    return template.content.firstElementChild;
  }

  function get(url) {
    return fetch(url, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(String(response.status));
        }
        return response.text();
      });
  }

  // Replacing a piece of the page must not take away the keyboard focus or a half-typed
  // text from the person reading it.
  function swap(oldNode, newNode) {
    var active = document.activeElement;
    var typing = Array.prototype.some.call(oldNode.querySelectorAll("textarea, input[type=text]"),
      function (field) { return field.value !== field.defaultValue; });
    if (typing) {
      Array.prototype.forEach.call(newNode.children, function (child) {
        var old = child.className && oldNode.querySelector(":scope > ." + child.className.split(" ")[0]);
        if (old && !child.classList.contains("comment-actions")) {
          old.replaceWith(child.cloneNode(true));
        }
      });
      return;
    }
    var focusForm = null;
    var focusName = null;
    if (active && oldNode.contains(active)) {
      var form = active.closest("form");
      focusForm = form ? form.getAttribute("action") : null;
      focusName = active.getAttribute("name") || active.tagName;
    }
    oldNode.replaceWith(newNode);
    if (focusForm) {
      var again = newNode.querySelector("form[action='" + focusForm + "'] button") ||
        newNode.querySelector("form[action='" + focusForm + "'] [name='" + focusName + "']");
      if (again) {
        again.focus();
      }
    }
  }

  function showComment(id, isNew, author) {
    return get("/proposals/" + proposalId + "/comments/" + id + "/").then(function (html) {
      var item = fragment(html);
      var existing = document.getElementById("comment-" + id);
      if (existing) {
        swap(existing.querySelector(":scope > article"), item.querySelector(":scope > article"));
        return;
      }
      var parentId = item.getAttribute("data-parent");
      var container = parentId
        ? document.querySelector("#comment-" + parentId + " > .replies")
        : document.getElementById("comment-list");
      if (!container) {
        return;
      }
      container.appendChild(item);
      var empty = document.getElementById("no-comments");
      if (empty) {
        empty.remove();
      }
      if (isNew && author && (!me || author.id !== me.id)) {
        announcer.textContent = fmt(announcer.getAttribute("data-new-comment"), { name: author.name });
      }
    }).catch(function () { /* The comment is no longer visible to this reader. */ });
  }

  function refreshPart(name) {
    return get("/proposals/" + proposalId + "/live/" + name + "/").then(function (html) {
      var current = document.querySelector("[data-live-part='" + name + "']");
      if (current) {
        swap(current, fragment(html));
      }
    }).catch(function () { /* Reading again later, at the next event, is enough. */ });
  }

  // Turnout arrives with its figures: the table is updated in place, so that a room of
  // a thousand members does not fetch the vote panel a thousand times a second.
  function showTurnout(data) {
    var table = document.getElementById("turnout");
    var caption = document.getElementById("turnout-caption");
    if (!table || !caption || table.getAttribute("data-vote") !== String(data.vote_id)) {
      return refreshPart("vote");
    }
    var complete = (data.colleges || []).every(function (college) {
      var cell = table.querySelector("tr[data-college='" + college.key + "'] td:last-child");
      if (cell) {
        cell.textContent = String(college.voted);
      }
      return Boolean(cell);
    });
    caption.textContent = fmt(caption.getAttribute("data-template"), {
      voted: data.voted,
      eligible: data.eligible
    });
    return complete ? Promise.resolve() : refreshPart("vote");
  }

  var handlers = {
    "comment.created": function (data) { return showComment(data.comment_id, true, data.author); },
    "comment.edited": function (data) { return showComment(data.comment_id); },
    "comment.hidden": function (data) { return showComment(data.comment_id); },
    "comment.unhidden": function (data) { return showComment(data.comment_id); },
    "comment.deleted": function (data) { return showComment(data.comment_id); },
    "reaction.changed": function (data) { return showComment(data.comment_id); },
    "amendment.proposed": function () { return refreshPart("amendments"); },
    "amendment.decided": function () {
      return Promise.all([refreshPart("amendments"), refreshPart("header")]);
    },
    "proposal.updated": function () {
      return Promise.all([refreshPart("header"), refreshPart("vote")]);
    },
    "vote.opened": function () { return refreshPart("vote"); },
    "vote.turnout": showTurnout,
    "vote.partial_results": function () { return refreshPart("vote"); },
    "vote.closed": function () {
      return Promise.all([refreshPart("vote"), refreshPart("header")]);
    }
  };

  function showPresence(frame) {
    var names = frame.people.map(function (person) { return person.name; }).join(", ");
    var template = presenceNode.getAttribute(frame.count === 1 ? "data-one" : "data-many");
    presenceNode.textContent = fmt(template, { count: frame.count, names: names });
  }

  function onFrame(frame) {
    if (typeof frame.seq === "number") {
      // The server sends each numbered event once and in order, replaying any gap.
      if (frame.seq <= lastSeq) {
        return;
      }
      lastSeq = frame.seq;
      root.setAttribute("data-last-seq", String(lastSeq));
      var handler = handlers[frame.type];
      if (handler) {
        queue = queue.then(function () { return handler(frame.data || {}); });
      }
      return;
    }
    if (frame.type === "room.welcome") {
      me = frame.you;
    } else if (frame.type === "presence") {
      showPresence(frame);
    } else if (frame.type === "room.reset") {
      window.location.reload();
    } else if (frame.type === "access.revoked") {
      stopped = true;
      setStatus("offline");
    }
  }

  function connect() {
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + window.location.host + wsPath + "?last_seq=" + lastSeq);
    socket.addEventListener("open", function () {
      retries = 0;
      setStatus("connected");
    });
    socket.addEventListener("message", function (event) {
      var frame;
      try {
        frame = JSON.parse(event.data);
      } catch (error) {
        return;
      }
      onFrame(frame);
    });
    socket.addEventListener("close", function (event) {
      if (stopped || event.code === 4401 || event.code === 4403) {
        setStatus("offline");
        return;
      }
      setStatus("reconnecting");
      retries += 1;
      window.setTimeout(connect, Math.min(15000, 500 * Math.pow(2, retries)));
    });
  }

  // Forms of the debate are sent in the background; what they change comes back through
  // the room like everyone else's changes.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (event.defaultPrevented || !form.hasAttribute("data-live-form")) {
      return;
    }
    event.preventDefault();
    var error = form.querySelector(".form-error");
    var button = form.querySelector("button[type=submit]");
    if (button) {
      button.disabled = true;
    }
    fetch(form.getAttribute("action"), {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { "X-Requested-With": "fetch" }
    }).then(function (response) {
      return response.json();
    }).then(function (answer) {
      if (answer.ok) {
        if (error) {
          error.textContent = "";
        }
        if (form.querySelector("textarea")) {
          form.reset();
          var details = form.closest("details");
          if (details) {
            details.open = false;
          }
        }
      } else if (error) {
        error.textContent = answer.message;
      } else {
        window.alert(answer.message);
      }
    }).catch(function () {
      form.removeAttribute("data-live-form");
      form.submit();
    }).then(function () {
      if (button) {
        button.disabled = false;
      }
    });
  });

  connect();
})();
