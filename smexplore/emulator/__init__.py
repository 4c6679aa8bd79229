"""The ServiceM8 emulator, under its original name (``smexplore.servicem8.emulator`` is the same thing)."""

from ..servicem8.emulator import (
    ANCHOR,
    DEMO_API_KEY,
    SCALES,
    Account,
    Emulator,
    Fault,
    Faults,
    Link,
    LoggedRequest,
    RequestLog,
    ServiceM8App,
    build_account,
)

__all__ = [
    "ANCHOR",
    "Account",
    "DEMO_API_KEY",
    "Emulator",
    "Fault",
    "Faults",
    "Link",
    "LoggedRequest",
    "RequestLog",
    "SCALES",
    "ServiceM8App",
    "build_account",
]
