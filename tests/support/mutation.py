"""The test suite under mutmut (scripts/mutation.sh): a small hypothesis budget, no memoised results.

mutmut 3 sets MUTANT_UNDER_TEST in the environment of the process that imports and runs the
tests, before the tests are imported; in the ordinary suite it is absent.

- Example budget: tests/core runs once per mutant (thousands of times), so a property test with
  1,500 examples would dominate the run. Under mutmut the "mutation" profile applies: few
  examples, derandomized (the same examples for every mutant, so a score does not depend on
  luck) and no example database (a failure replayed from another mutant would decide nothing).
  A mutant that only a long random search finds must be killed by a hand-written example.
- Caches: mutmut runs the tests once unmutated in its own process (to learn which tests call
  which function) and forks each mutant's run from it. The lru caches of xl_kpi.core
  (_read_cell_text, the rules' memoised checks …) would hand the mutant the unmutated results, and
  the first test to read a text would hide from the others that they depend on the functions
  behind the cache. So under mutmut every test starts with empty caches.
"""

from __future__ import annotations

import os
import sys

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


def clear_core_caches() -> int:
    """Empty every functools cache of the loaded xl_kpi.core modules; returns how many."""
    cleared = 0
    for name, module in list(sys.modules.items()):
        if not name.startswith("xl_kpi.core") or module is None:
            continue
        for value in list(vars(module).values()):
            clear = getattr(value, "cache_clear", None)
            if callable(clear) and getattr(value, "__module__", None) == name:
                clear()
                cleared += 1
    return cleared
