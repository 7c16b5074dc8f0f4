/* Assembly pages. The live ones follow the assembly's room: a resolution's turnout is drawn
   from its frame; any other numbered event makes the page read its live parts again from
   the server, which renders what this person may see;
   a dropped connection resumes from the last event seen, without a reload. The creation
   form shows the notice the rules ask for the kind chosen. */
(function () {
  "use strict";

  function fmt(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (match, key) { return String(values[key]); });
  }

  // The notice rule of the kind chosen, on the board's creation form.
  var kind = document.getElementById("id_kind");
  var rule = document.getElementById("notice-rule");
  var ruleTemplate = document.getElementById("notice-template");
  if (kind && rule && ruleTemplate) {
    kind.addEventListener("change", function () {
      var option = kind.options[kind.selectedIndex];
      rule.textContent = fmt(ruleTemplate.innerHTML.trim(), {
        days: option.getAttribute("data-notice-days"),
        date: option.getAttribute("data-earliest")
      });
    });
  }

  var root = document.getElementById("assembly-live");
  if (!root || !window.WebSocket || !window.fetch) {
    return;
  }
  var assemblyId = root.getAttribute("data-assembly");
  var lastSeq = parseInt(root.getAttribute("data-last-seq"), 10) || 0;
  var wsPath = root.getAttribute("data-ws-path");
  var statusNode = document.getElementById("live-status");
  var retries = 0;
  var stopped = false;
  var pending = null;
  var running = false;
  var again = false;
  var leaving = false;

  // A form sent from this page brings its own answer: the page must not reload under it.
  document.addEventListener("submit", function (event) {
    if (!event.defaultPrevented) {
      leaving = true;
    }
  });

  function setStatus(state) {
    if (!statusNode) {
      return;
    }
    statusNode.setAttribute("data-state", state);
    statusNode.textContent = statusNode.getAttribute("data-" + state) || "";
  }

  function fragment(html) {
    var template = document.createElement("template");
    template.innerHTML = html.trim();
    return template.content.firstElementChild;
  }

  // A part someone is filling in (a ballot chosen but not sent) waits for the next event.
  function busy(node) {
    var active = document.activeElement;
    if (active && node.contains(active) && active.tagName === "INPUT" && active.type === "text") {
      return true;
    }
    return Array.prototype.some.call(node.querySelectorAll("input[type=radio]"), function (input) {
      return input.checked !== input.defaultChecked;
    });
  }

  function refresh(node) {
    var name = node.getAttribute("data-live-part");
    var query = node.getAttribute("data-live-query") || "";
    return fetch("/assemblies/" + assemblyId + "/live/" + name + "/" + query, {
      credentials: "same-origin",
      headers: { "X-Requested-With": "fetch" }
    }).then(function (response) {
      if (!response.ok) {
        throw new Error(String(response.status));
      }
      return response.text();
    }).then(function (html) {
      if (busy(node)) {
        return;
      }
      var fresh = fragment(html);
      if (fresh) {
        node.replaceWith(fresh);
      }
    }).catch(function () { /* The next event reads it again. */ });
  }

  // Events come in bursts (a ballot each second in a full room): read the parts once per
  // burst, and once more if events arrived while reading.
  function refreshAll() {
    if (running) {
      again = true;
      return;
    }
    running = true;
    var nodes = Array.prototype.slice.call(root.querySelectorAll("[data-live-part]"));
    Promise.all(nodes.map(refresh)).then(function () {
      running = false;
      root.setAttribute("data-refreshed", String(lastSeq));
      if (again) {
        again = false;
        refreshAll();
      }
    });
  }

  function schedule() {
    if (pending || leaving) {
      return;
    }
    pending = window.setTimeout(function () {
      pending = null;
      refreshAll();
    }, 150);
  }

  // A resolution's turnout arrives with its figures (once a second at most while ballots
  // come in): the figures on this page are updated in place, nothing is read again.
  function showTurnout(data) {
    var turnout = data.turnout || {};
    var key = String(data.resolution_id);
    Array.prototype.forEach.call(root.querySelectorAll("[data-turnout-of='" + key + "']"),
      function (node) {
        node.textContent = fmt(node.getAttribute("data-template"), {
          voted: turnout.voted, eligible: turnout.eligible
        });
      });
    Array.prototype.forEach.call(root.querySelectorAll("[data-colleges-of='" + key + "']"),
      function (list) {
        list.textContent = "";
        (turnout.colleges || []).forEach(function (college) {
          var item = document.createElement("li");
          item.textContent = college.name + ": " + college.voted + " / " + college.eligible;
          list.appendChild(item);
        });
      });
    root.setAttribute("data-turnout-seq", String(lastSeq));
  }

  function onFrame(frame) {
    if (typeof frame.seq === "number") {
      if (frame.seq <= lastSeq) {
        return;
      }
      lastSeq = frame.seq;
      root.setAttribute("data-last-seq", String(lastSeq));
      if (frame.type === "assembly.opened" || frame.type === "assembly.closed" ||
          frame.type === "call.quorum_not_reached" || frame.type === "assembly.convened") {
        // The whole page changes with the state of the meeting.
        if (!leaving) {
          window.location.reload();
        }
        return;
      }
      if (frame.type === "resolution.turnout") {
        showTurnout(frame.data || {});
        return;
      }
      schedule();
      return;
    }
    if (frame.type === "access.revoked") {
      stopped = true;
      setStatus("offline");
    }
  }

  var socket = null;
  var retryTimer = null;

  function connect() {
    retryTimer = null;
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + window.location.host + wsPath + "?last_seq=" + lastSeq);
    socket.addEventListener("open", function () {
      retries = 0;
      setStatus("connected");
      root.setAttribute("data-connected", "true");
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
      root.setAttribute("data-connected", "false");
      if (stopped || event.code === 4401 || event.code === 4403) {
        setStatus("offline");
        return;
      }
      setStatus("reconnecting");
      retries += 1;
      retryTimer = window.setTimeout(connect, Math.min(15000, 500 * Math.pow(2, retries)));
    });
  }

  // A phone that loses its network may keep a dead socket for minutes: drop it at once,
  // and come back as soon as the network does, asking for the events missed meanwhile.
  window.addEventListener("offline", function () {
    if (socket && socket.readyState <= 1) {
      socket.close();
    }
  });
  window.addEventListener("online", function () {
    if (retryTimer !== null) {
      window.clearTimeout(retryTimer);
      retries = 0;
      connect();
    }
  });

  connect();
})();
