"""bp.symbolic.display: derivations in book notation are verified and render in MathJax 3."""
import json
import shutil
import subprocess
from pathlib import Path

import pytest
import sympy as sp

import bp.symbolic as bps
from bp.symbolic import display as D

ROOT = Path(__file__).resolve().parents[1]
MATHJAX = ROOT / "node_modules" / "mathjax"
NETS = [((2, 2, 1), "sigmoid", "mse"), ((2, 3, 2), ("tanh", "softmax"), "cross_entropy"),
        ((2, 2, 2, 1), ("relu", "softplus", "sigmoid"), "bce")]

#: Renders every string with the TeX input the book uses (MathJax 3's default
#: packages), with undefined macros and syntax errors raised instead of drawn in red.
CHECKER = """
require(process.argv[2]).init({
  loader: {load: ['input/tex', 'output/svg']},
  tex: {packages: {'[-]': ['noundefined']}, formatError: (jax, err) => { throw err; }},
}).then((MathJax) => {
  const items = JSON.parse(require('fs').readFileSync(0, 'utf8'));
  console.log(JSON.stringify(items.map((tex) => {
    try { MathJax.tex2svg(tex, {display: true}); return 'ok'; }
    catch (e) { return String(e.message); }
  })));
}).catch((e) => { console.error(e); process.exit(2); });
"""


def all_derivations():
    for arch in NETS:
        net = bps.symbolic_network(*arch)
        yield D.derive_output_delta(net, 1)
        yield D.derive_weight_gradient(net, 1, 1, 2)
        yield D.derive_weight_gradient(net, net.L, 1, 1)
        yield D.derive_delta(net, 1, 1)
        yield D.bp2_matrix_form(net, net.L - 1)
        yield D.forward_equations(net)
    for name in bps.ERRATA:
        yield D.compare_erratum(name)
    yield D.show(bps.ACTIVATIONS["gelu_tanh"].textbook(bps.activations.z), "f'(z)", "GELU")
    yield D.show(bps.ACTIVATIONS["relu"].textbook(bps.activations.z), "f'(z)")


@pytest.mark.parametrize("arch", NETS)
def test_derivations_are_proved_equal_to_brute_force(arch):
    net = bps.symbolic_network(*arch)
    checks = [D.derive_output_delta(net, net.sizes[-1]), D.derive_delta(net, 1, 2),
              D.derive_weight_gradient(net, 1, 2, 1), D.derive_weight_gradient(net, net.L, 1, 2)]
    for d in checks:
        assert d.verify(), str(d)


def test_hidden_softmax_derivation_sums_over_the_jacobian():
    net = bps.symbolic_network((2, 2, 2), ("softmax", "tanh"), "mse")
    d = D.derive_delta(net, 1, 2)
    assert r"\sum_k \sum_i" in d.steps[0][1]
    assert d.verify()


def test_steps_labels_and_text():
    net = bps.symbolic_network((2, 2, 1), "sigmoid", "mse")
    d = D.derive_weight_gradient(net, 1, 1, 2)
    assert [label for label, _ in d.steps] == ["chain rule", "BP3", "BP2", "BP1"]
    first = d.steps[0][1]
    assert first.startswith(r"\frac{\partial \mathcal{L}}{\partial w^{(1)}_{12}} = ")
    assert all(tex.startswith(first.split(" = ")[0]) for _, tex in d.steps)
    assert r"2 \left(a^{(2)}_{1} - y_{1}\right)" in D.derive_output_delta(net).to_latex()
    assert str(d).count("\n") == 3


def test_the_loss_is_script_l_never_a_bare_l():
    """L is the number of layers; the loss is \\mathcal{L} in every displayed step."""
    for d in all_derivations():
        tex = d.to_latex()
        assert r"\partial L" not in tex and r"\partial{L}" not in tex, tex


def test_labels_follow_their_equation_and_long_sums_break():
    net = bps.symbolic_network((2, 2, 3), ("tanh", "sigmoid"), "mse")
    d = D.derive_weight_gradient(net, 1, 1, 1)
    tex = d.to_latex()
    assert "&&" not in tex and r"\qquad \text{(BP3)}" in tex
    rows = tex.split(" \\\\\n")
    assert len(rows) == len(d.rows) + 2          # BP1's sum of three terms takes 3 rows
    assert r"\Bigl(" in rows[3] and r"\Bigr)" in rows[-1]
    assert rows[4].startswith(r"&\qquad + ")
    assert d.verify()                            # breaking changes the display only
    assert str(d).count("\n") == len(d.rows) - 1   # steps stay one equation each


