"""build_model_for_training: frozen backbone, LoRA / train_parts, and the same-parameter-budget option."""

import pytest

from crab_plus.errors import ConfigError
from crab_plus.modeling import count_parameters
from crab_plus.testing import save_tiny_crab_plus, tiny_crab_plus_model
from crab_plus.training import AdapterArguments, ModelArguments
from crab_plus.training.model import adapter_parameter_count, build_model_for_training, rank_for_budget

TARGETS = ["q_proj", "v_proj", "down_proj"]


@pytest.fixture(scope="module")
def tiny_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tiny")
    save_tiny_crab_plus(str(folder))
    return str(folder)


def test_lora_on_a_frozen_backbone_trains_only_the_adapter(tiny_folder):
    model, _ = build_model_for_training(ModelArguments(tiny_folder), AdapterArguments(adapter="lora", r=4,
                                                                                      target_modules=TARGETS))
    trainable = [n for n, p in model.named_parameters() if p.requires_grad]
    assert trainable and all("lora_" in n for n in trainable)
    assert any(".audio_tower." in n for n in trainable) and any(".language_model." in n for n in trainable)
    base = tiny_crab_plus_model()
    assert count_parameters(model)[0] == adapter_parameter_count(base, "lora", 4, TARGETS)


def test_train_parts_with_and_without_an_adapter(tiny_folder):
    model, _ = build_model_for_training(ModelArguments(tiny_folder),
                                        AdapterArguments(adapter="lora", r=2, target_modules=TARGETS,
                                                         train_parts=["lm_head"]))
    trainable = {n for n, p in model.named_parameters() if p.requires_grad}
    assert any(n.endswith("lm_head.weight") for n in trainable) and any("lora_" in n for n in trainable)
    model, _ = build_model_for_training(ModelArguments(tiny_folder), AdapterArguments(adapter="none",
                                                                                      train_parts=["audio"]))
    trainable = {n for n, p in model.named_parameters() if p.requires_grad}
    assert trainable and all(n.startswith("model.audio_tower.") for n in trainable)


def test_param_budget_picks_the_rank_closest_to_the_budget(tiny_folder):
    base = tiny_crab_plus_model()
    ilora = adapter_parameter_count(base, "ilora", 8, TARGETS, num_heads=3)
    r = rank_for_budget(base, "lora", ilora, TARGETS)
    counts = {rank: adapter_parameter_count(base, "lora", rank, TARGETS) for rank in (r - 1, r, r + 1)}
    assert min(counts, key=lambda rank: abs(counts[rank] - ilora)) == r
    model, _ = build_model_for_training(ModelArguments(tiny_folder), AdapterArguments(
        adapter="lora", r=8, target_modules=TARGETS, param_budget=ilora))
    assert count_parameters(model)[0] == counts[r]
    assert rank_for_budget(base, "ilora", ilora, TARGETS, num_heads=3) == 8


def test_attention_implementation_is_passed_to_the_model(tiny_folder):
    from crab_plus.training.model import load_backbone

    for implementation in ("eager", "sdpa"):
        model, _ = load_backbone(ModelArguments(tiny_folder, attn_implementation=implementation))
        assert model.config._attn_implementation == implementation
        assert model.model.language_model.config._attn_implementation == implementation
    tiny, _ = load_backbone(ModelArguments("tiny", attn_implementation="eager"))
    assert tiny.config._attn_implementation == "eager"


def test_bad_model_arguments_are_config_errors(tiny_folder):
    with pytest.raises(ConfigError, match="dtype='float8'"):
        build_model_for_training(ModelArguments(tiny_folder, dtype="float8"), AdapterArguments(adapter="lora"))
    with pytest.raises(ConfigError, match="match no nn.Linear"):
        rank_for_budget(tiny_crab_plus_model(), "lora", 1000, ["no_such_layer"])


def test_ilora_adapter_and_its_budget_twin(tiny_folder):
    from crab_plus.ilora import ILoraLayer

    args = AdapterArguments(adapter="ilora", r=4, num_heads=3, target_modules=TARGETS)
    model, _ = build_model_for_training(ModelArguments(tiny_folder), args)
    base = tiny_crab_plus_model()
    budget = adapter_parameter_count(base, "ilora", 4, TARGETS, num_heads=3)
    assert count_parameters(model)[0] == budget
    assert any(isinstance(m, ILoraLayer) for m in model.modules())
    twin, _ = build_model_for_training(ModelArguments(tiny_folder), AdapterArguments(
        adapter="lora", target_modules=TARGETS, param_budget=budget))
    lora_count = count_parameters(twin)[0]
    step = adapter_parameter_count(base, "lora", 1, TARGETS)
    assert abs(lora_count - budget) <= step / 2  # the closest LoRA rank

    task_args = AdapterArguments(adapter="ilora", r=4, router="task", target_modules=TARGETS)
    model, _ = build_model_for_training(ModelArguments(tiny_folder), task_args, task_keys=["ave", "ks", "meld"])
    assert count_parameters(model)[0] == adapter_parameter_count(base, "ilora", 4, TARGETS, 3, num_tasks=3)
    with pytest.raises(ConfigError, match="router=task needs the training tasks"):
        build_model_for_training(ModelArguments(tiny_folder), task_args)
