"""中文/English: the catalogue covers every text of the page, nothing in it is unused, and text renders per page."""

from __future__ import annotations

import ast
import builtins
import re

import pytest

from finetune.errors import expected_found
from finetune.runs.events import format_event
from finetune.runs.run import RunStatus
from tests.helpers import PROJECT_ROOT
from ui import i18n
from ui.config_form import CONFIG_WIDGETS
from ui.i18n import say, say_error, translate, use_lang
from ui.settings import detect_settings

ROOT = PROJECT_ROOT
UI_FILES = sorted((ROOT / "ui").rglob("*.py"))
# engine modules that write page text through a ``say`` they are given (English for the CLI)
SAYING_ENGINE_FILES = [
    ROOT / "finetune" / name
    for name in ("runs/events.py", "train/cross_validation.py", "config/recipes.py", "predict/batch.py")
]
VISIBLE_KEYWORDS = {"label", "info", "placeholder", "title"}
TEXT_FIRST_ARG = {"Markdown", "Button", "Tab", "Accordion", "DownloadButton", "UploadButton", "TabItem"}
PLACEHOLDER = re.compile(r"\{[a-z_0-9]*\}")
CODE_NAME = re.compile(r"^[\w.()\[\]-]+$")  # config.json, train.py, decode(input_ids): code, the same in any language


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The whole page, built once: every static text registers itself with ui.i18n."""
    from ui.page import build_studio

    build_studio(detect_settings(str(tmp_path_factory.mktemp("runs")), False))
    return i18n.static_texts()


def _trees(files):
    return [(path, ast.parse(path.read_text(encoding="utf-8"))) for path in files]


def _literal(node):
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _called(node):
    return getattr(node.func, "id", None) or getattr(node.func, "attr", None)


def _constants(tree) -> dict[str, str]:
    """Module-level ``NAME = "text"`` assignments (a message kept in a constant)."""
    return {
        node.targets[0].id: node.value.value
        for node in tree.body
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name) and _literal(node.value) is not None
    }


def _catalogue_calls(files) -> set[str]:
    """The texts passed to t()/say()/translate(): literals, and module constants named in the call."""
    found = set()
    for _, tree in _trees(files):
        constants = _constants(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and _called(node) in ("t", "say", "translate") and node.args:
                first = node.args[0]
                text = _literal(first) if not isinstance(first, ast.Name) else constants.get(first.id)
                if text is not None:
                    found.add(text)
    return found


def _template(node):
    """A literal, or an f-string with ``{}`` where it has a value; None for anything else."""
    if _literal(node) is not None:
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)
    return None


def _templates(files) -> set[str]:
    """Every string constant and f-string of these files, with ``{}`` where an f-string has a value."""
    found = set()
    for _, tree in _trees(files):
        for node in ast.walk(tree):
            if _literal(node) is not None:
                found.add(node.value)
            elif isinstance(node, ast.JoinedStr):
                found.add("".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values))
    return found


def test_every_text_of_the_page_has_a_chinese_entry(built):
    text = i18n.catalogue()["text"]
    static = {english for key, english in built.items() if not key.startswith("field.")}
    missing = sorted((static | _catalogue_calls(UI_FILES + SAYING_ENGINE_FILES)) - set(text))
    assert not missing, f"texts without a Chinese entry in ui/locales/zh.json: {missing}"
    assert [status.value for status in RunStatus if status.value not in text] == []  # the status words
    fields = i18n.catalogue()["fields"]
    assert [
        name for name in CONFIG_WIDGETS if not (fields.get(name, {}).get("label") and fields[name].get("help"))
    ] == []


def test_every_part_of_every_engine_error_has_a_chinese_entry():
    """What, expected and what to do of each ``expected_found`` in finetune/ (literal or f-string shape): an error
    with a part the catalogue lacks would stay English on a Chinese page."""
    catalogue = i18n.catalogue()
    known = {PLACEHOLDER.sub("{}", key) for key in catalogue["engine"]} | set(catalogue["text"]) | set(CONFIG_WIDGETS)
    missing = []
    for path, tree in _trees(sorted((ROOT / "finetune").rglob("*.py"))):
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and _called(node) == "expected_found":
                for role, arg in zip(("what", "expected", "todo"), [node.args[0], node.args[1], *node.args[3:4]]):
                    shape = _template(arg)
                    field_shaped = re.fullmatch(r"\{\}_[a-z_]+", shape or "")  # f"{kind}_steps": a config field
                    if (
                        shape
                        and re.search("[A-Za-z]{2}", shape.replace("{}", ""))
                        and shape not in known
                        and not field_shaped
                    ):
                        missing.append(f"{path.name}:{node.lineno} {role}: {shape}")
    assert missing == [], "\n".join(missing)


def test_engine_shapes_translate_to_their_own_entry():
    """Each engine entry with placeholders, filled with sample values, reads as its own Chinese: no shorter shape
    takes it over, and no two placeholders touch (their values could not be told apart)."""
    wrong = []
    with use_lang("zh"):
        for english, chinese in i18n.catalogue()["engine"].items():
            names = PLACEHOLDER.findall(english)
            if not names:
                continue
            assert "}{" not in english, english
            values = {name.strip("{}"): f"V{i}x" for i, name in enumerate(names)}
            if translate(english.format(**values)) != chinese.format(**values):
                wrong.append(english)
    assert wrong == []


def test_a_visitors_text_is_never_matched_slowly_and_data_words_stay_data():
    crafted = "fold " + "1/" * 400 + " finished: " + "x " * 400  # once took minutes with backtracking regexes
    with use_lang("zh"):
        assert translate(crafted).startswith("第 1/")
        assert translate(crafted * 5) == crafted * 5  # a visitor's long text is looked up whole, never matched
        message = expected_found("dataset 'x'", "an existing file or folder", "test")
        assert say_error(message).endswith("实际为test。")  # a split called test is data, not the word test


def test_no_visible_english_literal_escapes_the_catalogue():
    """A label, info, placeholder or title, a Markdown/Button/Tab/Accordion text, or an error raised in ui/ that is
    a bare literal would show English on a Chinese page: each must go through t() or say(). Code names (train.py)
    and programming errors (built-in exceptions) are the same in every language."""
    bare = []
    page_files = [path for path in UI_FILES if path.name != "api.py"]  # the API answers programs, in English
    for path, tree in _trees(page_files):
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and getattr(node.func.value, "id", None) == "gr"
            ):
                for kw in node.keywords:
                    if kw.arg in VISIBLE_KEYWORDS and isinstance(kw.value, (ast.Constant, ast.JoinedStr)):
                        if not CODE_NAME.match(str(_literal(kw.value))):
                            bare.append(f"{path.name}:{node.lineno} {kw.arg}={ast.unparse(kw.value)[:60]}")
                if (
                    node.func.attr in TEXT_FIRST_ARG
                    and node.args
                    and isinstance(node.args[0], (ast.Constant, ast.JoinedStr))
                    and not CODE_NAME.match(str(_literal(node.args[0])))
                ):
                    bare.append(f"{path.name}:{node.lineno} {node.func.attr}({ast.unparse(node.args[0])[:60]})")
            if (
                isinstance(node, ast.Raise)
                and isinstance(node.exc, ast.Call)
                and node.exc.args
                and not hasattr(builtins, _called(node.exc))
                and isinstance(node.exc.args[0], (ast.Constant, ast.JoinedStr))
            ):
                bare.append(f"{path.name}:{node.lineno} raise {ast.unparse(node.exc)[:60]}")
    assert bare == [], "\n".join(bare)


def test_the_catalogue_has_no_unused_entries(built):
    """A ``text`` entry is used when the page registers it, a t()/say() call names it, or a ui/ or engine constant
    holds it (a table header, a status word); an ``engine`` entry when engine text has its shape (an f-string
    with values where it has placeholders)."""
    engine = _templates(sorted((ROOT / "finetune").rglob("*.py")))
    used = set(built.values()) | _catalogue_calls(UI_FILES + SAYING_ENGINE_FILES) | _templates(UI_FILES) | engine
    unused = [key for key in i18n.catalogue()["text"] if key not in used]
    unused += [key for key in i18n.catalogue()["engine"] if PLACEHOLDER.sub("{}", key) not in engine]
    assert unused == []
    assert all(" " in key for key in i18n.catalogue()["engine"])  # a single word would translate data
    assert set(i18n.catalogue()["fields"]) <= set(CONFIG_WIDGETS)


def test_static_texts_are_safe_for_the_browsers_message_format(built):
    """The browser formats every message as ICU: a brace in a static text (English or Chinese) would break it."""
    chinese = i18n.i18n().translations_dict["zh"]
    assert [text for text in list(built.values()) + list(chinese.values()) if "{" in text or "}" in text] == []
    # besides the page's texts, gradio's own that it reads out (status after an event, toast titles)
    assert set(chinese) == set(built) | set(i18n.GRADIO_TEXTS) == set(i18n.i18n().translations_dict["en"])
    assert chinese["common.complete"] == "完成" and chinese["common.error"] == "错误"


def test_say_follows_the_page_and_keeps_numbers_alike():
    with use_lang("zh-CN"):
        zh = say("step {step}/{total}", step="1,200", total=3000)
    with use_lang("en"):
        en = say("step {step}/{total}", step="1,200", total=3000)
    assert zh == "第 1,200/3000 步" and en == "step 1,200/3000"
    assert say("Start training") == "Start training"  # no page language: English


def test_engine_errors_keep_their_parts_and_their_data_in_chinese():
    message = expected_found(
        "dataset 'data/评论.csv'",
        "an existing file or folder",
        "no such path",
        "Check the path (relative paths start at the current folder).",
    )
    with use_lang("zh"):
        shown = say_error(message)
    expected = "数据集“data/评论.csv”：应为一个存在的文件或文件夹，实际为路径不存在。"
    assert shown == expected + "请检查路径（相对路径从当前文件夹算起）。"
    with use_lang("en"):
        assert say_error(message) == str(message)


def test_engine_text_with_data_is_translated_by_its_shape_and_unknown_text_stays():
    with use_lang("zh"):
        assert (
            translate("10% of train held out (stratified by label, seed 42)")
            == "从训练集留出 10% 作验证（按标签分层，随机种子 42）"
        )
        assert translate("some sentence the catalogue does not know") == "some sentence the catalogue does not know"


def test_log_lines_read_in_the_page_language():
    event = {"type": "progress", "time": 0, "step": 5, "total_steps": 10, "epoch": 0.5, "loss": 0.25}
    assert "step 5/10" in format_event(event)
    with use_lang("zh"):
        line = format_event(event, say, translate)
    assert "第 5/10 步" in line and "损失 0.2500" in line and "轮次 0.50" in line


def test_the_offline_twin_advice_reads_in_chinese_with_its_command_kept():
    """The offline error for a tutorial's name: every sentence of its advice is translated, the command stays."""
    from finetune.data.loading import load_hub
    from finetune.errors import CheckpointError, DataError
    from finetune.model.checkpoints import resolve_checkpoint

    with pytest.raises(CheckpointError) as checkpoint_error:
        resolve_checkpoint("bert-base-uncased")
    with pytest.raises(DataError) as dataset_error:
        load_hub("imdb", None)
    with use_lang("zh"):
        checkpoint_text = say_error(checkpoint_error.value.args[0])
        dataset_text = say_error(dataset_error.value.args[0])
    assert (
        "教程配方 mrpc_bert" in checkpoint_text
        and "内置模型 bundled-minilm 的分词结果与 bert-base-uncased 完全相同" in checkpoint_text
    )
    assert "python -m finetune train --config examples/recipes/mrpc_bert.offline.json" in checkpoint_text
    assert "本地可用的选项" in checkpoint_text and "tokenizes" not in checkpoint_text
    assert (
        "教程配方 imdb_distilbert" in dataset_text and "examples/recipes/imdb_distilbert.offline.json" in dataset_text
    )
    assert "Use a csv" not in dataset_text
