"""bp.schedules: step decay, cosine, warm-up, and fit(schedule=...) setting the rate."""
import math

import numpy as np
import pytest

import bp
from bp.schedules import Cosine, StepDecay, Warmup, apply, get_schedule
from conftest import make_net


def test_step_decay_is_gamma_to_the_floor():
    s = StepDecay(every=3, gamma=0.5)
    assert [s(t) for t in range(8)] == [1, 1, 1, 0.5, 0.5, 0.5, 0.25, 0.25]


def test_cosine_goes_from_one_to_the_floor_and_stays():
    s = Cosine(total=10, floor=0.1)
    assert s(0) == 1.0
    assert math.isclose(s(5), 0.1 + 0.9 * 0.5)
    assert math.isclose(s(10), 0.1) and math.isclose(s(25), 0.1)
    values = [s(t) for t in range(11)]
    assert all(a > b for a, b in zip(values, values[1:]))          # strictly decreasing


def test_warmup_then_cosine():
    s = Warmup(4, then=Cosine(total=6))
    assert [s(t) for t in range(4)] == [0.25, 0.5, 0.75, 1.0]
    assert s(4) == 1.0 and math.isclose(s(7), 0.5) and s(10) == 0.0
    assert Warmup(2)(100) == 1.0


def test_get_schedule_by_name_and_errors():
    assert isinstance(get_schedule("cosine", total=5), Cosine)
    assert isinstance(get_schedule("step", every=2), StepDecay)
    with pytest.raises(ValueError, match="unknown schedule 'cosin'.*did you mean 'cosine'"):
        get_schedule("cosin", total=5)
    with pytest.raises(TypeError, match=r"pass a schedule instance such as "
                                        r"bp.schedules.Cosine\(...\), not the class"):
        get_schedule(Cosine)


@pytest.mark.parametrize("make,err,msg", [
    (lambda: StepDecay(0), ValueError, "every must be a positive int, got 0"),
    (lambda: StepDecay(2, gamma=1.5), ValueError, r"gamma must be finite, >= 0 and <= 1.0"),
    (lambda: Cosine(total=2.5), TypeError, "total must be a positive int, got float"),
    (lambda: Cosine(10, floor=-0.1), ValueError, "floor must be finite, >= 0"),
    (lambda: Warmup(3, then=0.5), TypeError, "then must be a schedule"),
])
def test_bad_schedule_arguments(make, err, msg):
    with pytest.raises(err, match=msg):
        make()


class Spy(bp.SGD):
    """SGD that records the learning rate of every step it takes."""

    def __init__(self, lr):
        super().__init__(lr)
        self.seen = []

    def step(self, net):
        self.seen.append(self.lr)
        super().step(net)


def _data(rng, n=10):
    net = make_net((3, 4, 2), ("tanh", "identity"), "mse")
    return net, rng.normal(size=(n, 3)), rng.normal(size=(n, 2))


def test_fit_sets_the_rate_before_every_step(rng):
    net, X, Y = _data(rng)
    opt = Spy(0.2)
    sched = Warmup(3, then=Cosine(total=7))
    bp.fit(net, X, Y, epochs=4, batch_size=4, optimizer=opt, schedule=sched, progress=False)
    assert len(opt.seen) == 4 * 3                                   # per step: 3 batches/epoch
    np.testing.assert_allclose(opt.seen, [0.2 * sched(t) for t in range(12)], rtol=1e-15)
    assert opt.initial_lr == 0.2
    # a second fit with the same optimizer continues the schedule (opt.t = 12, ...)
    bp.fit(net, X, Y, epochs=1, batch_size=4, optimizer=opt, schedule=sched, progress=False)
    np.testing.assert_allclose(opt.seen[12:], [0.2 * sched(t) for t in (12, 13, 14)])


def test_a_constant_schedule_is_no_schedule(rng):
    nets = []
    for schedule in (None, lambda t: 1.0):
        net, X, Y = _data(np.random.default_rng(0))
        bp.fit(net, X, Y, epochs=3, batch_size=4, optimizer=bp.Adam(0.01), schedule=schedule,
               progress=False)
        nets.append(np.concatenate([p.ravel() for _, _, p in net.parameters()]))
    np.testing.assert_array_equal(nets[0], nets[1])


@pytest.mark.parametrize("schedule,err,msg", [
    ("cosine", TypeError, r"a name needs its arguments.*get_schedule\('cosine', ...\)"),
    (0.5, TypeError, "schedule must be a bp.schedules.Schedule or a callable.*got float"),
    (lambda t: -1.0, ValueError, r"gave the factor -1.0 at step 0; expected a finite number"),
    (lambda t: float("nan") if t == 2 else 1.0, ValueError, "gave the factor nan at step 2"),
    (lambda t: "1", ValueError, "gave the factor '1' at step 0"),
])
def test_bad_schedule_in_fit_is_a_clear_error(schedule, err, msg, rng):
    net, X, Y = _data(rng)
    with pytest.raises(err, match=msg):
        bp.fit(net, X, Y, epochs=1, batch_size=4, schedule=schedule, progress=False)


def test_apply_uses_the_optimizer_step_counter():
    opt = bp.SGD(0.5)
    assert apply(StepDecay(1, gamma=0.5), opt) == 0.5           # t = 0
    opt.t = 3
    assert apply(StepDecay(1, gamma=0.5), opt) == 0.5 * 0.125
    assert opt.initial_lr == 0.5


@pytest.mark.parametrize("which", ["step", "cosine"])
def test_matches_torch_schedulers_when_available(which):
    torch = pytest.importorskip("torch")
    p = torch.zeros(1, requires_grad=True)
    topt = torch.optim.SGD([p], lr=0.3)
    if which == "step":
        sched, ours = torch.optim.lr_scheduler.StepLR(topt, step_size=3, gamma=0.5), \
            StepDecay(3, 0.5)
    else:
        sched, ours = torch.optim.lr_scheduler.CosineAnnealingLR(topt, T_max=8), Cosine(8)
    for t in range(9):              # past T_max torch's cosine rises again; ours stays
        assert math.isclose(topt.param_groups[0]["lr"], 0.3 * ours(t), rel_tol=1e-12,
                            abs_tol=1e-12)
        topt.step()
        sched.step()


def test_module_docstring_example_runs():
    import doctest

    import bp.schedules
    result = doctest.testmod(bp.schedules, verbose=False)
    assert result.attempted > 0 and result.failed == 0
