// @ts-check
// xl-kpi custom functions: each call posts its declared parameters to the xl-kpi server.
//
// Microsoft's contract (learn.microsoft.com/office/dev/add-ins/excel/custom-functions-parameter-options
// and .../javascript/api/custom-functions-runtime/customfunctions.invocation): Excel passes the
// declared parameters — null for an omitted optional one — and the CustomFunctions.Invocation
// object last. The server's metadata declares every parameter and the result as a "matrix", so
// each parameter arrives as a 2-D array and the result must be one. A result text
// "#N/A <reason>" becomes a #N/A error whose message is the reason; a failed call a #N/A error
// with the server's (Japanese) message. The URL is relative to the task pane page, which hosts
// the functions (shared runtime), so the add-in works under a base URL with a path.

/** @returns {string} */
function xlKpiToken() {
  try { return (typeof localStorage !== "undefined" && localStorage.getItem("xlKpiToken")) || ""; }
  catch (e) { return ""; }
}

/** @param {string} name @param {string} version @returns {boolean} */
function xlKpiSupports(name, version) {
  try { return Office.context.requirements.isSetSupported(name, version); } catch (e) { return false; }
}

/**
 * One cell of an argument as the server takes it: an error cell (a CustomFunctions.Error, or an
 * error value object) is sent as its error text ("#N/A"), which the server reports as not computable.
 * @param {any} value @returns {string | number | boolean | null}
 */
function xlKpiCell(value) {
  if (value === undefined || value === "") { return null; }
  if (value !== null && typeof value === "object") {
    if (typeof value.code === "string") { return value.code; }
    if (value.type === "Error") { return value.basicValue || "#VALUE!"; }
    if ("basicValue" in value) { return value.basicValue; }
    return String(value);
  }
  return value;
}

/** @param {any} arg @returns {any[][] | null} */
function xlKpiArg(arg) {
  if (arg === null || arg === undefined) { return null; }
  if (Array.isArray(arg)) {
    return arg.map(function (row) { return (Array.isArray(row) ? row : [row]).map(xlKpiCell); });
  }
  return [[xlKpiCell(arg)]];
}

/** @param {string} message @returns {any} */
function xlKpiError(message) {
  if (xlKpiSupports("CustomFunctionsRuntime", "1.2")) {
    return new CustomFunctions.Error(CustomFunctions.ErrorCode.notAvailable, message);
  }
  return message;  // before CustomFunctionsRuntime 1.2 an error cannot carry a message
}

/** @param {any} value @returns {any} */
function xlKpiResultCell(value) {
  if (typeof value === "string" && value.indexOf("#N/A") === 0) {
    return xlKpiError(value.slice(5) || "計算できません");
  }
  return value;
}

/**
 * The server's message for a failed call: its JSON "detail", else the status (a reverse proxy's
 * HTML 413 or 502 has no JSON).
 * @param {Response} response @returns {Promise<string>}
 */
async function xlKpiFailure(response) {
  var text = await response.text().catch(function () { return ""; });
  try {
    var data = JSON.parse(text);
    if (data && typeof data.detail === "string") { return data.detail; }
  } catch (e) { /* not JSON */ }
  if (response.status === 413) { return "送るデータが大きすぎます（HTTP 413）。範囲を分けてください。"; }
  if (response.status === 401) { return "認証が必要です（作業ウィンドウでアクセストークンを設定してください）。"; }
  return "サーバーが応答しませんでした（HTTP " + response.status + "）。しばらくしてから再計算してください。";
}

/**
 * @param {string} name the Python function's name
 * @param {any[]} params the declared parameters, as Excel passed them
 * @param {CustomFunctions.Invocation} [invocation] Excel's invocation object (always last)
 * @returns {Promise<any[][]>}
 */
async function xlKpiCall(name, params, invocation) {
  var response;
  try {
    response = await fetch("../xlwings/custom-functions-call", {
      method: "POST",
      headers: { "Content-Type": "application/json", "Authorization": "Bearer " + xlKpiToken() },
      body: JSON.stringify({
        func_name: name, args: params.map(xlKpiArg), client: "Office.js",
        caller_address: invocation && invocation.address ? invocation.address : null,
        culture_info_name: "ja-JP", date_format: "yyyy/mm/dd"
      })
    });
  } catch (e) {
    throw xlKpiError("サーバーに接続できません。ネットワークを確認してください。");
  }
  if (!response.ok) {
    var message = await xlKpiFailure(response);
    var error = xlKpiError(message);
    if (typeof error === "string") { return [[error]]; }
    throw error;
  }
  var data = await response.json();
  var result = Array.isArray(data.result) ? data.result : [[data.result]];
  return result.map(function (row) { return (Array.isArray(row) ? row : [row]).map(xlKpiResultCell); });
}
