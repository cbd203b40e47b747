// A stand-in for the Office JavaScript API, enough for the task pane: an in-memory workbook
// whose sheets are grids of values, plus the range operations xl-kpi's actions use. Member
// names and shapes follow @types/office-js (Excel.Workbook.name, Worksheet.position,
// Range.values/numberFormat, Workbook.getSelectedRange, NamedItemCollection.items).
(function () {
  var book = window.__XLKPI_BOOK__ || { sheets: [{ name: "Sheet1", values: [[null]] }], active: 0 };
  window.__applied__ = [];
  function grid(sheet, r, c) {
    while (sheet.values.length <= r) { sheet.values.push([]); }
    var row = sheet.values[r];
    while (row.length <= c) { row.push(null); }
    return row;
  }
  function makeRange(sheet, r0, c0, rows, cols) {
    var range = {
      load: function () {},
      select: function () { window.__selected__ = sheet.name + "!" + r0 + "," + c0; },
      merge: function () { window.__applied__.push("merge"); },
      format: { fill: { clear: function () { window.__applied__.push("fill-clear"); } } },
      clear: function () { sheet.values = [[null]]; window.__applied__.push("clear"); }
    };
    Object.defineProperty(range, "values", {
      get: function () { return sheet.values; },
      set: function (v) {
        window.__applied__.push("values");
        for (var i = 0; i < v.length; i++) { for (var j = 0; j < v[i].length; j++) { grid(sheet, r0 + i, c0 + j)[c0 + j] = v[i][j]; } }
      }
    });
    Object.defineProperty(range, "numberFormat", { set: function () { window.__applied__.push("numberFormat"); } });
    Object.defineProperty(range.format.fill, "color", { set: function () { window.__applied__.push("color"); } });
    Object.defineProperty(range.format, "wrapText", { set: function () {} });
    Object.defineProperty(range.format, "columnWidth", { set: function () {} });
    return range;
  }
  function worksheet(sheet) {
    return {
      get name() { return sheet.name; },
      get position() { return book.sheets.indexOf(sheet); },
      set position(p) {},
      load: function () {},
      activate: function () { book.active = book.sheets.indexOf(sheet); },
      getUsedRangeOrNullObject: function () {
        var rows = sheet.values.length, cols = Math.max.apply(null, sheet.values.map(function (r) { return r.length; }));
        var values = sheet.values.map(function (r) { var o = r.slice(); while (o.length < cols) { o.push(""); } return o.map(function (v) { return v === null ? "" : v; }); });
        var formats = values.map(function (r, i) {
          return r.map(function (v, j) { return (sheet.formats && sheet.formats[i] && sheet.formats[i][j]) || "General"; });
        });
        return { isNullObject: false, rowIndex: 0, columnIndex: 0, values: values, numberFormat: formats, load: function () {} };
      },
      getRangeByIndexes: function (r, c, rows, cols) { return makeRange(sheet, r, c, rows, cols); },
      getRange: function (addr) { return makeRange(sheet, 0, 0, 1, 1); }
    };
  }
  var worksheets = {
    load: function () {},
    get items() { return book.sheets.map(worksheet); },
    getActiveWorksheet: function () { return worksheet(book.sheets[book.active]); },
    getItem: function (name) { return worksheet(book.sheets.filter(function (s) { return s.name === name; })[0]); },
    add: function (name) { var s = { name: name, values: [[null]] }; book.sheets.push(s); return worksheet(s); }
  };
  var workbook = {
    name: book.name || "Book1.xlsx", load: function () { return workbook; }, worksheets: worksheets,
    getSelectedRange: function () { return { address: book.sheets[book.active].name + "!B5", load: function () { return this; } }; },
    names: { items: (book.names || []).map(function (n) {
      return { name: n.name, type: "Range", formula: n.formula,
               getRangeOrNullObject: function () {
                 var ws = worksheet(book.sheets[n.sheet]);
                 return { isNullObject: false, address: n.formula.slice(1), worksheet: ws, load: function () { return this; } };
               } };
    }), load: function () { return this; } }
  };
  // Each sync() is one round trip to Excel (learn.microsoft.com/office/dev/add-ins/excel/performance,
  // "Minimize the number of sync() calls"): counted, so a test can see how many a button costs.
  window.__syncs__ = 0;
  var context = { workbook: workbook, sync: function () { window.__syncs__ += 1; return Promise.resolve(); } };
  // Document.getFileAsync(Office.FileType.Compressed, {sliceSize}, callback): an AsyncResult whose
  // value is a File (size, sliceCount, getSliceAsync(index, callback) → Slice.data as a byte array,
  // closeAsync) — learn.microsoft.com/javascript/api/office/office.document (getFileAsync),
  // office.file, office.slice. The bytes are the test's workbook file (base64 in __XLKPI_FILE__).
  function getFileAsync(fileType, options, callback) {
    var binary = atob(window.__XLKPI_FILE__ || "");
    var bytes = [];
    for (var i = 0; i < binary.length; i++) { bytes.push(binary.charCodeAt(i)); }
    var size = (options && options.sliceSize) || 4194304;
    var count = Math.max(1, Math.ceil(bytes.length / size));
    window.__fileCalls__ = (window.__fileCalls__ || []).concat([fileType]);
    var file = {
      size: bytes.length, sliceCount: count,
      getSliceAsync: function (index, cb) {
        setTimeout(function () {
          cb({ status: "succeeded", value: { index: index, data: bytes.slice(index * size, (index + 1) * size),
                                             size: Math.min(size, bytes.length - index * size) } });
        }, 0);
      },
      closeAsync: function (cb) { window.__fileClosed__ = true; if (cb) { cb({ status: "succeeded" }); } }
    };
    setTimeout(function () { callback({ status: "succeeded", value: file }); }, 0);
  }
  window.Office = { onReady: function (cb) { setTimeout(function () { cb({ host: "Excel" }); }, 0); },
                    context: { requirements: { isSetSupported: function () { return true; } },
                               document: { getFileAsync: getFileAsync } },
                    FileType: { Compressed: "compressed" }, AsyncResultStatus: { Succeeded: "succeeded", Failed: "failed" },
                    actions: { associate: function () {} } };
  window.Excel = { run: function (fn) { return fn(context); } };
  window.__XLKPI_BOOK_REF__ = book;
})();
