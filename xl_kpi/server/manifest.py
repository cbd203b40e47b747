"""The Office add-in manifest: a 「KPI」 ribbon tab with a button per script, a task pane and
custom functions — every source location HTTPS under the configured base URL."""

from __future__ import annotations

import uuid
from html import escape
from urllib.parse import urlparse

from ..core.errors import InputError
from ..excel.scripts import RIBBON
from ..excel.submit import SUBMIT_BUTTON  # 「提出」: the task pane's submit.js, not a script

ADDIN_ID = uuid.UUID("6f5bd3c4-0b6a-4d0e-9d8a-6b1f2c3e4a51")  # stable: one add-in, many servers
VERSION = "1.0.0.0"


# The API sets the add-in uses (learn.microsoft.com/javascript/api/requirement-sets): the shared
# runtime; ExcelApi 1.7 for Worksheet.getRangeByIndexes and NamedItem.formula; custom functions
# whose errors carry a message need CustomFunctionsRuntime 1.2 (the glue checks it with
# isSetSupported and falls back to the message as text).
REQUIREMENT_SETS = {"SharedRuntime": "1.1", "ExcelApi": "1.7"}


def requirement_sets() -> str:
    return "".join(f'<Set Name="{n}" MinVersion="{v}"/>' for n, v in REQUIREMENT_SETS.items())


def check_base_url(base_url: str) -> str:
    u = urlparse(base_url)
    if u.scheme != "https" or not u.netloc:
        raise InputError(f"XL_KPI_BASE_URL「{base_url}」は https:// で始まる URL にしてください（Office アドインは HTTPS が必須です）。")
    return base_url.rstrip("/")


def check_app_domain(domain: str, base_url: str) -> str:
    """One ``<AppDomain>`` value as Microsoft's AppDomain page requires it
    (learn.microsoft.com/javascript/api/manifest/appdomain): the protocol (http or https) and the
    host, with an explicit port if it has one; no path or other segment after the domain; no
    trailing slash; no wildcard. The add-in's own origin (that of ``SourceLocation``) is not an
    additional domain: listing it "has no effect and may be misleading"."""
    u = urlparse(domain.strip())
    if u.scheme not in ("http", "https") or not u.netloc:
        raise InputError(f"AppDomain「{domain}」は https://（ホスト名）の形にしてください（例: https://login.city.example.jp）。")
    if "*" in domain:
        raise InputError(f"AppDomain「{domain}」にワイルドカード（*）は使えません。信頼するドメインを1つずつ指定してください。")
    if u.path or u.params or u.query or u.fragment or u.username or u.password:
        raise InputError(f"AppDomain「{domain}」はドメインまでにしてください（パスや末尾の「/」を付けない。例: {u.scheme}://{u.hostname}）。")
    own = urlparse(base_url)
    if (u.scheme, u.netloc.lower()) == (own.scheme, own.netloc.lower()):
        raise InputError(f"AppDomain「{domain}」はアドイン自身のアドレスです。自身のドメインは指定不要です（Microsoft の AppDomain の説明）。")
    return f"{u.scheme}://{u.netloc.lower()}"


def app_domains_xml(domains: list[str] | tuple[str, ...], base_url: str) -> str:
    """``<AppDomains>`` with the additional domains, or nothing: the element may not be empty."""
    checked = list(dict.fromkeys(check_app_domain(d, base_url) for d in domains))
    if not checked:
        return ""
    return "<AppDomains>" + "".join(f"<AppDomain>{escape(d)}</AppDomain>" for d in checked) + "</AppDomains>\n  "


