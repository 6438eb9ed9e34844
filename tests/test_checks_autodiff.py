"""Tests for bp.checks.autodiff: correct sweeps pass, planted bugs are reported."""
import pytest

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


# --- correct solutions in two styles, and the classic slips each named -------------

def own_order_sweep(root):             # a second correct style: its own order, a dict
    order, seen, stack = [], set(), [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
        elif id(node) not in seen:
            seen.add(id(node))
            stack += [(node, True)] + [(p, False) for p, _ in node.parents]
    adjoint = {id(root): 1.0}
    for node in order[::-1]:
        node.grad = adjoint.get(id(node), 0.0)
        for parent, local in node.parents:
            adjoint[id(parent)] = adjoint.get(id(parent), 0.0) + node.grad * local


def unseeded_sweep(root):
    for node in reversed(root.topological_order()):
        for parent, local in node.parents:
            parent.grad += node.grad * local


def local_only_sweep(root):
    root.grad = 1.0
    for node in reversed(root.topological_order()):
        for parent, local in node.parents:
            parent.grad += local


def no_local_sweep(root):
    root.grad = 1.0
    for node in reversed(root.topological_order()):
        for parent, _ in node.parents:
            parent.grad += node.grad


def test_a_second_correct_sweep_style_passes():
    assert check_reverse_sweep(own_order_sweep, verbose=False)


@pytest.mark.parametrize("sweep,cause", [
    (overwriting_sweep, "instead of accumulating with `+=`"),
    (forward_order_sweep, "inputs first"),
    (unseeded_sweep, "never seeded"),
    (local_only_sweep, "only the local derivative"),
    (no_local_sweep, "without the local derivative"),
])
def test_each_sweep_slip_gets_its_diagnosis(sweep, cause):
    result = check_reverse_sweep(sweep, verbose=False)
    assert not result
    assert cause in result.message, result.message


def iterative_order(root):             # correct, like the chapter's solution
    order, seen, stack = [], set(), [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
        elif id(node) not in seen:
            seen.add(id(node))
            stack.append((node, True))
            stack.extend((p, False) for p, _ in node.parents)
    return order


def kahn_order(root):                  # correct, second style: Kahn's algorithm
    nodes = root.topological_order()
    waiting = {id(v): len({id(p) for p, _ in v.parents}) for v in nodes}
    users = {id(v): [] for v in nodes}
    for v in nodes:
        for p in {id(p): p for p, _ in v.parents}.values():
            users[id(p)].append(v)
    ready = [v for v in nodes if not waiting[id(v)]]
    order = []
    while ready:
        v = ready.pop()
        order.append(v)
        for u in users[id(v)]:
            waiting[id(u)] -= 1
            if not waiting[id(u)]:
                ready.append(u)
    return order


def preorder(root):                    # appends a node when first reached
    order, seen, stack = [], set(), [root]
    while stack:
        node = stack.pop()
        if id(node) not in seen:
            seen.add(id(node))
            order.append(node)
            stack.extend(p for p, _ in node.parents)
    return order


def no_visited_set(root):              # post-order, but shared nodes listed twice
    order, stack = [], [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
        else:
            stack.append((node, True))
            stack.extend((p, False) for p, _ in node.parents)
    return order


@pytest.mark.parametrize("order_fn", [iterative_order, kahn_order])
def test_correct_orders_in_two_styles_pass(order_fn):
    assert check_topological_order(order_fn, verbose=False)


@pytest.mark.parametrize("order_fn,cause", [
    (lambda r: r.topological_order()[::-1], "the list is reversed"),
    (lambda r: preorder(r) if len(r.topological_order()) < 100 else [r] + preorder(r)[1:],
     "pre-order"),
    (no_visited_set, "listed twice"),
    (lambda r: r.topological_order()[:-1], "root itself is missing"),
    (lambda r: [v for v in r.topological_order() if v.parents], "inputs (nodes without"),
])
def test_each_order_slip_gets_its_diagnosis(order_fn, cause):
    result = check_topological_order(order_fn, verbose=False)
    assert not result
    assert cause in result.message, result.message
