"""Tests for bp.checks.layers: a correct unbroadcast passes (two styles), the classic
slips fail, each with its diagnosis."""
import numpy as np
import pytest

from bp.checks import check_unbroadcast, signatures
from bp.checks.layers import UNBROADCAST_CASES


def by_axes(grad, shape):                  # the book's way: leading axes, then size 1
    lead = grad.ndim - len(shape)
    g = grad.sum(axis=tuple(range(lead)))
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and g.shape[i] != 1)
    return g.sum(axis=stretched, keepdims=True)


def by_padding(grad, shape):               # a second style: pad shape with 1s, reshape
    padded = (1,) * (grad.ndim - len(shape)) + tuple(shape)
    axes = tuple(i for i, (n, m) in enumerate(zip(padded, grad.shape)) if n == 1 != m)
    return grad.sum(axis=axes, keepdims=True).reshape(shape)


def unchanged(grad, shape):
    return grad


def leading_only(grad, shape):
    return grad.sum(axis=tuple(range(grad.ndim - len(shape))))


def no_keepdims(grad, shape):
    g = leading_only(grad, shape)
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and g.shape[i] != 1)
    return g.sum(axis=stretched)


def mean_not_sum(grad, shape):
    g = grad.mean(axis=tuple(range(grad.ndim - len(shape))))
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and g.shape[i] != 1)
    return g.mean(axis=stretched, keepdims=True)


def from_the_left(grad, shape):            # sums the trailing axes: only the square
    g = grad.sum(axis=tuple(range(len(shape), grad.ndim)))      # case keeps the shape
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and g.shape[i] != 1)
    return g.sum(axis=stretched, keepdims=True)


def in_place(grad, shape):                 # right values, but scales the caller's grad
    grad *= 1.0
    grad[(0,) * grad.ndim] += 0.0 * grad.sum() + 1e-3
    return by_axes(grad, shape)


@pytest.mark.parametrize("fn", [by_axes, by_padding])
def test_correct_unbroadcasts_pass(fn, capsys):
    result = check_unbroadcast(fn)
    assert result
    assert "PASSED" in capsys.readouterr().out


@pytest.mark.parametrize("fn, cause", [
    (unchanged, "returned grad unchanged"),
    (leading_only, "an axis of size 1 in `shape` that was stretched"),
    (no_keepdims, "without keepdims=True"),
    (mean_not_sum, "averaged (mean)"),
    (from_the_left, "aligns shapes from the right"),
])
def test_each_slip_fails_with_its_diagnosis(fn, cause):
    result = check_unbroadcast(fn, verbose=False)
    assert not result
    assert cause in result.message, result.message


def test_the_square_case_catches_the_wrong_axis_even_with_the_right_shape():
    names = [name for name, _, _ in UNBROADCAST_CASES]
    result = check_unbroadcast(from_the_left, verbose=False)
    assert names[1] in result.message      # (3, 3) to (3,): shapes agree, values not
    square = np.arange(9.0).reshape(3, 3)
    assert from_the_left(square, (3,)).shape == (3,)
    assert not np.allclose(from_the_left(square, (3,)), by_axes(square, (3,)))


def test_changing_grad_in_place_fails_and_names_the_argument():
    result = check_unbroadcast(in_place, verbose=False)
    assert not result and "changed `grad` in place" in result.message


def test_a_raising_answer_is_reported_with_the_signature():
    def broken(grad, shape):
        raise IndexError("tuple index out of range")
    result = check_unbroadcast(broken, verbose=False)
    assert not result and "IndexError" in result.message
    assert signatures()["check_unbroadcast"] == "unbroadcast(grad, shape) -> grad_in"
    assert "unbroadcast(grad, shape) -> grad_in" in result.message
