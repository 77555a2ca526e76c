"""吴中具身智能供应链定位器 — embodied-intelligence supply-chain locator for Wuzhong, Suzhou."""

__version__ = "0.1.0"
