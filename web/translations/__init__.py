"""Russian text of each area of the UI, one module an area, merged into web.i18n.RUSSIAN.

English text is the key. Keeping a catalogue per area (terminal, quality workspace, administration)
lets each screen own its words without every change touching one long file.
"""

from __future__ import annotations

from web.translations import admin, line_ops, quality, terminal

CATALOGUES: tuple[dict[str, str], ...] = (terminal.RUSSIAN, quality.RUSSIAN, admin.RUSSIAN, line_ops.RUSSIAN)
