"""QuizFooter: Textual's compact footer, its labels in the learner's language.

Bindings are declared at class level, before the language is known, so their descriptions are
English source text (marked with N_) and are translated here, when the footer is drawn.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

from quiz.i18n import _


class QuizFooter(Footer):
    def __init__(self) -> None:
        super().__init__(compact=True, show_command_palette=False)

    def compose(self) -> ComposeResult:
        if not self._bindings_ready:
            return
        seen: set[str] = set()
        shown = []
        for active in self.screen.active_bindings.values():
            binding = active.binding
            # One key per action: the first binding declared for it (as Textual's footer does).
            if binding.show and binding.action not in seen:
                seen.add(binding.action)
                shown.append(active)
        self.styles.grid_size_columns = len(shown)
        for active in shown:
            binding = active.binding
            yield FooterKey(
                binding.key,
                self.app.get_key_display(binding),
                _(binding.description),
                binding.action,
                disabled=not active.enabled,
                tooltip=active.tooltip,
            ).data_bind(compact=Footer.compact)
