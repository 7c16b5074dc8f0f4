/* The booth's turnout table, live: the proposal's room sends the vote's turnout with its
   figures (at most about once a second), and the table is updated in place from them. */
(function () {
  "use strict";

  var table = document.getElementById("booth-turnout");
  if (!table || !table.getAttribute("data-ws-path") || !window.WebSocket) {
    return;
  }
  var voteId = table.getAttribute("data-vote");
  var wsPath = table.getAttribute("data-ws-path");
  var lastSeq = 0;
  var retries = 0;
  var stopped = false;

  function setCell(key, value) {
    var cell = table.querySelector("tr[data-college='" + key + "'] td:last-child");
    if (cell) {
      cell.textContent = String(value);
    }
  }

  function showTurnout(data) {
    if (String(data.vote_id) !== voteId) {
      return;
    }
    (data.colleges || []).forEach(function (college) { setCell(college.key, college.voted); });
    setCell("", data.voted);
    table.setAttribute("data-seq", String(lastSeq));
  }

  function onFrame(frame) {
    if (typeof frame.seq !== "number" || frame.seq <= lastSeq) {
      if (frame.type === "access.revoked") {
        stopped = true;
      }
      return;
    }
    lastSeq = frame.seq;
    if (frame.type === "vote.turnout") {
      showTurnout(frame.data || {});
    } else if (frame.type === "vote.closed") {
      stopped = true;
    }
  }

  function connect() {
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    // No replay asked: the page was read with the figures of its time, and the next push
    // carries the whole turnout again.
    var socket = new WebSocket(scheme + window.location.host + wsPath);
    socket.addEventListener("open", function () {
      retries = 0;
      table.setAttribute("data-live", "true");
    });
    socket.addEventListener("message", function (event) {
      try {
        onFrame(JSON.parse(event.data));
      } catch (error) { /* A frame this page does not read. */ }
    });
    socket.addEventListener("close", function (event) {
      table.setAttribute("data-live", "false");
      if (stopped || event.code === 4401 || event.code === 4403) {
        return;
      }
      retries += 1;
      window.setTimeout(connect, Math.min(15000, 500 * Math.pow(2, retries)));
    });
  }

  connect();
})();
