"""Supply-chain taxonomy: component categories, entity kinds, robot types and their bills of materials.

The single source of truth for every category name the product accepts. Everything else (registry
validation, sourcing checks, site criteria, map layers) reads from here.
"""

from __future__ import annotations

from dataclasses import dataclass

from .messages import N_, _


@dataclass(frozen=True)
class Label:
    """A bilingual label: Chinese first, English where known."""

    zh: str
    en: str

    def __str__(self) -> str:
        return f"{self.zh} {self.en}"


#: Component categories of an embodied robot (CONTRACT.md "category").
COMPONENT_CATEGORIES: dict[str, Label] = {
    "joint_module": Label("关节模组", "Joint module"),
    "reducer": Label("减速器（谐波/RV/行星）", "Reducer (harmonic/RV/planetary)"),
    "motor": Label("电机（伺服/无框力矩）", "Motor (servo/frameless torque)"),
    "driver_controller": Label("驱动器与控制器", "Driver and controller"),
    "sensor": Label("传感器（力/视觉/激光雷达/IMU/触觉）", "Sensor (force/torque, vision, lidar, IMU, tactile)"),
    "dexterous_hand": Label("灵巧手与末端执行器", "Dexterous hand and end effector"),
    "screw_bearing": Label("丝杠与轴承", "Screw and bearing"),
    "battery": Label("电池与电源", "Battery and power"),
    "compute_chip": Label("计算芯片与主控", "Compute chip and main board"),
    "software_model": Label("软件与大模型", "Software and AI model"),
}

#: Roles that are not components but still belong to the chain.
OTHER_CATEGORIES: dict[str, Label] = {
    "whole_robot": Label("整机", "Whole robot (maker)"),
    "system_integration": Label("系统集成与自动化装备", "System integration and automation equipment"),
    "research": Label("研发、测试与孵化", "Research, testing and incubation"),
}

CATEGORIES: dict[str, Label] = {**COMPONENT_CATEGORIES, **OTHER_CATEGORIES}

WHOLE_ROBOT = "whole_robot"

#: Kinds of registry entity (CONTRACT.md "entity").
KINDS: dict[str, Label] = {
    "firm": Label("企业", "Firm"),
    "institute": Label("研究机构与创新中心", "Institute or innovation centre"),
    "park": Label("产业园", "Industrial park"),
    "talent_apartment": Label("人才公寓", "Talent apartment"),
    "bus_stop": Label("公交站", "Bus stop"),
}

#: Whole-robot types and their default bill of materials (component categories needed).
ROBOT_TYPES: dict[str, Label] = {
    "humanoid": Label("人形机器人", "Humanoid"),
    "quadruped": Label("四足机器人", "Quadruped"),
    "service": Label("服务/清洁机器人", "Service or cleaning robot"),
    "industrial": Label("工业机械臂", "Industrial arm"),
}

DEFAULT_BOM: dict[str, tuple[str, ...]] = {
    "humanoid": (
        "joint_module", "reducer", "motor", "driver_controller", "sensor", "dexterous_hand",
        "screw_bearing", "battery", "compute_chip", "software_model",
    ),
    "quadruped": (
        "joint_module", "reducer", "motor", "driver_controller", "sensor", "battery",
        "compute_chip", "software_model",
    ),
    "service": ("motor", "driver_controller", "sensor", "battery", "compute_chip", "software_model"),
    "industrial": ("reducer", "motor", "driver_controller", "sensor", "screw_bearing", "compute_chip"),
}

#: Used for a maker that names neither needs nor a robot type: the union of all BOMs.
GENERIC_BOM: tuple[str, ...] = tuple(c for c in COMPONENT_CATEGORIES if any(c in b for b in DEFAULT_BOM.values()))


class TaxonomyError(ValueError):
    """An unknown category, kind or robot type."""


def _names(key: str, label: Label) -> set[str]:
    """Every name a user may give for one entry: its id, its Chinese and English labels, and their short forms
    (before the bracket: 减速器 for 减速器（谐波/RV/行星）), English compared in lower case."""
    zh, en = label.zh.strip(), label.en.strip()
    return {key, zh, zh.split("（")[0].strip(), en.lower(), en.split(" (")[0].strip().lower()}


