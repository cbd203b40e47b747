// @ts-check
// xl-kpi Office.js glue: send the open workbook to the server as an xlwings book payload, run a
// script there, and apply the returned actions with the Office JavaScript API.
//
// The payload follows xlwings' own client (xlwings/xlwings-server, static/js/custom-scripts/
// index.js and named-items.js): the workbook's real name, the selected range's address, its
// names, date cells as ISO strings, script arguments as `args`; sheets a script does not read are
// sent without their values (xlwings' "exclude"), so positions stay right and the request small.
// Column widths come as points (xlwings 0.37: "Points, which is what Office.js'
// RangeFormat.columnWidth takes"). URLs are relative to the task pane page, so the add-in also
// works under a base URL with a path.
var XlKpi = (function () {
  "use strict";
  var XLWINGS_VERSION = "0.37.8";
  var SETTINGS_SHEET = "設定";
  // The plan (「計画」): the server checks a sheet against it, as `xl-kpi validate` does.
  var REGISTER_SHEET = "計画";
  var ALL_SHEETS = { merge_sheets: true };  // scripts that read every sheet
  var FINDINGS_SHEET = "チェック結果";
  var READS_FINDINGS = { annotate_findings: true };  // scripts that also read 「チェック結果」 (its メモ column)
  // The newest Excel API any call below needs (getRangeByIndexes, NamedItem.formula: ExcelApi 1.7).
  var EXCEL_API = "1.7";

  /** @returns {string} */
  function token() {
    try { return localStorage.getItem("xlKpiToken") || ""; } catch (e) { return ""; }
  }

  /** @returns {string | null} a Japanese message when this Excel cannot run the add-in */
  function unsupported() {
    if (typeof Office === "undefined" || !Office.context || !Office.context.requirements) { return null; }
    if (!Office.context.requirements.isSetSupported("ExcelApi", EXCEL_API)) {
      return "この Excel では使えません（Excel JavaScript API " + EXCEL_API + " 以降が必要です）。Excel を更新してください。";
    }
    return null;
  }

  /**
   * True for a number format that shows a date or time (xlwings converts those cells to ISO text).
   * @param {string} format @returns {boolean}
   */
  function isDateFormat(format) {
    if (typeof format !== "string") { return false; }
    var f = format.replace(/"[^"]*"/g, "").replace(/\\./g, "").replace(/General/gi, "");
    if (/\[(h+|m+|s+)\]/i.test(f)) { return true; }
    f = f.replace(/\[[^\]]*\]/g, "");
    return /[ymdhsge]/i.test(f.replace(/[0#?.,%E+\-]/g, ""));
  }

  /** @param {any[][]} values @param {any[][]} formats */
  function convertDates(values, formats) {
    values.forEach(function (row, r) {
      row.forEach(function (v, c) {
        if (typeof v === "number" && formats && formats[r] && isDateFormat(formats[r][c])) {
          row[c] = new Date(Math.round((v - 25569) * 86400 * 1000)).toISOString();
        }
      });
    });
  }

  /** @param {Excel.Range} range @returns {any[][]} the values from A1, dates as ISO text */
  function valuesFromA1(range) {
    if (range.isNullObject) { return [[null]]; }
    convertDates(range.values, range.numberFormat);
    var rows = [], r;
    var width = range.columnIndex + (range.values[0] || []).length;
    for (r = 0; r < range.rowIndex; r++) { rows.push(new Array(width).fill(null)); }
    range.values.forEach(function (row) {
      var out = new Array(range.columnIndex).fill(null);
      row.forEach(function (v) { out.push(v === "" ? null : v); });
      rows.push(out);
    });
    return rows.length ? rows : [[null]];
  }

  /** @param {Excel.RequestContext} context @returns {Promise<string | null>} */
  async function selectionAddress(context) {
    try {
      var selection = context.workbook.getSelectedRange().load("address");
      await context.sync();
      return selection.address.split("!").pop() || null;
    } catch (e) {
      return null;  // a shape or chart is selected
    }
  }

  /** @param {Excel.RequestContext} context @returns {Promise<object[]>} workbook-scoped names, as xlwings sends them */
  async function bookNames(context) {
    var names = context.workbook.names.load("items/name,items/type,items/formula");
    await context.sync();
    var ranges = names.items.map(function (n) { return n.type === "Range" ? n.getRangeOrNullObject() : null; });
    ranges.forEach(function (r) { if (r) { r.load("address"); r.worksheet.load("position"); } });
    await context.sync();
    return names.items.map(function (n, i) {
      var r = ranges[i] && !ranges[i].isNullObject ? ranges[i] : null;
      return { name: n.name, refers_to: n.formula, type: n.type, sheet_index: r ? r.worksheet.position : null,
               address: r ? r.address.split("!").pop() : null, scope_sheet_name: null, scope_sheet_index: null,
               book_scope: true };
    });
  }

  // Notes (メモ) need ExcelApi 1.18 (Excel.NoteCollection). Where it is missing the payload says
  // notes_supported: false and xlwings' remote Range.add_note refuses, so the action falls back.
  /** @returns {boolean} */
  function notesSupported() {
    return typeof Office !== "undefined" && Boolean(Office.context) && Boolean(Office.context.requirements) &&
      Office.context.requirements.isSetSupported("ExcelApi", "1.18");
  }

  /**
   * The cells with a note on each sheet, as xlwings' payload carries them ({address}), or null.
   * @param {Excel.RequestContext} context @param {Excel.Worksheet[]} worksheets
   * @returns {Promise<{address: string}[][] | null>}
   */
  async function noteAddresses(context, worksheets) {
    if (!notesSupported() || worksheets.some(function (ws) { return !ws.notes; })) { return null; }
    worksheets.forEach(function (ws) { ws.notes.load("items"); });
    await context.sync();
    var locations = worksheets.map(function (ws) {
      return ws.notes.items.map(function (n) { return n.getLocation().load("address"); });
    });
    await context.sync();
    return locations.map(function (list) {
      return list.map(function (r) { return { address: r.address.split("!").pop() || "" }; });
    });
  }

  /**
   * @param {Excel.RequestContext} context
   * @param {string} [script] the script the payload is for: decides which sheets' values are sent
   */
  async function bookData(context, script) {
    var workbook = context.workbook;
    workbook.load("name");
    var sheets = workbook.worksheets;
    sheets.load("items/name,items/position");
    var active = sheets.getActiveWorksheet();
    active.load("name,position");
    await context.sync();
    var wanted = sheets.items.map(function (ws) {
      return Boolean(script && ALL_SHEETS[script]) || !script || ws.name === active.name || ws.name === SETTINGS_SHEET ||
        ws.name === REGISTER_SHEET ||
        (Boolean(script && READS_FINDINGS[script]) && ws.name === FINDINGS_SHEET);
    });
    var used = sheets.items.map(function (ws, i) {
      if (!wanted[i]) { return null; }
      var r = ws.getUsedRangeOrNullObject(true);
      r.load("values,numberFormat,rowIndex,columnIndex");
      return r;
    });
    await context.sync();
    var notes = await noteAddresses(context, sheets.items);
    return {
      client: "Office.js", version: XLWINGS_VERSION,
      book: { name: workbook.name, active_sheet_index: active.position, selection: await selectionAddress(context) },
      names: await bookNames(context),
      sheets: sheets.items.map(function (ws, i) {
        var r = used[i];
        /** @type {any} */
        var sheet = { name: ws.name, values: r ? valuesFromA1(r) : [[]], pictures: [], tables: [] };
        if (notes) { sheet.notes = notes[i]; sheet.notes_supported = true; } else { sheet.notes_supported = false; }
        return sheet;
      })
    };
  }

  /** @param {number} rows @param {number} cols @param {any} value @returns {any[][]} */
  function fill(rows, cols, value) {
    var out = [], r;
    for (r = 0; r < rows; r++) { out.push(new Array(cols).fill(value)); }
    return out;
  }

  // The server's writes are queued and sent to Excel together: each context.sync() is a round trip
  // (learn.microsoft.com/office/dev/add-ins/excel/performance, "Minimize the number of sync()
  // calls"), in batches of at most BATCH_CELLS cells, well under the 5 MB a request may carry on
  // Excel on the web (learn.microsoft.com/office/dev/add-ins/concepts/resource-limits-and-performance-optimization).
  var BATCH_CELLS = 20000;

  /** @param {Excel.RequestContext} context @param {any[]} actions */
  async function applyActions(context, actions) {
    var sheets = context.workbook.worksheets;
    sheets.load("items/name");
    await context.sync();
    var queued = 0;
    for (var i = 0; i < actions.length; i++) {
      var a = actions[i];
      var ws = a.sheet_position !== null && a.sheet_position !== undefined ? sheets.items[a.sheet_position] : null;
      /** @type {any} */
      var range = ws && a.row_count ? ws.getRangeByIndexes(a.start_row, a.start_column, a.row_count, a.column_count) : null;
      var arg = Array.isArray(a.args) ? a.args[0] : a.args;
      switch (a.func) {
        case "setValues": range.values = a.values; break;
        case "setNumberFormat": range.numberFormat = fill(a.row_count, a.column_count, arg); break;
        case "setRangeColor": if (arg) { range.format.fill.color = arg; } else { range.format.fill.clear(); } break;
        case "rangeMerge": range.merge(Boolean(arg)); break;
        case "setWrapText": range.format.wrapText = Boolean(arg); break;
        case "setColumnWidth": range.format.columnWidth = Number(arg); break;
        case "sheetClear": ws.getRange().clear(); break;
        case "activateSheet": sheets.items[Number(arg)].activate(); break;
        case "addHyperlink":  // "#'sheet'!H12" is a place in this workbook (RangeHyperlink.documentReference)
          range.hyperlink = String(a.args[0]).charAt(0) === "#"
            ? { documentReference: String(a.args[0]).slice(1), textToDisplay: a.args[1], screenTip: a.args[2] }
            : { address: a.args[0], textToDisplay: a.args[1], screenTip: a.args[2] };
          break;
        case "addNote": ws.notes.add(ws.getRange(a.args[0]), a.args[1]); break;
        case "setNoteText": ws.notes.getItem(String(a.args[0]).replace(/\$/g, "")).content = a.args[1]; break;
        case "deleteNote": ws.notes.getItem(String(a.args[0]).replace(/\$/g, "")).delete(); break;
        case "addSheet":  // the actions after it address the new sheet by position: reload the list now
          var added = sheets.add(a.args[1]);
          added.position = a.args[0];
          sheets.load("items/name");
          await context.sync();
          queued = 0;
          break;
        default: throw new Error("未対応の操作: " + a.func);
      }
      queued += (a.row_count || 1) * (a.column_count || 1);
      if (queued >= BATCH_CELLS) {
        await context.sync();
        queued = 0;
      }
    }
    await context.sync();
  }

  /** @param {Response} response @returns {Promise<string>} the server's message, or the status */
  async function failure(response) {
    var text = await response.text().catch(function () { return ""; });
    try {
      var data = JSON.parse(text);
      if (data && typeof data.detail === "string") { return data.detail; }
    } catch (e) { /* not JSON: a reverse proxy's error page */ }
    if (response.status === 413) { return "ブックが大きすぎて送れません（HTTP 413）。"; }
    return "サーバーが応答しませんでした（HTTP " + response.status + "）。";
  }

  /** @param {string} url @param {any} body */
  async function post(url, body) {
    var response = await fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json", "Authorization": "Bearer " + token() },
      body: JSON.stringify(body)
    });
    if (!response.ok) { throw new Error(await failure(response)); }
    return response.json();
  }

  /** @param {string} name @param {any[]} [args] */
  async function runScript(name, args) {
    var problem = unsupported();
    if (problem) { throw new Error(problem); }
    return Excel.run(async function (context) {
      /** @type {any} */
      var payload = await bookData(context, name);
      payload.args = args || [];
      var data = await post("../xlwings/custom-scripts-call/" + encodeURIComponent(name), payload);
      await applyActions(context, data.actions || []);
      return data.result;
    });
  }

  /** @param {string} sheet @param {string} cell */
  async function selectCell(sheet, cell) {
    return Excel.run(async function (context) {
      var ws = context.workbook.worksheets.getItem(sheet);
      ws.activate();
      ws.getRange(cell.split(":")[0]).select();
      await context.sync();
    });
  }

  return { runScript: runScript, selectCell: selectCell, token: token, bookData: bookData,
           applyActions: applyActions, isDateFormat: isDateFormat, failure: failure, unsupported: unsupported };
})();
