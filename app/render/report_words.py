"""The study report's words in English and 中文.

The report writes its sentences, headings and axis titles through :class:`Words`, which also
names what comes from the network in the chosen language: places by their Chinese names, modes,
the corridors the study names ("rail → Qinzhou Port → sea"), the base scenario. What planners
named (studies, scenarios, the demand matrix) and what data files wrote in English (a base-year
target's name, its gap, the method) are shown as written.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from graph import Network

Language = Literal["en", "zh"]

#: The report's sentences in 中文, by their English text (``{name}`` filled in after choosing).
ZH: dict[str, str] = {
    "{title} — Corridor study": "{title} — 陆海新通道研究报告",
    "Demand: {demand} — {pairs} pairs, {teu} TEU/year. Value of time {vot} CNY per TEU-hour; "
    "carbon price {co2} CNY/t; study year from {start} ({days} days). "
    "Assignment shown: {assignment}.": "需求：{demand} — {pairs} 个起讫对，每年 {teu} TEU。"
    "时间价值 {vot} 元/TEU·小时；碳价 {co2} 元/吨；研究年度自 {start} 起（{days} 天）。"
    "所示分配方式：{assignment}。",
    "capacitated": "考虑运力约束",
    "all or nothing": "全有全无（不计运力）",
    "Scenarios side by side": "各情景并列比较",
    "Mean cost, CNY per TEU": "平均成本（元/TEU）",
    "Mean transit, hours": "平均运输时间（小时）",
    "CO2e, kg per TEU": "每 TEU 碳排放（kg CO2e）",
    "Modal split (TEU-km)": "运输方式结构（TEU·公里）",
    "Modal split by TEU-km": "按 TEU·公里计的运输方式结构",
    "Water distance to the sea": "经水路到海的距离",
    "Port throughput (TEU loaded on and discharged from ships and barges)": (
        "港口吞吐量（装上和卸下海船、驳船的 TEU）"
    ),
    "Gateways (where exports board their first ship, imports leave their last)": (
        "出海口（出口货物首次装船、进口货物最后卸船之处）"
    ),
    "Corridors": "通道",
    "Price and time per origin-destination pair": "各起讫对的价格与时间",
    "Flows": "流量",
    "Capacity: utilisation and shadow prices": "运力：利用率与影子价格",
    "What changes against the first scenario": "与第一个情景相比的变化",
    "{label}: {pairs} pairs ({teu} TEU) have no route at all.": (
        "{label}：{pairs} 个起讫对（{teu} TEU）没有任何路径。"
    ),
    "Base year {year}: calibration": "基准年 {year}：校准",
    "The reference scenario ({scenario}) against the published volumes of data/base_year.toml, "
    "at a value of time of {vot} CNY per TEU-hour (calibrated: {calibrated}).": (
        "参照情景（{scenario}）与 data/base_year.toml 中公布运量的对比，"
        "时间价值为 {vot} 元/TEU·小时（校准值：{calibrated}）。"
    ),
    "Root mean square log error: {errors}.": "对数误差的均方根：{errors}。",
    "Unserved in the reference: {unserved} of {demand} TEU ({share}).": (
        "参照情景中未完成运量：{demand} TEU 中的 {unserved} TEU（{share}）。"
    ),
    "fit targets": "拟合目标",
    "held-out targets": "留出检验目标",
    "fit": "拟合",
    "check": "检验",
    "none": "无",
    "Target": "目标",
    "Role": "用途",
    "Published TEU": "公布运量（TEU）",
    "Difference (reference)": "差异（参照情景）",
    "Tolerance": "容差",
    "Source": "来源",
    "Served TEU": "完成运量（TEU）",
    "Unserved TEU (capacity)": "未完成运量（TEU，受运力限制）",
    "Unreachable TEU": "无法到达运量（TEU）",
    "Cost, million CNY": "成本（百万元）",
    "Mean cost, CNY/TEU": "平均成本（元/TEU）",
    "CO2e, t": "碳排放（吨 CO2e）",
    "CO2e, kg/TEU": "每 TEU 碳排放（kg CO2e）",
    "Generalized cost, million CNY": "广义成本（百万元）",
    "Network version": "网络版本",
    "None.": "无。",
    "No pairs served.": "没有完成运输的起讫对。",
    "Cost per TEU against transit hours, each pair": "各起讫对每 TEU 成本与运输时间",
    "transit, hours (max {max})": "运输时间，小时（最大 {max}）",
    "CNY/TEU (max {max})": "元/TEU（最大 {max}）",
    "{label} {pair}: {cost} CNY, {hours} h": "{label} {pair}：{cost} 元，{hours} 小时",
    "{label}: {teu} TEU": "{label}：{teu} TEU",
    "{label}: no flow": "{label}：无流量",
    "Flows, {label}": "流量，{label}",
    "{leg}: {teu} TEU": "{leg}：{teu} TEU",
    ", {share} of capacity": "，占运力 {share}",
    "{label} — line width ∝ √TEU; colours by mode: {modes}; the canal dashed.": (
        "{label} — 线宽 ∝ √TEU；颜色表示运输方式：{modes}；运河为虚线。"
    ),
    "{count} binding capacities (shadow price > 0: what one more TEU of yearly capacity there "
    "would save, CNY).": (
        "{count} 处运力约束起作用（影子价格 > 0：该处每年多一个 TEU 运力可节省的费用，元）。"
    ),
    "TEU": "TEU",
    "Leg": "区段",
    "From→to": "起→止",
    "Mode": "运输方式",
    "Capacity": "运力（TEU）",
    "Used": "利用率",
    "Shadow price": "影子价格（元/TEU）",
    "From": "起点",
    "{km} km to {port}": "至{port} {km} 公里",
    "{scenario} against {reference}": "{scenario} 与 {reference} 比较",
    "{pairs} pairs ({teu} TEU) change their main route.": (
        "{pairs} 个起讫对（{teu} TEU）改变了主要路径。"
    ),
    "Gateway": "出海口",
    "Before, TEU": "变化前（TEU）",
    "After, TEU": "变化后（TEU）",
    "Change": "变化",
    "Pair": "起讫对",
    "Route before": "变化前路径",
    "Route after": "变化后路径",
    "CNY/TEU": "元/TEU",
    "Hours": "小时",
    "Sensitivity: the change at other values of time; a conclusion is robust when its sign "
    "holds at all of them.": "敏感性：其他时间价值下的变化；结论在所有时间价值下符号不变即为稳健。",
    "Change in": "变化指标",
    "value of time × {factor}": "时间价值 × {factor}",
    "Robust": "稳健",
    "yes": "是",
    "no": "否",
    "Generated by Corridor. Costs are fee-catalogue prices per 20-ft box (estimates where the "
    "catalogue marks them); see data/README.md for sources and gaps.": (
        "由陆海新通道系统生成。成本为收费目录中每个 20 英尺箱的价格（目录标注处为估算值）；"
        "来源和缺口见 data/README.md。"
    ),
    # the comparison's headlines, written here from its totals (the solver's own sentences are
    # English; the tables below them hold the moves they describe)
    "{what}: no change ({before} {unit}).": "{what}：无变化（{before} {unit}）。",
    "{what} up {change} {unit}{share}, to {after}.": (
        "{what}增加 {change} {unit}{share}，达到 {after}。"
    ),
    "{what} down {change} {unit}{share}, to {after}.": (
        "{what}减少 {change} {unit}{share}，降至 {after}。"
    ),
    "Gateways: {moves}.": "出海口：{moves}。",
    "TEU served": "完成运量",
    "mean cost": "平均成本",
    "mean transit": "平均运输时间",
    "CO2e": "碳排放",
    "CNY per TEU": "元/TEU",
    "hours": "小时",
    "kg per TEU": "kg CO2e/TEU",
    "gateway {name}": "出海口 {name}",
    "{what} ({unit})": "{what}（{unit}）",
}

#: Modes and the corridor names' words, in 中文.
MODES_ZH = {
    "sea": "海运",
    "rail": "铁路",
    "river": "内河",
    "canal": "运河",
    "road": "公路",
    "air": "航空",
}
BASE_ZH = "基准"
#: The gateway of boxes that never board a ship (solvers.study's word for it).
NO_SEA_LEG = "no sea leg"


@dataclass(frozen=True)
class Words:
    """The report's words in ``language``, and the network's names in it."""

    language: Language = "en"
    #: A place's Chinese name by its id and by its English short name (as corridors name it).
    places_zh: Mapping[str, str] = field(default_factory=dict)

    def __call__(self, text: str, **values: object) -> str:
        """``text`` in the report's language, ``{name}`` replaced from ``values``."""
        chosen = ZH[text] if self.language == "zh" else text
        return chosen.format(**values) if values else chosen

    @property
    def html_lang(self) -> str:
        """The page's ``lang`` attribute."""
        return "zh-CN" if self.language == "zh" else "en"

    def mode(self, mode: str) -> str:
        """A mode (``sea``) in the report's language."""
        return MODES_ZH.get(mode, mode) if self.language == "zh" else mode

    def place(self, key: str, english: str | None = None) -> str:
        """A place by its id (or English short name); ``english`` when it has no Chinese one."""
        if self.language == "zh" and key in self.places_zh:
            return self.places_zh[key]
        return english if english is not None else key

    def label(self, label: str) -> str:
        """A scenario's label: the base scenario's in the language, the planners' as named."""
        return BASE_ZH if self.language == "zh" and label == "base" else label

    def corridor(self, name: str) -> str:
        """A corridor the study names, ``rail → Qinzhou Port → sea`` or ``rail (overland)``."""
        if self.language == "en":
            return name
        overland = name.endswith(" (overland)")
        parts = name.removesuffix(" (overland)").split(" → ")
        named = " → ".join(MODES_ZH.get(part, self.place(part)) for part in parts)
        return f"{named}（陆路）" if overland else named


def words_for(language: Language, network: Network) -> Words:
    """The words of a report in ``language`` on ``network``'s places."""
    if language == "en":
        return Words()
    places: dict[str, str] = {}
    for location in network.locations.values():
        if location.name_zh:
            chinese = location.name_zh.split("(")[0].split("（")[0].strip()
            places[location.id] = chinese
            places[location.name.split(" (")[0]] = chinese
    places[NO_SEA_LEG] = "无海运段（陆路）"
    return Words("zh", places)
