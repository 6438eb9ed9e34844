"""One term for one concept in the Chinese edition: the glossary's.

For every glossary entry (``chapters/glossary.md``: English term, Chinese terms with
the book's own first), every translated message whose English source uses the term
must use one of the entry's Chinese terms, or a Latin name the entry's Chinese terms
keep ("sigmoid 函数" keeps *sigmoid*; an acronym such as MSE). English words with an
everyday sense besides the term's ("bias" of a coin, "attention" paid) are listed
with the renderings accepted for that sense, each with its reason, in :data:`SENSES`.

Rival translations that Chinese textbooks use and the book does not (带权输入 for
加权输入, 暂退法 for 随机失活, ...) must not appear in a translation at all unless
its English source quotes them (:data:`RIVALS`).
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import pytest

from test_catalogs import CATALOGS, TRANSLATED, messages

ROOT = Path(__file__).resolve().parents[1]

#: English word -> {accepted Chinese rendering: why it is accepted}.
SENSES: dict[str, dict[str, str]] = {
    "activation": {"激活函数": "'a sigmoid activation', 'an elementwise activation' name "
                               "the activation function",
                   "激活": "'activation' as the state of a unit ('active', 激活状态)"},
    "attention": {"注意": "'attracted little attention': the everyday sense"},
    "bias": {"正面概率": "'a coin with bias p': the probability of heads",
             "偏差": "the bias of an estimate (truncated BPTT's gradient is biased "
                     "towards short dependencies): the statistical sense"},
    "identity": {"恒等": "the identity activation (恒等激活函数) and the identity "
                         "equation (恒等式)",
                 "单位矩阵": "'the identity plus a correction': the identity matrix",
                 "identity": "`bp`'s name of the activation, in a list of names"},
    "logits": {"logits": "the glossary's convention: Chinese texts keep the English word"},
    "prediction": {"预测": "the verb and the act ('predict', 预测) besides the value"},
    "finite differences": {"中心差分": "'centered finite differences' are the "
                                       "glossary's centered difference"},
    "overflow": {"上溢": "overflow toward +inf, as opposed to underflow (下溢)"},
    "label": {"标注": "the verb ('it labels an image') and a 'label error' (标注错误)"},
    "reduction": {"归约": "the verb: a loss 'reduced' by the mean"},
    "epoch": {"轮": "'every epoch' (每一轮, 逐轮): 轮 is the measure word of 轮次"},
    "batch": {"批": "'a batch of N examples' (一批 N 个样本): 批 is the measure word"},
    "precision": {"精度": "numerical precision ('float64 precision'), not the metric"},
    "kernel": {"内核": "a Jupyter kernel (the process that runs a notebook's code)"},
    "feature map": {"特征图": "a convolution's output channel: the glossary's 'feature map "
                              "(convolution)', whose English form is the same"},
}

#: The book's term -> rival renderings it does not use: other textbooks' terms (the
#: glossary lists them as synonyms after the book's own) and near-misses it never lists.
RIVALS: dict[str, list[str]] = {
    "加权输入": ["带权输入"],
    "随机失活": ["暂退法", "丢弃法"],
    "轮次": ["迭代周期"],
    "修正线性单元": ["整流线性单元", "线性整流函数"],
    "早停": ["提前终止"],
    "信用分配问题": ["贡献度分配问题"],
    "批归一化": ["批量规范化"],
    "最大似然估计": ["极大似然估计"],
    "黑塞矩阵": ["海森矩阵"],
    "激活函数": ["激励函数"],
    "学习率": ["学习速率"],
}

HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
LATIN = re.compile(r"[A-Za-z][A-Za-z0-9–-]*")
NOT_PROSE = [re.compile(p, re.S) for p in (
    r"\$\$.+?\$\$", r"\$[^$]+\$", r"\{[\w:-]+\}`[^`]*`", r"`[^`]*`", r"\]\([^)]*\)",
    r"<[^>]*>")]


@lru_cache(maxsize=1)
def entries() -> list[dict]:
    """The glossary's entries, from the ``term(...)`` calls of its first code cell."""
    text = (ROOT / "chapters" / "glossary.md").read_text(encoding="utf-8")
    cell = text.split("```{code-cell} ipython3", 1)[1].split("\n```", 1)[0]
    namespace = {"glue": lambda *a, **k: None}
    body = "\n".join(line for line in cell.splitlines()
                     if not line.startswith((":tags:", "from IPython", "from myst_nb")))
    exec(compile(body, "glossary.md", "exec"), namespace)   # noqa: S102 (our own file)
    return namespace["ENTRIES"]


