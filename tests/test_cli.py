"""The `crab-plus` command: init-tiny and --help (demo: tests/test_demo.py)."""

import subprocess
import sys

from transformers import AutoModelForMultimodalLM, AutoProcessor, AutoTokenizer

from crab_plus.cli import main


def test_init_tiny_writes_a_loadable_model_and_tokenizer(tmp_path, capsys):
    assert main(["init-tiny", str(tmp_path / "tiny"), "--seed", "3"]) == 0
    model = AutoModelForMultimodalLM.from_pretrained(tmp_path / "tiny")
    tokenizer = AutoTokenizer.from_pretrained(tmp_path / "tiny")
    assert tokenizer.convert_tokens_to_ids("<|AUDIO|>") == model.config.audio_token_id
    assert len(tokenizer) == model.config.text_config.vocab_size
    assert type(AutoProcessor.from_pretrained(tmp_path / "tiny")).__name__ == "CrabPlusProcessor"
    assert "seed 3" in capsys.readouterr().out


def test_console_script_help_lists_the_commands():
    result = subprocess.run([sys.executable, "-m", "crab_plus.cli", "--help"], capture_output=True, text=True, check=True)
    for command in ("demo", "ask", "init-tiny", "convert"):
        assert command in result.stdout
