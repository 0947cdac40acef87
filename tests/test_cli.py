"""The `crab-plus` command: demo and init-tiny."""

import subprocess
import sys

from transformers import AutoModelForMultimodalLM, AutoTokenizer

from crab_plus.cli import main


def test_init_tiny_writes_a_loadable_model_and_tokenizer(tmp_path, capsys):
    assert main(["init-tiny", str(tmp_path / "tiny"), "--seed", "3"]) == 0
    model = AutoModelForMultimodalLM.from_pretrained(tmp_path / "tiny")
    tokenizer = AutoTokenizer.from_pretrained(tmp_path / "tiny")
    assert tokenizer.convert_tokens_to_ids("<|AUDIO|>") == model.config.audio_token_id
    assert len(tokenizer) == model.config.text_config.vocab_size
    assert "seed 3" in capsys.readouterr().out


def test_demo_runs_end_to_end_and_says_the_model_is_random(capsys):
    assert main(["demo", "--max-new-tokens", "5"]) == 0
    out = capsys.readouterr().out
    assert "tiny RANDOM model" in out and "generated 5 tokens" in out


def test_console_script_help_lists_the_commands():
    result = subprocess.run([sys.executable, "-m", "crab_plus.cli", "--help"], capture_output=True, text=True, check=True)
    for command in ("demo", "init-tiny", "convert"):
        assert command in result.stdout
