/* The live proposal page: the room's WebSocket brings comments, reactions, amendments,
   votes and presence without a reload. Every event is drawn from its frame, without a
   request: comments, edits, deletions, reactions, amendments proposed and decided, a new
   text version, the vote's opening, its turnout, running results and close. New pieces are
   copies of <template> elements the server rendered once for this viewer (the forms their
   rights give; frames go to everyone and carry nothing per person), filled with text
   (textContent) or with HTML the server sanitized. A section is read again from the server
   (refreshPart) only when the page lacks the markup an event needs: a state this page
   cannot draw, never the normal course of a debate. The views of a moderated comment that
   differ per reader (its author's, the moderators') are the one fetch by design. */
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

  function parseJson(id) {
    var node = document.getElementById(id);
    if (!node) {
      return null;
    }
    try {
      return JSON.parse(node.textContent);
    } catch (error) {
      return null;
    }
  }

  // A copy of a piece the server rendered once for this viewer in a <template>, with the
  // template's sentinel id replaced by the real one in every attribute (ids, form actions).
  function cloneSkeleton(template, id) {
    var sentinel = template.getAttribute("data-sentinel");
    var node = template.content.firstElementChild.cloneNode(true);
    [node].concat(Array.prototype.slice.call(node.querySelectorAll("*"))).forEach(function (el) {
      Array.prototype.forEach.call(el.attributes, function (attribute) {
        if (attribute.value.indexOf(sentinel) >= 0) {
          el.setAttribute(attribute.name, attribute.value.split(sentinel).join(String(id)));
        }
      });
    });
    return node;
  }

  function localTime(value) {
    return new Date(value).toLocaleString(document.documentElement.lang, {
      dateStyle: "short", timeStyle: "short"
    });
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

  // A comment's fragment, as the server renders it for this viewer: only for the few
  // whose view of a moderated comment differs (its author, the moderators).
  function fetchComment(id) {
    return get("/proposals/" + proposalId + "/comments/" + id + "/").then(function (html) {
      var item = fragment(html);
      var existing = document.getElementById("comment-" + id);
      if (existing) {
        swap(existing.querySelector(":scope > article"), item.querySelector(":scope > article"));
      }
    }).catch(function () { /* The comment is no longer visible to this reader. */ });
  }

  // Comments are drawn from the event's frame: the server sends their sanitized body
  // (deliberation/sanitize.py cleaned it before it was stored), and a skeleton of the
  // comment rendered once for this viewer gives the forms their rights allow.
  var skeleton = document.getElementById("comment-template");
  var stanceLabels = parseJson("stance-labels") || {};

  function article(id) {
    var item = document.getElementById("comment-" + id);
    return item ? item.querySelector(":scope > article") : null;
  }

  function formOf(node, action) {
    return node.querySelector("form[action$='/" + action + "/']");
  }

  function removeForm(node, action) {
    var form = formOf(node, action);
    if (!form) {
      return;
    }
    var details = form.parentNode.tagName === "DETAILS" ? form.parentNode : null;
    (details || form).remove();
  }

  function setMeta(body, data) {
    var meta = body.querySelector(".comment-meta");
    meta.querySelector("strong").textContent = data.author ? data.author.name : "";
    var time = meta.querySelector("time");
    time.setAttribute("datetime", data.created_at);
    time.textContent = localTime(data.created_at);
    setStance(body, data.stance);
    setEdited(body, data.edited_at);
  }

  function setStance(body, stance) {
    var meta = body.querySelector(".comment-meta");
    var badge = meta.querySelector(".badge");
    if (badge) {
      badge.remove();
    }
    if (stance) {
      badge = document.createElement("span");
      badge.className = "badge stance-" + stance;
      badge.textContent = stanceLabels[stance] || stance;
      meta.appendChild(badge);
    }
  }

  function setEdited(body, editedAt) {
    var meta = body.querySelector(".comment-meta");
    var mark = meta.querySelector(".edited");
    if (editedAt && !mark) {
      mark = document.createElement("span");
      mark.className = "muted edited";
      mark.textContent = skeleton.getAttribute("data-edited");
      meta.appendChild(mark);
    }
  }

  function setBody(body, html) {
    var text = body.querySelector(".rich-text");
    if (text) {
      text.innerHTML = html;
    }
    var editor = body.querySelector("textarea[name=body][id^='edit-']");
    if (editor && text && editor.value === editor.defaultValue) {
      editor.defaultValue = text.innerText.trim();
      editor.value = editor.defaultValue;
    }
  }

  function newComment(data) {
    var item = cloneSkeleton(skeleton, data.comment_id);
    item.setAttribute("data-parent", data.parent_id ? String(data.parent_id) : "");
    item.setAttribute("data-author", data.author ? String(data.author.id) : "");
    var body = item.querySelector(":scope > article");
    setMeta(body, data);
    setBody(body, data.body || "");
    if (!me || !data.author || data.author.id !== me.id) {
      ["edit", "delete"].forEach(function (action) { removeForm(body, action); });
    }
    var maxDepth = parseInt(skeleton.getAttribute("data-max-depth"), 10);
    if (data.depth >= maxDepth) {
      var reply = body.querySelector(".comment-actions form input[name=parent]");
      if (reply) {
        reply.closest("details").remove();
      }
    }
    return item;
  }

  function mine(id) {
    var item = document.getElementById("comment-" + id);
    return Boolean(me && item && item.getAttribute("data-author") === String(me.id));
  }

  function commentCreated(data) {
    if (!skeleton || document.getElementById("comment-" + data.comment_id)) {
      return;
    }
    var item = newComment(data);
    var container = data.parent_id
      ? document.querySelector("#comment-" + data.parent_id + " > .replies")
      : document.getElementById("comment-list");
    if (!container) {
      return;
    }
    container.appendChild(item);
    var empty = document.getElementById("no-comments");
    if (empty) {
      empty.remove();
    }
    if (data.author && (!me || data.author.id !== me.id)) {
      announcer.textContent = fmt(announcer.getAttribute("data-new-comment"), { name: data.author.name });
    }
  }

  function commentEdited(data) {
    var body = article(data.comment_id);
    if (!body || !skeleton) {
      return;
    }
    setStance(body, data.stance);
    setEdited(body, data.edited_at || true);
    if (typeof data.body === "string") {
      setBody(body, data.body);
    }
  }

  function commentDeleted(data) {
    var body = article(data.comment_id);
    if (!body || !skeleton) {
      return;
    }
    var meta = body.querySelector(".comment-meta");
    meta.querySelector("strong").textContent = skeleton.getAttribute("data-deleted-author");
    Array.prototype.forEach.call(meta.querySelectorAll(".badge, .edited, .muted"), function (node) {
      node.remove();
    });
    Array.prototype.forEach.call(body.querySelectorAll(".rich-text, .reactions, .alert"), function (node) {
      node.remove();
    });
    var note = document.createElement("p");
    note.className = "muted";
    note.textContent = skeleton.getAttribute("data-deleted-note");
    meta.after(note);
    ["edit", "delete", "hide", "unhide"].forEach(function (action) { removeForm(body, action); });
  }

  function moderated(data, hidden) {
    if ((me && me.can_moderate) || mine(data.comment_id)) {
      // They still read the comment, marked hidden, with the reason and their forms.
      return fetchComment(data.comment_id);
    }
    var body = article(data.comment_id);
    if (!body || !skeleton) {
      return;
    }
    var text = body.querySelector(".rich-text");
    var reactions = body.querySelector(".reactions");
    var note = body.querySelector(".hidden-note");
    if (hidden) {
      if (text) {
        text.innerHTML = "";
        text.hidden = true;
      }
      if (reactions) {
        reactions.hidden = true;
      }
      if (!note) {
        note = document.createElement("p");
        note.className = "muted hidden-note";
        note.textContent = skeleton.getAttribute("data-hidden-note");
        body.querySelector(".comment-meta").after(note);
      }
      var reply = body.querySelector(".comment-actions form input[name=parent]");
      if (reply) {
        reply.closest("details").hidden = true;
      }
      return;
    }
    if (!text || typeof data.body !== "string") {
      // Hidden when the page was read: the server never sent its parts to this reader.
      return fetchComment(data.comment_id);
    }
    text.innerHTML = data.body;
    text.hidden = false;
    if (reactions) {
      reactions.hidden = false;
    }
    if (note) {
      note.remove();
    }
    var again = body.querySelector(".comment-actions details[hidden]");
    if (again) {
      again.hidden = false;
    }
  }

  function reactionChanged(data) {
    var body = article(data.comment_id);
    if (!body) {
      return;
    }
    Array.prototype.forEach.call(body.querySelectorAll(".reactions form"), function (form) {
      var kind = form.querySelector("input[name=kind]").value;
      var count = form.querySelector(".count");
      if (count) {
        count.textContent = String((data.counts || {})[kind] || 0);
      }
      if (me && data.person_id === me.id && kind === data.kind) {
        form.querySelector("button").setAttribute("aria-pressed", data.active ? "true" : "false");
        form.querySelector("input[name=on]").value = data.active ? "0" : "1";
      }
    });
  }

  // Amendments arrive with what the page shows of them: the changes to the text as HTML the
  // server escaped (deliberation/textdiff.py), the rest as text.
  var amendmentSkeleton = document.getElementById("amendment-template");
  var amendmentLabels = parseJson("amendment-status-labels") || {};

  function setAmendmentStatus(item, status) {
    var badge = item.querySelector(".amendment-status");
    badge.textContent = amendmentLabels[status] || status;
    badge.classList.toggle("badge-ok", status === "accepted");
    badge.classList.toggle("badge-error", status === "rejected");
    if (status !== "proposed") {
      Array.prototype.forEach.call(item.querySelectorAll("form"), function (form) { form.remove(); });
    }
  }

  function amendmentProposed(data) {
    var list = document.getElementById("amendment-list");
    if (document.getElementById("amendment-" + data.amendment_id)) {
      return;
    }
    if (!amendmentSkeleton || !list || typeof data.diff !== "string") {
      return refreshPart("amendments");
    }
    var item = cloneSkeleton(amendmentSkeleton, data.amendment_id);
    item.setAttribute("data-author", data.author ? String(data.author.id) : "");
    var heading = item.querySelector(".amendment-heading");
    heading.textContent = fmt(heading.textContent, {
      number: data.number, author: data.author ? data.author.name : ""
    });
    var base = item.querySelector(".amendment-base");
    base.textContent = fmt(base.textContent, { number: data.base_version });
    var reason = item.querySelector(".amendment-reason");
    if (data.reason) {
      reason.querySelector("span").textContent = data.reason;
    } else {
      reason.remove();
    }
    var change = item.querySelector(".amendment-title-change");
    if (data.title_changed) {
      change.textContent = fmt(change.textContent, { old: data.old_title, new: data.new_title });
    } else {
      change.remove();
    }
    item.querySelector(".diff").innerHTML = data.diff;
    item.querySelector(".amendment-note").remove();
    if (!me || !data.author || data.author.id !== me.id) {
      removeForm(item, "withdraw");
    }
    setAmendmentStatus(item, data.status);
    list.appendChild(item);
    list.hidden = false;
    var empty = document.getElementById("no-amendments");
    if (empty) {
      empty.remove();
    }
  }

  function amendmentDecided(data) {
    var item = document.getElementById("amendment-" + data.amendment_id);
    if (!item || !item.querySelector(".amendment-status") || !amendmentLabels[data.status]) {
      return refreshPart("amendments");
    }
    setAmendmentStatus(item, data.status);
    var model = amendmentSkeleton && amendmentSkeleton.content.querySelector(".amendment-note");
    if (data.decision_note && model && !item.querySelector(".amendment-note")) {
      var note = model.cloneNode(true);
      note.querySelector("span").textContent = data.decision_note;
      item.querySelector("details").after(note);
    }
  }

  // The vote's opening carries its figures: the panel is a copy of the open vote's panel
  // the server rendered for this viewer (the close form for the board; a line for each
  // member they vote for, known when the page was read).
  var voteSkeleton = document.getElementById("vote-template");
  var voteLabels = parseJson("vote-labels") || {};

  function voteOpened(data) {
    var vote = data.vote || {};
    var current = document.getElementById("vote");
    if (!voteSkeleton || !current || !data.turnout || typeof vote.id !== "number") {
      return refreshPart("vote");
    }
    var panel = cloneSkeleton(voteSkeleton, vote.id);
    panel.querySelector(".vote-title").textContent = vote.title || "";
    if (!vote.is_secret) {
      panel.querySelector(".vote-secret").remove();
    }
    panel.querySelector(".vote-method").textContent = (voteLabels.methods || {})[vote.method] || vote.method;
    var closes = panel.querySelector(".vote-closes");
    if (vote.closes_at) {
      closes.textContent = " · " + fmt(voteSkeleton.getAttribute("data-closes"), { date: localTime(vote.closes_at) });
    } else {
      closes.remove();
    }
    var entries = panel.querySelector("#my-entries");
    var acting = voteLabels.acting || [];
    if (entries) {
      var line = entries.querySelector("li");
      acting.forEach(function (name) {
        var copy = line.cloneNode(false);
        copy.textContent = fmt(line.textContent, { name: name });
        entries.appendChild(copy);
      });
      line.remove();
      if (!acting.length) {
        entries.remove();
      }
    }
    var row = panel.querySelector("#turnout tbody tr");
    (data.turnout.colleges || []).forEach(function (college) {
      var copy = row.cloneNode(true);
      copy.setAttribute("data-college", college.key);
      copy.querySelector("th").textContent = college.name;
      var cells = copy.querySelectorAll("td");
      cells[0].textContent = String(college.eligible);
      cells[1].textContent = String(college.voted);
      row.parentNode.appendChild(copy);
    });
    row.remove();
    var caption = panel.querySelector("#turnout-caption");
    caption.textContent = fmt(caption.getAttribute("data-template"), {
      voted: data.turnout.voted, eligible: data.turnout.eligible
    });
    var results = panel.querySelector("#results-link");
    if (results && !vote.results_live) {
      results.remove();
    }
    swap(current, panel);
  }

  // The state of last resort: a section this page cannot draw from a frame is read again
  // from the server, which decides what this reader sees.
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

  // A running result changes no part of this page (its link is already there): the
  // figures stay on the panel for whoever reads them, and nothing is fetched.
  function partialResults(data) {
    var panel = document.getElementById("vote");
    if (panel && data.result) {
      panel.setAttribute("data-partial", JSON.stringify(data.result));
    }
  }

  // The close carries its figures and decision: the panel is updated from them.
  function voteClosed(data) {
    var panel = document.getElementById("vote");
    var table = document.getElementById("turnout");
    if (!panel || !table || table.getAttribute("data-vote") !== String(data.vote_id)) {
      return refreshPart("vote");
    }
    var badge = document.getElementById("vote-status");
    if (badge) {
      badge.textContent = panel.getAttribute("data-closed-label");
      badge.classList.remove("badge-ok");
    }
    ["#booth-link", "form[action$='/close/']"].forEach(function (selector) {
      var node = panel.querySelector(selector);
      if (node) {
        node.remove();
      }
    });
    var link = document.getElementById("results-link");
    if (!link) {
      link = document.createElement("a");
      link.className = "button button-secondary";
      link.id = "results-link";
      link.href = "/votes/" + data.vote_id + "/results/";
      panel.querySelector(".actions").appendChild(link);
    }
    link.textContent = panel.getAttribute("data-result-label");
    panel.setAttribute("data-result", JSON.stringify(data.result || {}));
    // "Not voted yet" no longer holds once the vote is closed, and whether a ballot came
    // since the page was read is not in the frame (it goes to everyone): the line goes.
    panel.querySelectorAll("#my-entries li[data-voted='false']").forEach(function (line) {
      line.remove();
    });
    var entries = panel.querySelector("#my-entries");
    if (entries && !entries.querySelector("li")) {
      entries.remove();
    }
  }

  // The proposal's state arrives in the frame, and a new text with it: its HTML sanitized
  // by the server when it was written (deliberation/sanitize.py) and its plain text.
  var statusLabels = parseJson("proposal-status-labels") || {};

  function showText(header, data) {
    var body = document.getElementById("proposal-body");
    var line = document.getElementById("proposal-version-line");
    if (typeof data.body !== "string" || !body || !line) {
      return false;
    }
    body.innerHTML = data.body;
    header.setAttribute("data-version", String(data.current_version));
    line.textContent = fmt(line.getAttribute("data-template"), { number: data.current_version });
    var versions = document.getElementById("proposal-versions");
    if (versions) {
      var sentinel = versions.getAttribute("data-sentinel");
      var link = versions.querySelector("a");
      link.href = versions.getAttribute("data-href").split(sentinel).join(String(data.current_version));
      link.textContent = versions.getAttribute("data-template").split(sentinel).join(String(data.current_version));
      versions.hidden = data.current_version < 2;
    }
    // The amendment form offers the text in force, unless its reader already changed it.
    [["amend-title", data.title], ["amend-body", data.plain]].forEach(function (pair) {
      var field = document.getElementById(pair[0]);
      if (field && typeof pair[1] === "string" && field.value === field.defaultValue) {
        field.defaultValue = pair[1];
        field.value = pair[1];
      }
    });
    return true;
  }

  // The board's controls when no vote is shown: the form to prepare one while the debate
  // is open, "no vote yet" otherwise.
  function showVoteControls(data) {
    var panel = document.getElementById("vote");
    if (!panel || panel.getAttribute("data-can-manage") !== "true" || document.getElementById("vote-status")) {
      return null;
    }
    var prepare = document.getElementById("vote-prepare");
    var none = document.getElementById("no-vote");
    var debating = data.status === "in_deliberation";
    if (debating && (!prepare || panel.getAttribute("data-decision-kind") !== data.decision_kind)) {
      // A draft whose kind of decision changed since the page was read: its form differs.
      return refreshPart("vote");
    }
    if (prepare) {
      prepare.hidden = !debating;
    }
    if (none) {
      none.hidden = debating;
    }
    return null;
  }

  function proposalUpdated(data) {
    var header = document.getElementById("proposal-header");
    var waits = [];
    var newText = header && (header.getAttribute("data-version") !== String(data.current_version) ||
      typeof data.body === "string");
    if (!header || !statusLabels[data.status] || (newText && !showText(header, data))) {
      waits.push(refreshPart("header"));
    } else {
      header.querySelector("h1").textContent = data.title;
      var badge = document.getElementById("proposal-status");
      badge.textContent = statusLabels[data.status];
      badge.classList.toggle("badge-ok", data.status === "adopted");
      badge.classList.toggle("badge-error", data.status === "rejected");
    }
    var controls = showVoteControls(data);
    if (controls) {
      waits.push(controls);
    }
    return Promise.all(waits);
  }

  var handlers = {
    "comment.created": commentCreated,
    "comment.edited": commentEdited,
    "comment.hidden": function (data) { return moderated(data, true); },
    "comment.unhidden": function (data) { return moderated(data, false); },
    "comment.deleted": commentDeleted,
    "reaction.changed": reactionChanged,
    "amendment.proposed": amendmentProposed,
    "amendment.decided": amendmentDecided,
    "proposal.updated": proposalUpdated,
    "vote.opened": voteOpened,
    "vote.turnout": showTurnout,
    "vote.partial_results": partialResults,
    "vote.closed": voteClosed
  };

  // Who is here: the list the server gave on arrival, kept up to date by its deltas.
  var present = {};
  var presentCount = 0;

  function showPresence() {
    var names = Object.keys(present).map(function (id) { return present[id]; })
      .sort(function (a, b) { return a.toLowerCase() < b.toLowerCase() ? -1 : 1; }).join(", ");
    var template = presenceNode.getAttribute(presentCount === 1 ? "data-one" : "data-many");
    presenceNode.textContent = fmt(template, { count: presentCount, names: names });
  }

  function onPresence(frame) {
    if (frame.type === "presence") {
      present = {};
      frame.people.forEach(function (person) { present[person.id] = person.name; });
    } else {
      frame.left.forEach(function (id) { delete present[id]; });
      frame.joined.forEach(function (person) { present[person.id] = person.name; });
    }
    presentCount = frame.count;
    showPresence();
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
        queue = queue.then(function () { return handler(frame.data || {}); })
          .catch(function () { /* One event drawn wrong must not stop the next. */ });
      }
      return;
    }
    if (frame.type === "room.welcome") {
      me = frame.you;
    } else if (frame.type === "presence" || frame.type === "presence.delta") {
      onPresence(frame);
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
