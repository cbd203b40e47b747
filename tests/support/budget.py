"""Hypothesis example budgets: the normal one in the ordinary suite, a small fixed one under mutmut.

`scripts/mutation.sh` runs tests/core once per mutant (thousands of times), so a property test
with 1,500 examples dominates the run. mutmut 3 sets MUTANT_UNDER_TEST in the environment of the
process that imports and runs the tests (before the tests are imported); then the "mutation"
profile applies: few examples, derandomized (the same examples for every mutant, so a score does
not depend on luck) and no example database (a replayed failure from another mutant would
decide nothing). Mutants that only a long random search finds must be killed by a hand-written
example instead.
"""

from __future__ import annotations

import os

from hypothesis import settings

UNDER_MUTMUT = "MUTANT_UNDER_TEST" in os.environ
MUTATION_EXAMPLES = 25

if UNDER_MUTMUT:
    settings.register_profile("mutation", max_examples=MUTATION_EXAMPLES, derandomize=True,
                              database=None, deadline=None)
    settings.load_profile("mutation")


def examples(n: int) -> int:
    """`n` examples in the ordinary suite, at most MUTATION_EXAMPLES under mutmut."""
    return min(n, MUTATION_EXAMPLES) if UNDER_MUTMUT else n
