// Adds to office_standin.js what 「指摘をコメントで書き込む」 needs, as documented by Microsoft:
// - Office.context.requirements.isSetSupported("ExcelApi", "1.18")
//   https://learn.microsoft.com/javascript/api/office/office.requirementsetsupport
// - Worksheet.notes (Excel.NoteCollection, ExcelApi 1.18): add(cellAddress, content), getItem(key)
//   by cell address, items after load; Note.content, Note.delete(), Note.getLocation()
//   https://learn.microsoft.com/javascript/api/excel/excel.notecollection
//   https://learn.microsoft.com/javascript/api/excel/excel.note
// - Range.hyperlink (Excel.RangeHyperlink: address | documentReference, textToDisplay, screenTip)
//   https://learn.microsoft.com/javascript/api/excel/excel.rangehyperlink
// window.__XLKPI_API118__ = false models an Excel without ExcelApi 1.18 (no notes).
(function () {
  var supported = window.__XLKPI_API118__ !== false;
  window.Office.context = { requirements: { isSetSupported: function (set, version) {
    return set === "ExcelApi" && (supported || parseInt(String(version).split(".")[1], 10) < 18);  // 1.7 < 1.18
  } } };
  window.__links__ = [];
  var book = window.__XLKPI_BOOK_REF__;
  function clean(a) { return String(a).split("!").pop().replace(/\$/g, ""); }
  function notesOf(sheet, ws) {
    sheet.notes = sheet.notes || [];
    return {
      load: function () {},
      get items() {
        return sheet.notes.map(function (n) {
          return { content: n.content, getLocation: function () { return { load: function () {}, address: ws.name + "!" + n.address }; } };
        });
      },
      add: function (range, content) {
        var at = clean(range.address);
        if (sheet.notes.some(function (n) { return n.address === at; })) { throw new Error("InvalidArgument: the cell already has a note"); }
        sheet.notes.push({ address: at, content: content });
      },
      getItem: function (key) {
        var note = sheet.notes.filter(function (n) { return n.address === clean(key); })[0];
        if (!note) { throw new Error("ItemNotFound"); }
        return { set content(v) { note.content = v; }, delete: function () { sheet.notes.splice(sheet.notes.indexOf(note), 1); } };
      }
    };
  }
  function extend(ws) {
    var sheet = book.sheets.filter(function (s) { return s.name === ws.name; })[0];
    if (supported) { ws.notes = notesOf(sheet, ws); }
    var byIndexes = ws.getRangeByIndexes, byAddress = ws.getRange;
    ws.getRangeByIndexes = function (r, c, rows, cols) {
      var range = byIndexes(r, c, rows, cols);
      Object.defineProperty(range, "hyperlink", { set: function (h) { window.__links__.push(h); } });
      return range;
    };
    ws.getRange = function (address) { var range = byAddress(address); range.address = address; return range; };
    return ws;
  }
  Excel.run(function (context) {
    var worksheets = context.workbook.worksheets;
    var items = Object.getOwnPropertyDescriptor(worksheets, "items").get;
    var active = worksheets.getActiveWorksheet, getItem = worksheets.getItem;
    Object.defineProperty(worksheets, "items", { get: function () { return items.call(worksheets).map(extend); } });
    worksheets.getActiveWorksheet = function () { return extend(active.call(worksheets)); };
    worksheets.getItem = function (name) { return extend(getItem.call(worksheets, name)); };
  });
})();