def resolve(name, table: dict[str, Label]) -> str | None:
    """The id for ``name`` given as an id, in Chinese or in English (see :func:`_names`); ``None`` when unknown."""
    if not isinstance(name, str):
        return None
    text = name.strip()
    if text in table:
        return text
    for key, label in table.items():
        if text in _names(key, label) or text.lower() in _names(key, label):
            return key
    return None


_UNKNOWN = {
    "category": N_("unknown category {name}; expected one of: {choices}"),
    "kind": N_("unknown kind {name}; expected one of: {choices}"),
    "robot type": N_("unknown robot type {name}; expected one of: {choices}"),
    "component category": N_("unknown component category {name}; expected one of: {choices}"),
}


def unknown_message(name, table: dict[str, Label], what: str) -> str:
    """The bilingual sentence for a name :func:`resolve` does not know, listing the ids and Chinese names."""
    choices = ", ".join(f"{k} ({v.zh.split('（')[0]})" for k, v in table.items())
    return _(_UNKNOWN[what], name=repr(name), choices=choices)


def _check(name: str, table: dict[str, Label], what: str) -> str:
    key = resolve(name, table)
    if key is None:
        raise TaxonomyError(unknown_message(name, table, what))
    return key


def check_category(name: str) -> str:
    """The id of a known category (given as id, 中文 or English), else raise :class:`TaxonomyError`."""
    return _check(name, CATEGORIES, "category")


def check_kind(name: str) -> str:
    """The id of a known entity kind (given as id, 中文 or English), else raise :class:`TaxonomyError`."""
    return _check(name, KINDS, "kind")


def check_robot_type(name: str) -> str:
    """The id of a known robot type (given as id, 中文 or English), else raise :class:`TaxonomyError`."""
    return _check(name, ROBOT_TYPES, "robot type")


def bill_of_materials(needs: tuple[str, ...] | list[str], robot_types: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """The component categories a maker needs.

    Parameters
    ----------
    needs
        The maker's own ``needs`` from the registry; used as is when given.
    robot_types
        The maker's robot types; the union of their default BOMs is used when ``needs`` is empty.

    Returns
    -------
    tuple of str
        Component categories in taxonomy order.
    """
    if needs:
        wanted = set(needs)
    elif robot_types:
        wanted = {c for t in robot_types for c in DEFAULT_BOM[check_robot_type(t)]}
    else:
        wanted = set(GENERIC_BOM)
    return tuple(c for c in CATEGORIES if c in wanted)


def labels(table: dict[str, Label]) -> dict[str, dict[str, str]]:
    """A label table as JSON-ready ``{name: {"zh", "en"}}``."""
    return {k: {"zh": v.zh, "en": v.en} for k, v in table.items()}


def as_dict() -> dict:
    """The whole taxonomy as JSON-ready data (served by the API and embedded in pages)."""
    return {
        "categories": labels(CATEGORIES),
        "component_categories": list(COMPONENT_CATEGORIES),
        "kinds": labels(KINDS),
        "robot_types": labels(ROBOT_TYPES),
        "default_bom": {k: list(v) for k, v in DEFAULT_BOM.items()},
    }


#: Words in a firm's name or 经营范围 that suggest a category (issue 10). A suggestion is stored apart from
#: the entity's categories and counts in analyses only once a person confirms it (or ``--accept-suggested``).
CATEGORY_KEYWORDS: dict[str, tuple[str, ...]] = {
    "reducer": ("谐波", "减速器", "减速机"),
    "motor": ("伺服", "电机"),
    "driver_controller": ("驱动器", "控制器"),
    "sensor": ("传感器", "激光雷达", "视觉", "力矩"),
    "dexterous_hand": ("灵巧手", "夹爪", "末端执行器"),
    "screw_bearing": ("丝杠", "导轨", "轴承"),
    "battery": ("电池",),
    "compute_chip": ("芯片", "主控"),
    "whole_robot": ("人形", "四足", "机器人整机"),
}


def suggest_categories(*texts: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Categories suggested by :data:`CATEGORY_KEYWORDS` in ``texts`` (name, 经营范围 …).

    Returns
    -------
    (categories, words)
        The suggested categories in taxonomy order, and the words that matched, in the same order.
    """
    text = " ".join(t for t in texts if t)
    cats, words = [], []
    for cat in CATEGORIES:
        hit = [w for w in CATEGORY_KEYWORDS.get(cat, ()) if w in text]
        if hit:
            cats.append(cat)
            words.extend(hit)
    return tuple(cats), tuple(words)
