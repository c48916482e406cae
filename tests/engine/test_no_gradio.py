import ast
import subprocess
import sys

from tests.helpers import PROJECT_ROOT, cli_env


def test_engine_source_never_imports_gradio():
    for path in (PROJECT_ROOT / "finetune").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            assert not any(n.split(".")[0] == "gradio" for n in names), f"{path} imports gradio"


def test_importing_the_engine_loads_no_gradio():
    code = (
        "import sys, finetune, finetune.train.training, finetune.train.jobs, finetune.predict.predictor, "
        "finetune.cli.commands, finetune.hub.push; "
        "print('gradio' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=cli_env(), check=True)
    assert out.stdout.strip() == "False"