def test_broken_rows_keep_every_term_and_short_ones_stay_whole():
    a, b, c = sp.symbols("a b c")
    assert D.broken(a + b) == [D.latex(a + b)]
    long = sum(sp.Symbol(f"x_{{{i}}}") * sp.Symbol(f"w_{{{i}}}") ** 2 for i in range(12))
    rows = D.broken(sp.Rational(2, 3) * c * long)
    assert len(rows) > 1 and rows[0].startswith(r"\frac{2}{3} c \Bigl(")
    assert all(D._printed_width(r) <= D.WIDTH + 12 for r in rows)
    joined = " ".join(rows)
    assert all(f"x_{{{i}}}" in joined for i in range(12))


def test_display_objects_for_notebooks():
    d = D.derive_output_delta(bps.symbolic_network((2, 2, 1), "sigmoid", "mse"))
    md = d._repr_markdown_()
    assert md.startswith("$$\n\\begin{aligned}") and md.endswith("\\end{aligned}\n$$")
    assert d._repr_latex_() == md


def test_text_is_safe():
    assert D.text("fused softmax and cross_entropy") == r"\text{fused softmax and cross entropy}"
    assert D.text("50% {x} & $y$") == r"\text{50 x  y}"


def test_errors():
    net = bps.symbolic_network((2, 2, 1), "sigmoid", "mse")
    with pytest.raises(ValueError, match="needs a hidden layer 1..1, got 2"):
        D.derive_delta(net, 2)
    with pytest.raises(ValueError, match="no result/target"):
        D.forward_equations(net).verify()
    with pytest.raises(ValueError, match="softmax has a Jacobian"):
        bps.BookNotation(bps.symbolic_network((2, 2, 2), "softmax", "mse")).derivative(1)


@pytest.mark.skipif(shutil.which("node") is None or not MATHJAX.exists(),
                    reason="needs node and node_modules/mathjax (npm install)")
def test_everything_renders_in_mathjax3(tmp_path):
    items = []
    for d in all_derivations():
        items.append(d.to_latex())
        items += [tex for _, tex in d.steps]
    script = tmp_path / "check.js"
    script.write_text(CHECKER)
    out = subprocess.run(["node", str(script), str(MATHJAX)], input=json.dumps(items),
                         capture_output=True, text=True, timeout=120, check=True)
    results = json.loads(out.stdout)
    bad = [(tex, r) for tex, r in zip(items, results) if r != "ok"]
    assert not bad, bad[:3]


@pytest.mark.skipif(shutil.which("node") is None or not MATHJAX.exists(),
                    reason="needs node and node_modules/mathjax (npm install)")
def test_the_checker_catches_bad_latex(tmp_path):
    script = tmp_path / "check.js"
    script.write_text(CHECKER)
    out = subprocess.run(["node", str(script), str(MATHJAX)],
                         input=json.dumps([r"\frac{a}{b}", r"\frac{a", r"\nosuchmacro x"]),
                         capture_output=True, text=True, timeout=120, check=True)
    ok, brace, undefined = json.loads(out.stdout)
    assert ok == "ok" and "brace" in brace.lower() and "nosuchmacro" in undefined


#: Widest a displayed derivation may be, in ex of MathJax's SVG output. The book's text
#: column is 784 px at a 1400 px window, and MathJax draws about 9 px per ex there
#: (measured: a block of 138 ex was 1244 px wide), so 80 ex leaves a margin.
MAX_EX = 80
WIDTHS = """
require(process.argv[2]).init({loader: {load: ['input/tex', 'output/svg']}}).then((MJ) => {
  const items = JSON.parse(require('fs').readFileSync(0, 'utf8'));
  console.log(JSON.stringify(items.map((tex) => parseFloat(MJ.startup.adaptor.outerHTML(
    MJ.tex2svg(tex, {display: true})).match(/width="([\\d.]+)ex"/)[1]))));
}).catch((e) => { console.error(e); process.exit(2); });
"""


@pytest.mark.skipif(shutil.which("node") is None or not MATHJAX.exists(),
                    reason="needs node and node_modules/mathjax (npm install)")
def test_derivations_fit_the_text_column(tmp_path):
    items = [d.to_latex() for d in all_derivations()]
    wide = bps.SymbolicNetwork([2, 2, 3], ["tanh", "sigmoid"], loss="mse")   # the book's
    items.append(D.derive_weight_gradient(wide, 1, 1, 1).to_latex())
    unbroken = D.Derivation().add("BP1", "x", D.latex(D.derive_weight_gradient(
        wide, 1, 1, 1).result))                 # the same last line, as one row
    items.append(unbroken.to_latex())
    script = tmp_path / "widths.js"
    script.write_text(WIDTHS)
    out = subprocess.run(["node", str(script), str(MATHJAX)], input=json.dumps(items),
                         capture_output=True, text=True, timeout=120, check=True)
    widths = json.loads(out.stdout)
    assert widths[-1] > MAX_EX                  # the check can fail: unbroken is too wide
    too_wide = [(w, tex[:80]) for w, tex in zip(widths[:-1], items) if w > MAX_EX]
    assert not too_wide, too_wide
