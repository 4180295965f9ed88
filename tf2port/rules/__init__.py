"""The rule registry: every rule class, and the dispatch tables built from their matchers.

Adding a rule: create its file (``scripts/add_rule.py`` scaffolds one) and list it in
``ALL_RULES``. Codes are stable: never reuse or renumber one.
"""
from __future__ import annotations

from functools import lru_cache

from tf2port.rules.api.changed_arguments import ChangedArguments
from tf2port.rules.api.compat_only_api import CompatOnlyApi
from tf2port.rules.api.compat_v1_import import CompatV1Import
from tf2port.rules.api.removed_api import RemovedApi
from tf2port.rules.api.renamed_api import RenamedApi
from tf2port.rules.api.unknown_api import UnknownApi
from tf2port.rules.base import Example, Rule
from tf2port.rules.contrib.contrib import Contrib
from tf2port.rules.contrib.slim import Slim
from tf2port.rules.graph.default_graph import DefaultGraph
from tf2port.rules.graph.feed_dict import FeedDict
from tf2port.rules.graph.graph_collection import GraphCollection
from tf2port.rules.graph.placeholder import Placeholder
from tf2port.rules.graph.session import Session
from tf2port.rules.graph.tensor_eval import TensorEval
from tf2port.rules.graph.variable_initializer import VariableInitializer
from tf2port.rules.graph.variable_scope import VariableScope
from tf2port.rules.inputs.app_flags import AppFlags
from tf2port.rules.inputs.dataset_iterator import DatasetIterator
from tf2port.rules.inputs.queue_runner import QueueRunner
from tf2port.rules.layers.keras_legacy_optimizer import KerasLegacyOptimizer
from tf2port.rules.layers.rnn_cell import RnnCell
from tf2port.rules.layers.tf_layers import TfLayers
from tf2port.rules.training.optimizer_minimize import OptimizerMinimize
from tf2port.rules.training.saver import Saver
from tf2port.rules.training.symbolic_gradients import SymbolicGradients
from tf2port.rules.training.v1_optimizer import V1Optimizer
from tf2port.rules.training.v1_summary import V1Summary

ALL_RULES: tuple[type[Rule], ...] = (
    RenamedApi,
    CompatOnlyApi,
    ChangedArguments,
    RemovedApi,
    CompatV1Import,
    UnknownApi,
    Session,
    Placeholder,
    FeedDict,
    VariableInitializer,
    DefaultGraph,
    TensorEval,
    VariableScope,
    GraphCollection,
    Contrib,
    Slim,
    TfLayers,
    RnnCell,
    KerasLegacyOptimizer,
    V1Optimizer,
    OptimizerMinimize,
    Saver,
    V1Summary,
    SymbolicGradients,
    QueueRunner,
    DatasetIterator,
    AppFlags,
)

FAMILIES = {
    "TF0": "errors: the tool could not read, parse or fix a file",
    "TF1": "renamed, changed or removed APIs",
    "TF2": "graph-mode constructs: sessions, placeholders, feeds, initializers, scopes",
    "TF3": "tf.contrib and slim",
    "TF4": "tf.layers, RNN cells and Keras",
    "TF5": "training: optimizers, minimize, Saver, summaries, gradients",
    "TF6": "input pipelines: queues, iterators, flags and logging",
}

__all__ = ["ALL_RULES", "FAMILIES", "Example", "Rule", "by_code", "dispatch"]


def by_code() -> dict[str, type[Rule]]:
    return {rule.CODE: rule for rule in ALL_RULES}


class Dispatch:
    """Matchers of all rules, indexed for one lookup per reference, call or import."""

    def __init__(self, rules: tuple[type[Rule], ...]) -> None:
        self.names: dict[str, Rule] = {}
        self.prefixes: list[tuple[str, Rule]] = []
        self.methods: dict[str, list[Rule]] = {}
        self.keywords: dict[str, list[Rule]] = {}
        self.imports: list[tuple[str, Rule]] = []
        self.kinds: dict[str, Rule] = {}
        self._claimed: dict[str, Rule | None] = {}
        for cls in rules:
            rule = cls()
            for name in cls.names:
                self.names[name] = rule
            self.prefixes.extend((p, rule) for p in cls.prefixes)
            for method in cls.methods:
                self.methods.setdefault(method, []).append(rule)
            for keyword in cls.keywords:
                self.keywords.setdefault(keyword, []).append(rule)
            self.imports.extend((p, rule) for p in cls.imports)
            for kind in cls.kinds:
                self.kinds[kind] = rule
        self.prefixes.sort(key=lambda item: -len(item[0]))

    def claim(self, name: str) -> Rule | None:
        """The specific rule that owns a qualified name, if any (exact name before prefix)."""
        try:
            return self._claimed[name]
        except KeyError:
            pass
        rule = self.names.get(name)
        if rule is None:
            rule = next((rule for prefix, rule in self.prefixes if name.startswith(prefix)), None)
        if len(self._claimed) < 65536:  # memo: a module names the same few hundred APIs again and again
            self._claimed[name] = rule
        return rule

    def import_rules(self, module_path: str) -> list[Rule]:
        return [rule for prefix, rule in self.imports
                if module_path == prefix or module_path.startswith(prefix + ".")]


@lru_cache(maxsize=1)
def dispatch() -> Dispatch:
    return Dispatch(ALL_RULES)
