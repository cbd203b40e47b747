// @ts-check
// The planning division's page (/inbox): every department of the plan and the state of its latest
// submission, the findings of a submission, 受理 and 差し戻し, and the master built on the server
// from the latest accepted submission of each department. The token is kept for this tab only.
(function () {
  "use strict";
  var SEVERITY = { error: "エラー", warning: "警告", info: "情報" };
  var KEY = "xlKpiPlanningToken";
  /** @type {number | null} */
  var reopening = null;

  /** @param {string} id @returns {any} */
  function $(id) { return document.getElementById(id); }
  function status(text) { $("status").textContent = text; }
  function token() { return sessionStorage.getItem(KEY) || ""; }

  /** @param {string} path @param {RequestInit} [init] */
  async function api(path, init) {
    init = init || {};
    init.headers = Object.assign({ "Authorization": "Bearer " + token() }, init.headers || {});
    var response = await fetch(path, init);
    if (!response.ok) {
      var detail = "サーバーがエラーを返しました（" + response.status + "）。";
      try { detail = (await response.json()).detail || detail; } catch (e) { /* not JSON */ }
      throw new Error(detail);
    }
    return response;
  }

  /** @param {string} tag @param {string} [text] @param {string} [cls] */
  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined) { e.textContent = text; }
    if (cls) { e.className = cls; }
    return e;
  }

  function when(iso) { return iso ? iso.replace("T", " ").replace(/\+09:00$/, "") : ""; }

  function row(d) {
    var tr = document.createElement("tr");
    var s = d.latest;
    var th = el("th", d.department);
    th.setAttribute("scope", "row");
    tr.appendChild(th);
    var state = el("td");
    state.appendChild(el("span", d.status, "state state-" + d.status));
    if (s && s.missing && s.missing.length) { state.appendChild(el("div", "未提出のKPI: " + s.missing.join("、"))); }
    if (s && s.message) { state.appendChild(el("div", "理由: " + s.message, "message")); }
    tr.appendChild(state);
    tr.appendChild(el("td", s ? when(s.received_at) : ""));
    tr.appendChild(el("td", s ? String(s.id) : ""));
    tr.appendChild(el("td", s ? String(s.counts.error) : ""));
    tr.appendChild(el("td", s ? String(s.counts.warning) : ""));
    var link = el("td");
    var actions = el("td");
    if (s) {
      var text = "指摘 " + (s.counts.error + s.counts.warning + s.counts.info) + " 件";
      var a = /** @type {HTMLAnchorElement} */ (el("a", text));
      a.href = "#submission-" + s.id;
      a.setAttribute("aria-label", d.department + "の提出（受付番号 " + s.id + "）の" + text);  // the visible text in the name (WCAG 2.5.3)
      link.appendChild(a);
      if (s.state !== "accepted") { actions.appendChild(button("受理", d.department, function () { accept(s.id); })); }
      if (s.state !== "reopened") { actions.appendChild(button("差し戻し", d.department, function () { askReopen(s.id, d.department); })); }
    }
    tr.appendChild(link);
    tr.appendChild(actions);
    return tr;
  }

  function button(text, department, onClick) {
    var b = el("button", text);
    b.setAttribute("type", "button");
    b.setAttribute("aria-label", department + "の提出を" + text);
    b.addEventListener("click", onClick);
    return b;
  }

  async function load() {
    status("読み込み中…");
    try {
      var data = await (await api("api/status")).json();
      var body = document.querySelector("#states tbody");
      body.textContent = "";
      if (data.role !== "planning") {
        status("このページは企画担当（planning）のアクセストークンで開きます。部署の提出状況は作業ウィンドウで確かめてください。");
        return;
      }
      var counts = {};
      data.departments.forEach(function (d) {
        body.appendChild(row(d));
        counts[d.status] = (counts[d.status] || 0) + 1;
      });
      $("summary").textContent = data.departments.length + " 部署: " + Object.keys(counts).map(function (k) {
        return k + " " + counts[k];
      }).join("、");
      status("提出状況を表示しました（" + new Date().toLocaleTimeString("ja-JP") + "）。");
      showHash();
    } catch (e) {
      status(e.message);
    }
  }

  async function showHash() {
    var m = /^#submission-(\d+)$/.exec(location.hash);
    if (!m || !token()) { return; }
    try {
      var s = await (await api("api/submissions/" + m[1])).json();
      var list = $("findings");
      list.textContent = "";
      $("detail-heading").textContent = "指摘事項: " + s.department + "（受付番号 " + s.id + "、" + s.filename + "、" +
        s.findings.length + " 件）";
      s.findings.forEach(function (f) {
        var li = el("li", undefined, f.severity);
        li.appendChild(el("span", (f.location || "") + " ", "loc"));
        li.appendChild(document.createTextNode("[" + SEVERITY[f.severity] + "] " + f.message));
        list.appendChild(li);
      });
      if (!s.findings.length) { list.appendChild(el("li", "指摘はありません。")); }
      $("detail").hidden = false;
      $("detail-heading").focus();
    } catch (e) {
      status(e.message);
    }
  }

  async function accept(id) {
    try {
      await api("api/submissions/" + id + "/accept", { method: "POST" });
      await load();
      status("受付番号 " + id + " を受理しました。");
    } catch (e) { status(e.message); }
  }

  function askReopen(id, department) {
    reopening = id;
    $("reopen-target").textContent = department + "の提出（受付番号 " + id + "）を差し戻します。";
    $("reopen-message").value = "";
    $("reopen-section").hidden = false;
    $("reopen-heading").focus();
  }

  async function reopen(event) {
    event.preventDefault();
    if (reopening === null) { return; }
    var id = reopening;
    try {
      await api("api/submissions/" + id + "/reopen", {
        method: "POST", headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ message: $("reopen-message").value })
      });
      reopening = null;
      $("reopen-section").hidden = true;
      await load();
      status("受付番号 " + id + " を差し戻しました。部署の作業ウィンドウにメッセージが表示されます。");
    } catch (e) { status(e.message); }
  }

  async function merge() {
    status("マスターを作成中…");
    try {
      var response = await api("api/inbox/merge", { method: "POST" });
      var blob = await response.blob();
      var link = $("download");
      if (link.href) { URL.revokeObjectURL(link.href); }
      link.href = URL.createObjectURL(blob);
      link.hidden = false;
      link.click();
      status("マスターを作成しました（" + response.headers.get("X-Xl-Kpi-Rows") + " 行、エラー " +
        response.headers.get("X-Xl-Kpi-Errors") + " 件）。");
    } catch (e) { status(e.message); }
  }

  function init() {
    $("token").value = token();
    $("token-form").addEventListener("submit", function (event) {
      event.preventDefault();
      sessionStorage.setItem(KEY, $("token").value.trim());
      load();
    });
    $("reopen-form").addEventListener("submit", reopen);
    $("reopen-cancel").addEventListener("click", function () { reopening = null; $("reopen-section").hidden = true; });
    $("merge").addEventListener("click", merge);
    window.addEventListener("hashchange", showHash);
    if (token()) { load(); }
  }

  document.addEventListener("DOMContentLoaded", init);
})();
