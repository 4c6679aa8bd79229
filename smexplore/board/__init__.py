"""The schedule board: one period of one or several systems' schedules, to move through, search,
select from and act on, in Jupyter and under Voila (``Board``), and the model it draws
(``BoardModel``, usable without a screen)."""

from .app import Board, BoardCanvas
from .model import PERIODS, BoardModel

__all__ = ["PERIODS", "Board", "BoardCanvas", "BoardModel"]
