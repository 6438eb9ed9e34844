"""Tests for bp.checks.autodiff: correct sweeps pass, planted bugs are reported."""
from bp.checks import check_reverse_sweep, check_topological_order


def correct_sweep(root):
    order = root.topological_order()
    root.grad = 1.0
    for node in reversed(order):
        for parent, local in node.parents:
            parent.grad += node.grad * local


def overwriting_sweep(root):           # forgets to accumulate: wrong for reused values
    order = root.topological_order()
    root.grad = 1.0
    for node in reversed(order):
        for parent, local in node.parents:
            parent.grad = node.grad * local


def forward_order_sweep(root):         # visits inputs first: gradients not ready yet
    order = root.topological_order()
    root.grad = 1.0
    for node in order:
        for parent, local in node.parents:
            parent.grad += node.grad * local


def recursive_order(root):             # the textbook recursion: too deep for 2500 steps
    order, seen = [], set()

    def visit(v):
        if id(v) not in seen:
            seen.add(id(v))
            for p, _ in v.parents:
                visit(p)
            order.append(v)
    visit(root)
    return order


def test_correct_sweep_passes(capsys):
    assert check_reverse_sweep(correct_sweep)
    assert "PASSED" in capsys.readouterr().out


def test_overwriting_sweep_fails_with_input_and_values():
    result = check_reverse_sweep(overwriting_sweep, verbose=False)
    assert not result
    assert "x*x*y" in result.message and "expected" in result.message and "got" in result.message


def test_forward_order_sweep_fails():
    assert not check_reverse_sweep(forward_order_sweep, verbose=False)


def test_raising_sweep_is_reported():
    def broken(root):
        raise KeyError("grad")
    result = check_reverse_sweep(broken, verbose=False)
    assert not result and "KeyError" in result.message


def test_library_order_passes():
    assert check_topological_order(lambda r: r.topological_order(), verbose=False)


def test_reversed_order_fails():
    result = check_topological_order(lambda r: r.topological_order()[::-1], verbose=False)
    assert not result and "before its parent" in result.message


def test_missing_and_duplicated_nodes_fail():
    assert "missing" in check_topological_order(lambda r: r.topological_order()[1:],
                                                verbose=False).message
    dup = check_topological_order(lambda r: r.topological_order() * 2, verbose=False)
    assert not dup and "more than once" in dup.message


def test_recursive_order_is_caught_on_the_deep_chain():
    result = check_topological_order(recursive_order, verbose=False)
    assert not result and "RecursionError" in result.message
