// xl-kpi custom functions: each call posts its arguments to the xl-kpi server.
// A result text "#N/A <reason>" becomes a real #N/A error whose message is the reason.
function xlKpiToken() {
  try { return (typeof localStorage !== "undefined" && localStorage.getItem("xlKpiToken")) || ""; }
  catch (e) { return ""; }
}

function xlKpiConvert(value) {
  if (typeof value === "string" && value.indexOf("#N/A") === 0) {
    return new CustomFunctions.Error(CustomFunctions.ErrorCode.notAvailable, value.slice(5) || "計算できません");
  }
  return value;
}

async function xlKpiCall(name, args) {
  var response = await fetch("/xlwings/custom-functions-call", {
    method: "POST",
    headers: { "Content-Type": "application/json", "Authorization": "Bearer " + xlKpiToken() },
    body: JSON.stringify({ func_name: name, args: args.map(function (a) { return Array.isArray(a) ? a : [[a]]; }),
                           client: "Office.js", runtime: "1.4", culture_info_name: "ja-JP", date_format: "yyyy/mm/dd" })
  });
  var data = await response.json();
  if (!response.ok) {
    throw new CustomFunctions.Error(CustomFunctions.ErrorCode.notAvailable, data.detail || ("HTTP " + response.status));
  }
  var result = data.result;
  if (Array.isArray(result)) {
    if (result.length === 1 && Array.isArray(result[0]) && result[0].length === 1) { return xlKpiConvert(result[0][0]); }
    return result.map(function (row) { return row.map(xlKpiConvert); });
  }
  return xlKpiConvert(result);
}
