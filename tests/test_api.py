"""The public API of bp: every exported name exists, and the package docstring runs."""
import doctest

import bp


def test_everything_in_all_is_importable():
    for name in bp.__all__:
        assert getattr(bp, name) is not None, name
    assert isinstance(bp.__version__, str)


def test_the_package_docstring_example_runs():
    result = doctest.testmod(bp, verbose=False)
    assert result.attempted > 0 and result.failed == 0


def test_gradcheck_helpers_reachable_both_ways():
    from bp.gradcheck import check_derivative, numerical_gradient, relative_error
    assert bp.gradcheck.check_derivative is check_derivative is bp.check_derivative
    assert bp.gradcheck.numerical_gradient is numerical_gradient is bp.numerical_gradient
    assert bp.gradcheck.relative_error is relative_error is bp.relative_error
    import bp.gradcheck as gc                     # the function, standing in for the module
    assert gc.GradCheckReport is bp.GradCheckReport and gc.ParamCheck.__name__ == "ParamCheck"
