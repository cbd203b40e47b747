// @ts-check
// The task pane: run each action on the open workbook, list findings and jump to their cells,
// upload department submissions to merge into a master.
(function () {
  "use strict";
  var SEVERITY = { error: "エラー", warning: "警告", info: "情報" };

  /** @param {string} id @returns {any} the element (an input, a link…) */
  function $(id) { return document.getElementById(id); }
  function status(text) { $("status").textContent = text; }

  function showFindings(findings) {
    var list = $("findings");
    list.textContent = "";
    $("count").textContent = findings.length ? "（" + findings.length + " 件）" : "";
    findings.forEach(function (f) {
      var li = document.createElement("li");
      li.className = f.severity;
      li.dataset.sheet = f.sheet || "";
      li.dataset.cell = f.cell || "";
      var loc = document.createElement("span");
      loc.className = "loc";
      loc.textContent = (f.location || "") + " ";
      li.appendChild(loc);
      li.appendChild(document.createTextNode("[" + SEVERITY[f.severity] + "] " + f.message));
      li.addEventListener("click", function () {
        if (f.sheet && f.cell) { XlKpi.selectCell(f.sheet, f.cell).catch(function (e) { status(e.message); }); }
      });
      list.appendChild(li);
    });
  }

  async function run(name) {
    status("実行中…");
    try {
      var result = await XlKpi.runScript(name, []);
      status(result ? result.message : "完了しました。");
      if (result && result.findings) { showFindings(result.findings); }
    } catch (e) {
      status(e.message);
    }
  }

  async function merge(event) {
    event.preventDefault();
    status("統合中…");
    try {
      var response = await fetch("../api/merge", {
        method: "POST", headers: { "Authorization": "Bearer " + XlKpi.token() }, body: new FormData(event.target)
      });
      if (!response.ok) { throw new Error(await XlKpi.failure(response)); }
      var data = await response.json();
      showFindings(data.findings);
      var link = $("download");
      link.href = "data:application/vnd.openxmlformats-officedocument.spreadsheetml.sheet;base64," + data.master_base64;
      link.hidden = false;
      status(data.rows + " 行を統合しました。");
    } catch (e) {
      status(e.message);
    }
  }

  function init() {
    var problem = XlKpi.unsupported();
    if (problem) { status(problem); }
    $("token").value = XlKpi.token();
    $("save-token").addEventListener("click", function () {
      localStorage.setItem("xlKpiToken", $("token").value.trim());
      status("トークンを保存しました。");
    });
    document.querySelectorAll("button[data-script]").forEach(/** @param {HTMLButtonElement} b */ function (b) {
      b.addEventListener("click", function () { run(b.dataset.script); });
    });
    $("merge-form").addEventListener("submit", merge);
    $("submit").addEventListener("click", function () { XlKpiSubmit.submit(status, showFindings); });
    XlKpiSubmit.showState();
    if (typeof Office !== "undefined" && Office.actions) {
      ["compute_rates", "validate_sheet", "merge_sheets", "new_submission"].forEach(function (name) {
        Office.actions.associate(name, function (event) { run(name).then(function () { event.completed(); }); });
      });
      Office.actions.associate("submit_workbook", function (event) {  // the ribbon's 「提出」
        XlKpiSubmit.submit(status, showFindings).then(function () { event.completed(); });
      });
    }
  }

  if (typeof Office !== "undefined" && Office.onReady) { Office.onReady(init); } else { document.addEventListener("DOMContentLoaded", init); }
})();