def manifest_xml(base_url: str, display_name: str = "xl-kpi 取組状況", app_domains: tuple[str, ...] | list[str] = ()) -> str:
    """The manifest. ``app_domains``: additional domains Office should trust (e.g. a sign-in page
    the task pane navigates to); the add-in's own origin needs none."""
    base = check_base_url(base_url)
    b = escape(base, quote=True)
    domains = app_domains_xml(app_domains, base)
    buttons = []
    commands = {**RIBBON, SUBMIT_BUTTON[0]: SUBMIT_BUTTON[1:]}
    for control_id, (_label, _tip, action) in commands.items():
        buttons.append(f"""
                <Control xsi:type="Button" id="{control_id}">
                  <Label resid="{control_id}.Label"/>
                  <Supertip><Title resid="{control_id}.Label"/><Description resid="{control_id}.Tip"/></Supertip>
                  <Icon><bt:Image size="16" resid="Icon.16"/><bt:Image size="32" resid="Icon.32"/><bt:Image size="80" resid="Icon.80"/></Icon>
                  <Action xsi:type="ExecuteFunction"><FunctionName>{action}</FunctionName></Action>
                </Control>""")
    labels = "".join(f'\n        <bt:String id="{cid}.Label" DefaultValue="{escape(label)}"/>' for cid, (label, _, _) in commands.items())
    tips = "".join(f'\n        <bt:String id="{cid}.Tip" DefaultValue="{escape(tip)}"/>' for cid, (_, tip, _) in commands.items())
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<OfficeApp xmlns="http://schemas.microsoft.com/office/appforoffice/1.1"
           xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
           xmlns:bt="http://schemas.microsoft.com/office/officeappbasictypes/1.0"
           xmlns:ov="http://schemas.microsoft.com/office/taskpaneappversionoverrides"
           xsi:type="TaskPaneApp">
  <Id>{ADDIN_ID}</Id>
  <Version>{VERSION}</Version>
  <ProviderName>xl-kpi</ProviderName>
  <DefaultLocale>ja-JP</DefaultLocale>
  <DisplayName DefaultValue="{escape(display_name)}"/>
  <Description DefaultValue="総合戦略 KPI の達成率計算・入力チェック・統合"/>
  <IconUrl DefaultValue="{b}/static/icon-32.png"/>
  <HighResolutionIconUrl DefaultValue="{b}/static/icon-80.png"/>
  <SupportUrl DefaultValue="{b}/static/taskpane.html"/>
  {domains}<Hosts><Host Name="Workbook"/></Hosts>
  <Requirements><Sets DefaultMinVersion="1.1">{requirement_sets()}</Sets></Requirements>
  <DefaultSettings><SourceLocation DefaultValue="{b}/static/taskpane.html"/></DefaultSettings>
  <Permissions>ReadWriteDocument</Permissions>
  <VersionOverrides xmlns="http://schemas.microsoft.com/office/taskpaneappversionoverrides" xsi:type="VersionOverridesV1_0">
    <Hosts>
      <Host xsi:type="Workbook">
        <Runtimes><Runtime resid="Taskpane.Url" lifetime="long"/></Runtimes>
        <AllFormFactors>
          <ExtensionPoint xsi:type="CustomFunctions">
            <Script><SourceLocation resid="Functions.Script.Url"/></Script>
            <Page><SourceLocation resid="Taskpane.Url"/></Page>
            <Metadata><SourceLocation resid="Functions.Metadata.Url"/></Metadata>
            <Namespace resid="Functions.Namespace"/>
          </ExtensionPoint>
        </AllFormFactors>
        <DesktopFormFactor>
          <FunctionFile resid="Taskpane.Url"/>
          <ExtensionPoint xsi:type="PrimaryCommandSurface">
            <CustomTab id="xlKpiTab">
              <Group id="xlKpiGroup">
                <Label resid="Group.Label"/>
                <Icon><bt:Image size="16" resid="Icon.16"/><bt:Image size="32" resid="Icon.32"/><bt:Image size="80" resid="Icon.80"/></Icon>
                <Control xsi:type="Button" id="btnTaskpane">
                  <Label resid="Taskpane.Label"/>
                  <Supertip><Title resid="Taskpane.Label"/><Description resid="Taskpane.Tip"/></Supertip>
                  <Icon><bt:Image size="16" resid="Icon.16"/><bt:Image size="32" resid="Icon.32"/><bt:Image size="80" resid="Icon.80"/></Icon>
                  <Action xsi:type="ShowTaskpane"><TaskpaneId>xlKpiPane</TaskpaneId><SourceLocation resid="Taskpane.Url"/></Action>
                </Control>{"".join(buttons)}
              </Group>
              <Label resid="Tab.Label"/>
            </CustomTab>
          </ExtensionPoint>
        </DesktopFormFactor>
      </Host>
    </Hosts>
    <Resources>
      <bt:Images>
        <bt:Image id="Icon.16" DefaultValue="{b}/static/icon-16.png"/>
        <bt:Image id="Icon.32" DefaultValue="{b}/static/icon-32.png"/>
        <bt:Image id="Icon.80" DefaultValue="{b}/static/icon-80.png"/>
      </bt:Images>
      <bt:Urls>
        <bt:Url id="Taskpane.Url" DefaultValue="{b}/static/taskpane.html"/>
        <bt:Url id="Functions.Script.Url" DefaultValue="{b}/xlwings/custom-functions-code"/>
        <bt:Url id="Functions.Metadata.Url" DefaultValue="{b}/xlwings/custom-functions-meta"/>
      </bt:Urls>
      <bt:ShortStrings>
        <bt:String id="Tab.Label" DefaultValue="KPI"/>
        <bt:String id="Group.Label" DefaultValue="取組状況"/>
        <bt:String id="Taskpane.Label" DefaultValue="作業ウィンドウ"/>
        <bt:String id="Functions.Namespace" DefaultValue="XLKPI"/>{labels}
      </bt:ShortStrings>
      <bt:LongStrings>
        <bt:String id="Taskpane.Tip" DefaultValue="xl-kpi の作業ウィンドウを開きます"/>{tips}
      </bt:LongStrings>
    </Resources>
  </VersionOverrides>
</OfficeApp>
"""
