"""bp.init: each initializer's distribution, "auto", and seeding."""
import numpy as np
import pytest

import bp
from bp import init

N_IN, N_OUT = 300, 200
VARIANCE = {
    "uniform": 0.05 ** 2 / 3,
    "normal": 0.01 ** 2,
    "xavier_uniform": 2 / (N_IN + N_OUT),
    "xavier_normal": 2 / (N_IN + N_OUT),
    "glorot_uniform": 2 / (N_IN + N_OUT),
    "glorot_normal": 2 / (N_IN + N_OUT),
    "he_uniform": 2 / N_IN,
    "he_normal": 2 / N_IN,
}


def test_every_initializer_is_tabled():
    assert set(VARIANCE) == set(bp.INITIALIZERS)


@pytest.mark.parametrize("name", list(VARIANCE))
def test_shape_mean_and_variance(name):
    W = bp.INITIALIZERS[name](N_IN, N_OUT, np.random.default_rng(0))
    assert W.shape == (N_OUT, N_IN)
    # 60 000 draws: the sample variance is within a few percent of the target.
    assert W.var() == pytest.approx(VARIANCE[name], rel=0.03)
    assert abs(W.mean()) < 4 * np.sqrt(VARIANCE[name] / W.size)
    if "uniform" in name:
        bound = np.sqrt(3 * VARIANCE[name])
        assert np.abs(W).max() <= bound


@pytest.mark.parametrize("act,expected", [("relu", "he_normal"), ("leaky_relu", "he_normal"),
                                          ("gelu_tanh", "he_normal"), ("tanh", "xavier_uniform"),
                                          ("sigmoid", "xavier_uniform"),
                                          ("softmax", "xavier_uniform")])
def test_auto_picks_he_for_the_relu_family(act, expected):
    assert init.resolve("auto", act) is bp.INITIALIZERS[expected]
    layer = bp.Dense(5, 4, act, rng=3)
    np.testing.assert_array_equal(layer.W, bp.INITIALIZERS[expected](5, 4,
                                                                     np.random.default_rng(3)))


def test_as_generator():
    gen = np.random.default_rng(1)
    assert init.as_generator(gen) is gen
    assert init.as_generator(5).random() == np.random.default_rng(5).random()
    assert init.as_generator(np.int64(5)).random() == np.random.default_rng(5).random()
    assert isinstance(init.as_generator(None), np.random.Generator)
    for bad in (True, 1.5, "0", np.random.RandomState(0)):
        with pytest.raises(TypeError, match="rng must be a numpy.random.Generator, an int seed"):
            init.as_generator(bad)


def test_unknown_initializer():
    with pytest.raises(ValueError, match="unknown initializer 'glorot'.*did you mean "
                                         "'glorot_normal'"):
        init.resolve("glorot", "tanh")
    with pytest.raises(TypeError, match="initializer must be given by name"):
        init.resolve(None, "tanh")


def test_as_generator_names_the_argument_and_rejects_negative_seeds():
    with pytest.raises(ValueError, match=r"seed must be a numpy.random.Generator, an int seed "
                                         r">= 0 or None, got -1"):
        init.as_generator(-1, "seed")
    with pytest.raises(TypeError, match=r"seed must be .* got float 1.5"):
        init.as_generator(1.5, "seed")
    with pytest.raises(ValueError, match=r"rng must be .* got -3"):
        bp.Dense(2, 2, rng=np.int64(-3))
    with pytest.raises(ValueError, match=r"rng must be .* got -1"):
        bp.gradcheck(bp.Network([bp.Dense(2, 2, rng=0)]), np.zeros((1, 2)), np.zeros((1, 2)),
                     max_entries=1, rng=-1)
    X, y = np.zeros((4, 2)), np.zeros((4, 2))
    with pytest.raises(ValueError, match=r"seed must be .* got -2"):
        bp.Network([bp.Dense(2, 2, rng=0)]).fit(X, y, seed=-2, progress=False)
    with pytest.raises(TypeError, match=r"seed must be .* got float 0.5"):
        bp.Network([bp.Dense(2, 2, rng=0)]).fit(X, y, seed=0.5, progress=False)
    for make in (bp.two_moons, bp.spirals):
        with pytest.raises(ValueError, match=r"seed must be .* got -1"):
            make(seed=-1)
    with pytest.raises(ValueError, match=r"seed must be an int >= 0, got -1"):
        bp.digits(seed=-1)
    with pytest.raises(TypeError, match=r"seed must be an int >= 0, got float"):
        bp.digits(seed=1.0)
