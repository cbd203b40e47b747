// A stand-in for Excel's custom-functions runtime, modelling what Microsoft documents:
//  - learn.microsoft.com/office/dev/add-ins/excel/custom-functions-parameter-options: "When no
//    value is specified for an optional parameter, Excel assigns it the value null."
//  - learn.microsoft.com/javascript/api/custom-functions-runtime/customfunctions.invocation: the
//    Invocation object is passed as the last argument (address, functionName, isInValuePreview…).
//  - learn.microsoft.com/javascript/api/custom-functions-runtime/customfunctions.error and
//    .errorcode: CustomFunctions.Error(code, message), ErrorCode values "#N/A", "#VALUE!"…
//    (the enum values below are copied from @types/custom-functions-runtime).
//  - a "matrix" parameter (our metadata declares every one so) receives a 2-D array.
//  - the functions run in the task pane page (shared runtime), so relative URLs resolve against it.
// Usage: node custom_functions_host.js <page URL> <calls.json>; prints one JSON result per call.
"use strict";
const fs = require("fs");
const vm = require("vm");

const [page, callsFile] = process.argv.slice(2);
const calls = JSON.parse(fs.readFileSync(callsFile, "utf8"));

const registry = {};
class CfError {
  constructor(code, message) { this.code = code; if (message !== undefined) { this.message = message; } }
}
const ErrorCode = {
  invalidValue: "#VALUE!", notAvailable: "#N/A", divisionByZero: "#DIV/0!", invalidNumber: "#NUM!",
  nullReference: "#NULL!", invalidName: "#NAME?", invalidReference: "#REF!"
};
const store = { xlKpiToken: calls.token || "" };
const requests = [];
const sandbox = {
  CustomFunctions: { associate: (id, fn) => { registry[id] = fn; }, Error: CfError, ErrorCode },
  Office: { context: { requirements: { isSetSupported: (name, v) => name === "CustomFunctionsRuntime" && Number(v) <= 1.4 } } },
  localStorage: { getItem: (k) => (k in store ? store[k] : null), setItem: (k, v) => { store[k] = String(v); } },
  fetch: (url, init) => {
    const absolute = new URL(url, page).toString();
    requests.push({ url: absolute, body: init && init.body ? JSON.parse(init.body) : null });
    return fetch(absolute, init);
  },
  console, JSON, Promise, Array, Object, String, Number, Math, Date, URL
};
vm.createContext(sandbox);

(async () => {
  const code = await (await fetch(new URL(calls.code_url, page))).text();
  vm.runInContext(code, sandbox);
  const out = [];
  for (const call of calls.calls) {
    const fn = registry[call.id];
    const invocation = { address: "Sheet1!C" + (out.length + 2), functionName: "XLKPI." + call.id,
                         isInValuePreview: false, parameterAddresses: call.args.map(() => "Sheet1!A1") };
    // Excel: declared parameters (null for omitted optional ones), then the Invocation, last.
    const cell = (v) => (v && v.__error__ ? new CfError(v.__error__) : v);
    const args = call.args.map((a) => (Array.isArray(a) ? a.map((row) => row.map(cell)) : cell(a)));
    try {
      const value = await fn(...args, invocation);
      out.push({ result: JSON.parse(JSON.stringify(value, (k, v) => (v instanceof CfError ? { error: v.code, message: v.message } : v))) });
    } catch (e) {
      out.push({ thrown: e instanceof CfError ? { error: e.code, message: e.message } : String(e) });
    }
  }
  process.stdout.write(JSON.stringify({ results: out, requests, registered: Object.keys(registry).sort(),
                                        arity: Object.fromEntries(Object.entries(registry).map(([k, f]) => [k, f.length])) }));
})().catch((e) => { process.stderr.write(String(e && e.stack || e)); process.exit(1); });
