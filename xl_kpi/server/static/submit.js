// @ts-check
// 「提出」: send the open workbook, as the .xlsx file Excel would save, to the server's inbox, and
// show what it answered — 「受け付けました（受付番号 …）」 or the findings to fix — and the
// department's own state (a 差し戻し with the planning division's message).
//
// The file comes from Office.context.document.getFileAsync(Office.FileType.Compressed): "the
// entire document (.pptx, .docx, .xlsx, or .xlsm) in Office Open XML (OOXML) format as a byte
// array", read slice by slice with File.getSliceAsync (Slice.data: the bytes) and released with
// File.closeAsync — learn.microsoft.com/javascript/api/office/office.document#office-office-
// document-getfileasync-member(1) and office.file. Excel on Windows, Mac and the web support it.
var XlKpiSubmit = (function () {
  "use strict";
  var SLICE = 4 * 1024 * 1024;  // the documented maximum slice size (4 MB)
  var LABELS = { "提出済": "提出済（受理）", "一部": "一部（計画のKPIの一部だけ）", "未提出": "未提出",
                 "差し戻し": "差し戻し", "確認待ち": "受付済（企画担当の確認待ち）" };

  /** @param {Office.File} file @param {number} index @returns {Promise<number[]>} */
  function slice(file, index) {
    return new Promise(function (resolve, reject) {
      file.getSliceAsync(index, function (result) {
        if (result.status === Office.AsyncResultStatus.Succeeded) { resolve(result.value.data); }
        else { reject(new Error("ブックを読み込めませんでした（" + result.error.message + "）。")); }
      });
    });
  }

  /** The open workbook as .xlsx bytes. @returns {Promise<Uint8Array<ArrayBuffer>>} */
  function workbookBytes() {
    return new Promise(function (resolve, reject) {
      Office.context.document.getFileAsync(Office.FileType.Compressed, { sliceSize: SLICE }, async function (result) {
        if (result.status !== Office.AsyncResultStatus.Succeeded) {
          reject(new Error("ブックを読み込めませんでした（" + result.error.message + "）。"));
          return;
        }
        var file = result.value;
        try {
          var parts = [];
          for (var i = 0; i < file.sliceCount; i++) { parts.push(await slice(file, i)); }
          var size = parts.reduce(function (n, p) { return n + p.length; }, 0);
          var bytes = new Uint8Array(new ArrayBuffer(size));
          var at = 0;
          parts.forEach(function (p) { bytes.set(p, at); at += p.length; });
          resolve(bytes);
        } catch (e) {
          reject(e);
        } finally {
          file.closeAsync(function () { /* released */ });
        }
      });
    });
  }

  /** @returns {Promise<string>} the workbook's file name */
  function workbookName() {
    return Excel.run(async function (context) {
      context.workbook.load("name");
      await context.sync();
      var name = context.workbook.name || "提出.xlsx";
      return /\.xls[xm]$/i.test(name) ? name : name + ".xlsx";
    });
  }

  /**
   * Submit the open workbook. @param {(text: string) => void} status
   * @param {(findings: any[]) => void} showFindings
   */
  async function submit(status, showFindings) {
    status("提出中…");
    try {
      var bytes = await workbookBytes();
      var form = new FormData();
      form.append("file", new Blob([bytes], { type: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" }),
                  await workbookName());
      var response = await fetch("../api/submissions", {
        method: "POST", headers: { "Authorization": "Bearer " + XlKpi.token() }, body: form
      });
      var text = await response.text();
      /** @type {any} */
      var data = {};
      try { data = JSON.parse(text); } catch (e) { /* a proxy's page */ }
      if (data.findings) { showFindings(data.findings); }
      if (!response.ok) {
        status(data.detail || ("提出できませんでした（HTTP " + response.status + "）。"));
        return;
      }
      status(data.detail);
      await showState();
    } catch (e) {
      status(e.message);
    }
  }

  /** The department's own state and the planning division's message, in the task pane. */
  async function showState() {
    var box = document.getElementById("submission-state");
    if (!box || !XlKpi.token()) { return; }
    try {
      var response = await fetch("../api/status", { headers: { "Authorization": "Bearer " + XlKpi.token() } });
      if (!response.ok) { return; }
      var data = await response.json();
      box.textContent = "";
      data.departments.forEach(function (d) {
        var p = document.createElement("p");
        var s = d.latest;
        p.textContent = d.department + ": " + (LABELS[d.status] || d.status) +
          (s ? "（受付番号 " + s.id + "、" + s.received_at.replace("T", " ").replace(/\+09:00$/, "") + "）" : "");
        box.appendChild(p);
        if (s && s.state === "reopened" && s.message) {
          var m = document.createElement("p");
          m.className = "message";
          m.textContent = "企画担当からの差し戻し: " + s.message;
          box.appendChild(m);
        }
      });
    } catch (e) { /* the state is a courtesy: the submit button still works */ }
  }

  return { submit: submit, showState: showState, workbookBytes: workbookBytes };
})();
