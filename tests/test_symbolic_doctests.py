"""The examples in bp.symbolic's docstrings run (the package docstring's 2-2-1 demo included)."""
import doctest
import importlib
import pkgutil

import pytest

import bp.symbolic

MODULES = ["bp.symbolic"] + [f"bp.symbolic.{m.name}"
                             for m in pkgutil.iter_modules(bp.symbolic.__path__)]


@pytest.mark.parametrize("name", MODULES)
def test_doctests(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0


def test_the_package_demo_is_there():
    doc = bp.symbolic.__doc__
    assert "[2, 2, 1]" in doc and "net.deltas()[1]" in doc and "brute_force_deltas()[1]" in doc
    assert doctest.testmod(bp.symbolic).attempted >= 8


def test_import_bp_does_not_import_bp_symbolic():
    import subprocess
    import sys
    code = "import sys, bp; print('bp.symbolic' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