def english_forms(en: str) -> list[str]:
    """'ReLU (rectified linear unit)' -> ['ReLU', 'rectified linear unit']."""
    base = re.sub(r"\s*\(.*?\)", "", en).strip()
    inner = [m for m in re.findall(r"\((.*?)\)", en)
             if m not in ("activation",) and not m.startswith("BP")]
    return [base, *inner]


def form_pattern(form: str) -> re.Pattern:
    flags = 0 if any(c.isupper() for c in form) else re.I
    return re.compile(r"(?<![\\\w-])" + re.escape(form) + r"(?:s|es)?(?![\w-])", flags)


def prose(text: str) -> str:
    for pattern in NOT_PROSE:
        text = pattern.sub(" ", text)
    return " ".join(text.split())


def accepted(entry: dict, form: str) -> list[str]:
    names = list(entry["zh"])
    names += [w for z in entry["zh"] for w in LATIN.findall(z)]
    names += [f for f in english_forms(entry["en"]) if f.isupper() or
              (f[0].isupper() and " " not in f)]
    names += list(SENSES.get(form.casefold(), {}))
    return names


def violations(pairs) -> list[tuple[str, str, str]]:
    """``(term, English excerpt, Chinese excerpt)`` for every (msgid, msgstr) pair
    whose Chinese uses none of the accepted renderings of a term its English uses."""
    forms = sorted(((form, e) for e in entries() for form in english_forms(e["en"])),
                   key=lambda fe: -len(fe[0]))
    found = []
    for source, translation in pairs:
        if not translation or translation == source or not HAN.search(translation):
            continue
        text, chinese = prose(source), prose(translation)
        for quoted in re.findall(r'"([^"]+)"', text):      # program output, kept English
            if quoted in chinese:
                text = text.replace(quoted, " ")
        for form, entry in forms:
            pattern = form_pattern(form)
            if not pattern.search(text):
                continue
            text = pattern.sub(" ", text)        # 'batch size' hides 'batch'
            names = accepted(entry, form)
            if not any(re.search(re.escape(n), chinese, re.I) for n in names):
                found.append((entry["en"], text[:60], chinese[:60]))
    return found


def translated_pairs(stem: str):
    return [(m.id, m.string) for m in messages(CATALOGS / f"{stem}.po")]


@pytest.mark.parametrize("stem", sorted(TRANSLATED - {"glossary"}))
def test_translations_use_the_glossary_terms(stem):
    bad = violations(translated_pairs(stem))
    assert not bad, (f"{stem}.po: {len(bad)} message(s) whose English uses a glossary "
                     f"term and whose Chinese uses none of its Chinese terms: {bad[:6]}")


@pytest.mark.parametrize("stem", sorted(TRANSLATED))
def test_translations_use_no_rival_term(stem):
    bad = [(rival, term, m.string[:60]) for m in messages(CATALOGS / f"{stem}.po")
           for term, rivals in RIVALS.items() for rival in rivals
           if rival in m.string and rival not in m.id]
    assert not bad, f"{stem}.po: rival terms the book does not use: {bad[:6]}"


def test_the_rules_rest_on_the_glossary():
    assert len(entries()) >= 150
    first = {e["zh"][0]: e for e in entries()}
    every = {z for e in entries() for z in e["zh"]}
    for term, rivals in RIVALS.items():
        assert term in first, f"{term} is not the book's own term of a glossary entry"
        for rival in rivals:        # another book's synonym of this entry, or no term
            assert rival in first[term]["zh"][1:] or rival not in every, (term, rival)
    english = {f.casefold() for e in entries() for f in english_forms(e["en"])}
    assert set(SENSES) <= english, sorted(set(SENSES) - english)


def test_a_wrong_term_is_caught_and_a_right_one_passes():
    source = "Each weighted input $z$ gets its error term."
    assert violations([(source, "每个带权输入 $z$ 都有自己的误差项。")])
    assert not violations([(source, "每个加权输入 $z$ 都有自己的误差项。")])
    # a Latin name the glossary keeps, and a term hidden inside a longer one
    assert not violations([("A sigmoid output.", "一个 sigmoid 输出。")])
    assert not violations([("The batch size.", "批量大小。")])
    assert violations([("The learning rate.", "步长。")])
    # quoted program output stays English; unquoted, the same words must be translated
    assert not violations([('It prints "batch of 4".', '它打印“batch of 4”。')])
    assert violations([("A batch of 4.", "一个 batch of 4。")])
