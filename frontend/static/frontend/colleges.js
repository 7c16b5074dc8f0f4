/* Live check of the colleges editor. The numbers and messages come from the page, which
   takes them from the server's own validation; the server checks again on save. */
(function () {
  "use strict";

  var rulesNode = document.getElementById("college-rules");
  if (!rulesNode) {
    return;
  }
  var rules = JSON.parse(rulesNode.textContent);
  var M = rules.messages;

  function fmt(template, values) {
    return template
      .replace(/%\((\w+)\)[sd]/g, function (match, key) { return String(values[key]); })
      .replace(/%%/g, "%");
  }

  // Weights are compared as whole hundredths of a percent, so that 33.33 + 33.33 + 33.34
  // is exactly 100 as in the server's decimal arithmetic, never 99.99999.
  var scale = Math.pow(10, rules.places);

  function parseExact(text) {
    var match = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(text);
    if (!match || (match[2] === "" && (match[3] === undefined || match[3] === ""))) {
      return null;
    }
    var decimals = (match[3] || "").replace(/0+$/, "");
    return { negative: match[1] === "-", whole: match[2] || "0", decimals: decimals };
  }

  function toUnits(parsed) {
    var decimals = (parsed.decimals + "0000000000").slice(0, rules.places);
    return parseInt(parsed.whole, 10) * scale + parseInt(decimals || "0", 10);
  }

  function unitsText(units) {
    var whole = Math.floor(units / scale);
    var rest = String(units % scale);
    while (rest.length < rules.places) {
      rest = "0" + rest;
    }
    rest = rest.replace(/0+$/, "");
    return rest ? whole + "." + rest : String(whole);
  }

  var MIN = toUnits(parseExact(rules.weight_min));
  var MAX = toUnits(parseExact(rules.weight_max));
  var TOTAL = toUnits(parseExact(rules.total));
  var INPUT_MAX = toUnits(parseExact(rules.input_max));

  // One typed weight: the same reading and the same refusals as the server's form.
  function readWeight(text) {
    var cleaned = text.trim().replace(/[\u00a0 ]/g, "").replace(/,/g, ".").replace(/%$/, "");
    var parsed = parseExact(cleaned);
    if (parsed === null) {
      return { error: M.weight_invalid };
    }
    if (parsed.whole.replace(/^0+/, "").length > rules.input_max.length) {
      return { error: M.weight_range };
    }
    var truncated = toUnits(parsed);
    var beyond = parsed.decimals.length > rules.places;
    if (parsed.negative && (truncated > 0 || beyond)) {
      return { error: M.weight_range };
    }
    // Decimals beyond the second make the value strictly larger than its truncation.
    if (truncated > INPUT_MAX || (beyond && truncated >= INPUT_MAX)) {
      return { error: M.weight_range };
    }
    if (beyond) {
      return { error: M.weight_places };
    }
    var value = truncated;
    return { units: value };
  }

  /* The check of governance.validation.validate_college_weights, in its order.
     `entries` are {name, weight} as typed; the answer lists errors and warnings, each
     with the rows it concerns. */
  function check(entries) {
    var result = { errors: [], warnings: [], rowErrors: {}, total: null };
    var colleges = [];
    entries.forEach(function (entry, row) {
      var name = (entry.name || "").trim();
      var weight = (entry.weight || "").trim();
      if (!name && !weight) {
        return;
      }
      if (!weight) {
        result.rowErrors[row] = M.weight_missing;
        return;
      }
      var read = readWeight(weight);
      if (read.error) {
        result.rowErrors[row] = read.error;
        return;
      }
      colleges.push({ name: name, units: read.units, row: row });
    });
    if (Object.keys(result.rowErrors).length) {
      Object.keys(result.rowErrors).forEach(function (row) {
        result.errors.push({ code: "row", message: result.rowErrors[row], rows: [Number(row)] });
      });
      return result;
    }
    var missing = colleges.filter(function (c) { return !c.name; });
    if (missing.length) {
      result.errors.push({ code: "college_name_missing", message: M.name_missing,
                           rows: missing.map(function (c) { return c.row; }) });
    }
    var seen = {};
    colleges.forEach(function (c) {
      var key = c.name.toLowerCase();
      if (Object.prototype.hasOwnProperty.call(seen, key)) {
        result.errors.push({ code: "college_name_duplicate", subject: c.name,
                             message: fmt(M.name_duplicate, { name: c.name }),
                             rows: [seen[key], c.row] });
      } else {
        seen[key] = c.row;
      }
    });
    var count = colleges.length;
    if (count < rules.count_min || count > rules.count_max) {
      result.errors.push({ code: "college_count", rows: [],
                           message: fmt(M.count, { min: rules.count_min, max: rules.count_max,
                                                   count: count }) });
    } else if (count < rules.recommended_min) {
      result.warnings.push({ code: "college_count_low", rows: [],
                             message: fmt(M.count_low, { count: count,
                                                         min: rules.recommended_min }) });
    }
    var total = 0;
    colleges.forEach(function (c) {
      total += c.units;
      if (c.units < MIN) {
        result.errors.push({ code: "college_weight_below_minimum", subject: c.name, rows: [c.row],
                             message: fmt(M.below, { name: c.name, weight: unitsText(c.units),
                                                     min: unitsText(MIN) }) });
      } else if (c.units > MAX) {
        result.errors.push({ code: "college_weight_above_maximum", subject: c.name, rows: [c.row],
                             message: fmt(M.above, { name: c.name, weight: unitsText(c.units),
                                                     max: unitsText(MAX) }) });
      }
    });
    result.total = unitsText(total);
    if (count && total !== TOTAL) {
      result.errors.push({ code: "college_weights_sum", rows: [],
                           message: fmt(M.sum, { total: unitsText(total) }) });
    }
    return result;
  }

  window.CollegiaColleges = { check: check };

  var form = document.getElementById("colleges-form");
  if (!form) {
    return;
  }
  var rows = Array.prototype.slice.call(form.querySelectorAll(".college-row"));
  var live = document.getElementById("live-check");
  var totalNode = document.getElementById("weights-total");
  var save = document.getElementById("save-colleges");
  var addButton = document.getElementById("add-row");
  var serverProblems = document.getElementById("server-problems");
  var announceTimer = null;

  function input(row, kind) {
    return row.querySelector("input[name^='" + kind + "-']");
  }

  function entries() {
    return rows.map(function (row) {
      if (row.hidden) {
        return { name: "", weight: "" };
      }
      return { name: input(row, "name").value, weight: input(row, "weight").value };
    });
  }

  function listNode(problems, className, title) {
    var box = document.createElement("div");
    box.className = "alert " + className;
    if (title) {
      var heading = document.createElement("p");
      var strong = document.createElement("strong");
      strong.textContent = title;
      heading.appendChild(strong);
      box.appendChild(heading);
    }
    var list = document.createElement("ul");
    problems.forEach(function (problem) {
      var item = document.createElement("li");
      item.textContent = problem.message;
      list.appendChild(item);
    });
    box.appendChild(list);
    return box;
  }

  function render(result, announce) {
    var byRow = {};
    result.errors.forEach(function (problem) {
      problem.rows.forEach(function (row) {
        if (!byRow[row]) {
          byRow[row] = problem.message;
        }
      });
    });
    rows.forEach(function (row, index) {
      var message = byRow[index] || "";
      var error = row.querySelector(".field-error");
      error.textContent = message;
      ["name", "weight"].forEach(function (kind) {
        var field = input(row, kind);
        if (message) {
          field.setAttribute("aria-invalid", "true");
          field.setAttribute("aria-describedby", error.id);
        } else {
          field.removeAttribute("aria-invalid");
          field.removeAttribute("aria-describedby");
        }
      });
    });
    save.disabled = result.errors.length > 0;
    totalNode.textContent = result.total === null ? "" : fmt(rules.total_label, { total: result.total });
    if (!announce) {
      return;
    }
    live.textContent = "";
    if (result.errors.length) {
      live.appendChild(listNode(result.errors, "alert-error", rules.errors_title));
    } else {
      var ok = document.createElement("p");
      ok.className = "alert alert-ok";
      ok.textContent = M.valid;
      live.appendChild(ok);
    }
    if (result.warnings.length) {
      live.appendChild(listNode(result.warnings, "alert-warn", ""));
    }
  }

  function update() {
    if (serverProblems) {
      serverProblems.remove();
      serverProblems = null;
    }
    var result = check(entries());
    render(result, false);
    window.clearTimeout(announceTimer);
    announceTimer = window.setTimeout(function () { render(check(entries()), true); }, 300);
  }

  function refreshAddButton() {
    addButton.hidden = !rows.some(function (row) { return row.hidden; });
  }

  rows.forEach(function (row) {
    row.querySelector(".row-tools").hidden = false;
    if (row.hasAttribute("data-blank")) {
      row.hidden = true;
    }
  });
  document.getElementById("blank-rows-help").hidden = true;

  addButton.addEventListener("click", function () {
    var next = rows.filter(function (row) { return row.hidden; })[0];
    if (next) {
      next.hidden = false;
      input(next, "name").focus();
    }
    refreshAddButton();
    update();
  });

  form.addEventListener("click", function (event) {
    var button = event.target.closest(".remove-row");
    if (!button) {
      return;
    }
    var row = button.closest(".college-row");
    input(row, "name").value = "";
    input(row, "weight").value = "";
    row.hidden = true;
    refreshAddButton();
    addButton.focus();
    update();
  });

  form.addEventListener("input", update);
  form.addEventListener("submit", function (event) {
    if (check(entries()).errors.length) {
      event.preventDefault();
      render(check(entries()), true);
    }
  });

  refreshAddButton();
  var initial = check(entries());
  render(initial, !serverProblems);
})();
