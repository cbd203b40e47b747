// xl-kpi Office.js glue: send the open workbook to the server as an xlwings book payload,
// run a script there, and apply the returned actions with the Office JavaScript API.
var XlKpi = (function () {
  "use strict";
  var XLWINGS_VERSION = "0.37.8";

  function token() {
    try { return localStorage.getItem("xlKpiToken") || ""; } catch (e) { return ""; }
  }

  function padValues(range) {
    if (range.isNullObject) { return [[null]]; }
    var rows = [], r, c;
    var width = range.columnIndex + (range.values[0] || []).length;
    for (r = 0; r < range.rowIndex; r++) { rows.push(new Array(width).fill(null)); }
    range.values.forEach(function (row) {
      var out = new Array(range.columnIndex).fill(null);
      row.forEach(function (v) { out.push(v === "" ? null : v); });
      rows.push(out);
    });
    return rows.length ? rows : [[null]];
  }

  // Notes (メモ) need ExcelApi 1.18 (Excel.NoteCollection). Where it is missing the payload says
  // notes_supported: false and xlwings' remote Range.add_note refuses, so the action falls back.
  function notesSupported() {
    return typeof Office !== "undefined" && Office.context && Office.context.requirements &&
      Office.context.requirements.isSetSupported("ExcelApi", "1.18");
  }

  async function noteAddresses(context, worksheets) {
    if (!notesSupported()) { return null; }
    worksheets.forEach(function (ws) { ws.notes.load("items"); });
    await context.sync();
    var locations = worksheets.map(function (ws) {
      return ws.notes.items.map(function (n) { return n.getLocation().load("address"); });
    });
    await context.sync();
    return locations.map(function (list) {
      return list.map(function (r) { return { address: r.address.split("!").pop() }; });
    });
  }

  async function bookData(context) {
    var sheets = context.workbook.worksheets;
    sheets.load("items/name");
    var active = sheets.getActiveWorksheet();
    active.load("name");
    await context.sync();
    var used = sheets.items.map(function (ws) {
      var r = ws.getUsedRangeOrNullObject(true);
      r.load("values,rowIndex,columnIndex");
      return r;
    });
    await context.sync();
    var names = sheets.items.map(function (ws) { return ws.name; });
    var notes = await noteAddresses(context, sheets.items);
    return {
      client: "Office.js", version: XLWINGS_VERSION,
      book: { name: "book.xlsx", active_sheet_index: names.indexOf(active.name), selection: "A1" },
      names: [],
      sheets: sheets.items.map(function (ws, i) {
        var sheet = { name: ws.name, values: padValues(used[i]), pictures: [], tables: [] };
        if (notes) { sheet.notes = notes[i]; sheet.notes_supported = true; } else { sheet.notes_supported = false; }
        return sheet;
      })
    };
  }

  function fill(rows, cols, value) {
    var out = [], r;
    for (r = 0; r < rows; r++) { out.push(new Array(cols).fill(value)); }
    return out;
  }

  async function applyActions(context, actions) {
    var sheets = context.workbook.worksheets;
    sheets.load("items/name");
    await context.sync();
    for (var i = 0; i < actions.length; i++) {
      var a = actions[i];
      var ws = a.sheet_position !== null && a.sheet_position !== undefined ? sheets.items[a.sheet_position] : null;
      var range = ws && a.row_count ? ws.getRangeByIndexes(a.start_row, a.start_column, a.row_count, a.column_count) : null;
      var arg = Array.isArray(a.args) ? a.args[0] : a.args;
      switch (a.func) {
        case "setValues": range.values = a.values; break;
        case "setNumberFormat": range.numberFormat = fill(a.row_count, a.column_count, arg); break;
        case "setRangeColor": if (arg) { range.format.fill.color = arg; } else { range.format.fill.clear(); } break;
        case "rangeMerge": range.merge(Boolean(arg)); break;
        case "setWrapText": range.format.wrapText = Boolean(arg); break;
        case "setColumnWidth": range.format.columnWidth = Number(arg) * 7.5; break;
        case "sheetClear": ws.getRange().clear(); break;
        case "activateSheet": sheets.items[Number(arg)].activate(); break;
        case "addHyperlink":  // "#'sheet'!H12" is a place in this workbook (documentReference)
          range.hyperlink = String(a.args[0]).charAt(0) === "#"
            ? { documentReference: String(a.args[0]).slice(1), textToDisplay: a.args[1], screenTip: a.args[2] }
            : { address: a.args[0], textToDisplay: a.args[1], screenTip: a.args[2] };
          break;
        case "addNote": ws.notes.add(ws.getRange(a.args[0]), a.args[1]); break;
        case "setNoteText": ws.notes.getItem(String(a.args[0]).replace(/\$/g, "")).content = a.args[1]; break;
        case "deleteNote": ws.notes.getItem(String(a.args[0]).replace(/\$/g, "")).delete(); break;
        case "addSheet":
          var added = sheets.add(a.args[1]);
          added.position = a.args[0];
          await context.sync();
          sheets.load("items/name");
          break;
        default: throw new Error("未対応の操作: " + a.func);
      }
      await context.sync();
    }
  }

  async function post(url, body) {
    var response = await fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json", "Authorization": "Bearer " + token() },
      body: JSON.stringify(body)
    });
    var data = await response.json().catch(function () { return { detail: "HTTP " + response.status }; });
    if (!response.ok) { throw new Error(data.detail || ("HTTP " + response.status)); }
    return data;
  }

  async function runScript(name, args) {
    return Excel.run(async function (context) {
      var payload = await bookData(context);
      payload.script_args = args || [];
      var data = await post("/xlwings/custom-scripts-call/" + encodeURIComponent(name), payload);
      await applyActions(context, data.actions || []);
      return data.result;
    });
  }

  async function selectCell(sheet, cell) {
    return Excel.run(async function (context) {
      var ws = context.workbook.worksheets.getItem(sheet);
      ws.activate();
      ws.getRange(cell.split(":")[0]).select();
      await context.sync();
    });
  }

  return { runScript: runScript, selectCell: selectCell, token: token, bookData: bookData, applyActions: applyActions };
})();
