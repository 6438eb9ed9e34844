"""bp.experiments: repeated runs and claims asserted over seeds."""
import numpy as np
import pytest

import bp
from bp.experiments import ClaimFailed, Runs


def test_repeat_collects_scalars_in_seed_order():
    runs = bp.repeat(lambda s: 2.0 * s, seeds=[3, 1, 2])
    assert runs.seeds == (3, 1, 2)
    np.testing.assert_array_equal(runs.values, [6.0, 2.0, 4.0])
    assert runs.mean == pytest.approx(4.0)
    assert runs.std == pytest.approx(2.0)                 # ddof=1
    assert runs.sem == pytest.approx(2.0 / np.sqrt(3))
    assert "over 3 seeds" in repr(runs)


def test_repeat_arrays_and_dicts():
    curves = bp.repeat(lambda s: np.arange(4) + s, seeds=range(3))
    np.testing.assert_array_equal(curves.mean, np.arange(4) + 1)
    both = bp.repeat(lambda s: {"train": s, "val": -s}, seeds=range(4))
    assert set(both) == {"train", "val"}
    assert both["val"].mean == pytest.approx(-1.5)


def test_repeat_seed_is_what_makes_runs_differ():
    runs = bp.repeat(lambda s: np.random.default_rng(s).normal(), seeds=range(5))
    again = bp.repeat(lambda s: np.random.default_rng(s).normal(), seeds=range(5))
    np.testing.assert_array_equal(runs.values, again.values)
    assert len(set(runs.values.tolist())) == 5


@pytest.mark.parametrize("seeds, err", [([], ValueError), ([1, 1], ValueError),
                                        ([-1], ValueError), ([0.5], ValueError),
                                        (5, TypeError)])
def test_bad_seeds(seeds, err):
    with pytest.raises(err, match="seed"):
        bp.repeat(lambda s: 0.0, seeds=seeds)


def test_bad_results_are_named():
    with pytest.raises(ValueError, match="seed 2 is not finite"):
        bp.repeat(lambda s: np.nan if s == 2 else 1.0, seeds=range(3))
    with pytest.raises(ValueError, match="shape"):
        bp.repeat(lambda s: np.zeros(s + 1), seeds=range(2))
    with pytest.raises(ValueError, match="keys"):
        bp.repeat(lambda s: {"a": 1} if s == 0 else {"b": 1}, seeds=range(2))
    with pytest.raises(TypeError, match="function"):
        bp.repeat(3.0)


def test_claim_greater_holds_and_fails_with_numbers():
    a = bp.repeat(lambda s: 1.0 + 0.1 * s, seeds=range(5))
    b = bp.repeat(lambda s: 0.9 + 0.1 * s, seeds=range(5))
    result = bp.claim_greater(a, b, margin=0.05, min_wins=1.0)
    assert result.wins == 1.0 and result.diff.mean == pytest.approx(0.1)
    with pytest.raises(ClaimFailed, match="on the means.*margin 0.2"):
        bp.claim_greater(a, b, margin=0.2)
    with pytest.raises(ClaimFailed, match="on the means"):
        bp.claim_greater(b, a)                            # the reverse claim must fail
    assert bp.claim_greater(a, 0.5, margin=0.6)           # against a fixed number


def test_claim_fails_when_the_mean_is_carried_by_one_seed():
    # a wins on the mean only through seed 0: the min_wins condition catches it
    a = bp.repeat(lambda s: 10.0 if s == 0 else 0.0, seeds=range(5))
    b = bp.repeat(lambda s: 0.5, seeds=range(5))
    assert bp.claim_greater(a, b, margin=1.0)
    with pytest.raises(ClaimFailed, match="1 of 5 seeds"):
        bp.claim_greater(a, b, margin=1.0, min_wins=0.8)


def test_claim_less_mirrors_claim_greater():
    a = bp.repeat(lambda s: 0.1 * s, seeds=range(5))
    b = bp.repeat(lambda s: 1.0 + 0.1 * s, seeds=range(5))
    result = bp.claim_less(a, b, margin=0.5, min_wins=1.0)
    assert result.diff.mean == pytest.approx(-1.0)
    with pytest.raises(ClaimFailed):
        bp.claim_less(b, a)


def test_claim_arguments_are_checked():
    a = bp.repeat(lambda s: 1.0, seeds=range(3))
    with pytest.raises(ValueError, match="same seeds"):
        bp.claim_greater(a, bp.repeat(lambda s: 0.0, seeds=range(1, 4)))
    with pytest.raises(TypeError, match="scalar-valued"):
        bp.claim_greater(bp.repeat(lambda s: np.zeros(2), seeds=range(3)), 0.0)
    with pytest.raises(ValueError, match="min_wins"):
        bp.claim_greater(a, 0.0, min_wins=1.5)
    assert isinstance(a, Runs)


def test_claim_less_failure_prints_the_means_as_given():
    a = bp.repeat(lambda s: 0.3, seeds=range(3))
    b = bp.repeat(lambda s: 0.2, seeds=range(3))
    with pytest.raises(ClaimFailed, match=r"mean 0.3 vs 0.2 \(difference 0.1"):
        bp.claim_less(a, b)
