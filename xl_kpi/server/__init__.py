"""The backend of the Office.js add-in: the xlwings Server protocol over ``xl_kpi.excel``, the
add-in manifest, the task pane and its JavaScript glue, bearer-token auth and limits."""
