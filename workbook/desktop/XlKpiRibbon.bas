Attribute VB_Name = "XlKpiRibbon"
' xl-kpi desktop ribbon: sends the id of the clicked button to the one Python entry point.
' Import this module once into xl-kpi.xlam (Excel on Windows: Alt+F11, File > Import File...).
Option Explicit

Public Sub OnAction(control As IRibbonControl)
    RunPython "import xl_kpi.excel.desktop as d; d.ribbon('" & control.ID & "')"
End Sub
