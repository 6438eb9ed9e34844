"""Tests for bp.checks.convolution: a correct loop backward passes, the classic slips
fail with their diagnosis."""
import numpy as np

import bp
from bp.checks import convolution as cc


def loop_backward(X, W, delta, stride, padding):
    """The textbook loops over output positions (a reader's correct answer)."""
    kh, kw = W.shape[2:]
    p = padding
    Xp = np.pad(X, ((0, 0), (0, 0), (p, p), (p, p)))
    dXp, dW = np.zeros_like(Xp), np.zeros_like(W)
    for i in range(delta.shape[2]):
        for j in range(delta.shape[3]):
            r, c = i * stride, j * stride
            d = delta[:, :, i, j]                                   # (N, C_out)
            dW += np.einsum("nf,nchw->fchw", d, Xp[:, :, r:r + kh, c:c + kw])
            dXp[:, :, r:r + kh, c:c + kw] += np.einsum("nf,fchw->nchw", d, W)
    H, Wd = X.shape[2:]
    return dXp[:, :, p:p + H, p:p + Wd], dW, delta.sum(axis=(0, 2, 3))


def test_a_loop_implementation_passes(capsys):
    result = bp.checks.check_conv2d_backward(loop_backward)
    assert result and result.n_cases == len(cc.CONV_CASES)
    assert "PASSED" in capsys.readouterr().out


def test_the_full_correlation_with_the_flipped_kernel_is_the_reference():
    for X, W, delta, s, p in cc.conv_cases():
        dX = cc.reference_conv2d_backward(X, W, delta, s, p)[0]
        np.testing.assert_allclose(cc.full_correlation(X, W, delta, s, p), dX,
                                   rtol=1e-12, atol=1e-12)


def test_signature_is_registered():
    assert bp.checks.signatures()["check_conv2d_backward"] == (
        "conv2d_backward(X, W, delta, stride, padding) -> (dX, dW, db)")


def _fails_with(fn, words, capsys):
    result = bp.checks.check_conv2d_backward(fn)
    out = capsys.readouterr().out
    assert not result and "FAILED" in out
    for w in words:
        assert w in out, out
    return out


def test_an_unflipped_kernel_is_diagnosed(capsys):
    def no_flip(X, W, delta, s, p):
        _, dW, db = loop_backward(X, W, delta, s, p)
        return cc.full_correlation(X, W, delta, s, p, flip=False), dW, db
    _fails_with(no_flip, ["`dX`", "not flipped"], capsys)


def test_an_uncropped_padding_is_diagnosed(capsys):
    def no_crop(X, W, delta, s, p):
        _, dW, db = loop_backward(X, W, delta, s, p)
        return cc.full_correlation(X, W, delta, s, p, crop=False), dW, db
    _fails_with(no_crop, ["padded shape"], capsys)


def test_averaged_dW_and_db_are_diagnosed(capsys):
    def mean_dW(X, W, delta, s, p):
        dX, dW, db = loop_backward(X, W, delta, s, p)
        return dX, dW / len(X), db
    _fails_with(mean_dW, ["`dW`", "averaged over the batch"], capsys)

    def db_batch_only(X, W, delta, s, p):
        dX, dW, _ = loop_backward(X, W, delta, s, p)
        return dX, dW, delta.sum(axis=0)
    _fails_with(db_batch_only, ["summed over the batch only"], capsys)


def test_an_undilated_delta_for_stride_2_fails(capsys):
    def no_dilation(X, W, delta, s, p):                 # treats every stride as 1
        dX, dW, db = loop_backward(X, W, delta, 1, p) if s == 1 else (None,) * 3
        if s != 1:
            kh, kw = W.shape[2:]
            d = np.pad(delta, ((0, 0), (0, 0), (kh - 1, kh - 1), (kw - 1, kw - 1)))
            win = np.lib.stride_tricks.sliding_window_view(d, (kh, kw), axis=(2, 3))
            dX = np.einsum("nfuvab,fcab->ncuv", win, W[:, :, ::-1, ::-1])
            dX, dW, db = dX, loop_backward(X, W, delta, s, p)[1], delta.sum(axis=(0, 2, 3))
        return dX, dW, db
    out = _fails_with(no_dilation, ["case 3", "stride 2"], capsys)
    assert "shape" in out


def test_a_function_that_changes_delta_in_place_fails(capsys):
    def in_place(X, W, delta, s, p):
        out = loop_backward(X, W, delta, s, p)
        delta *= 0
        return out
    _fails_with(in_place, ["changed `delta` in place"], capsys)


def test_the_reference_leaves_its_arguments_alone():
    X, W, delta, s, p = cc.conv_cases()[3]
    copies = [a.copy() for a in (X, W, delta)]
    cc.reference_conv2d_backward(X, W, delta, s, p)
    for a, b in zip((X, W, delta), copies):
        np.testing.assert_array_equal(a, b)
