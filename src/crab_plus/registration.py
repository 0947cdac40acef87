"""Every registration of crab-plus with transformers (and, as they land, peft and pipelines), in one place.

``import crab_plus`` calls :func:`register_all` once. Each call is idempotent (``exist_ok=True``), so importing
twice or calling it again is harmless.
"""

from __future__ import annotations

from transformers import (
    AutoConfig,
    AutoModel,
    AutoModelForImageTextToText,
    AutoModelForMultimodalLM,
    AutoProcessor,
)

from .modeling import CrabPlusConfig, CrabPlusForConditionalGeneration, CrabPlusModel


def register_models() -> None:
    """AutoConfig("crab_plus"); AutoModel -> CrabPlusModel; the generating auto classes -> the LM-head model."""
    AutoConfig.register(CrabPlusConfig.model_type, CrabPlusConfig, exist_ok=True)
    AutoModel.register(CrabPlusConfig, CrabPlusModel, exist_ok=True)
    for auto_class in (AutoModelForMultimodalLM, AutoModelForImageTextToText):
        auto_class.register(CrabPlusConfig, CrabPlusForConditionalGeneration, exist_ok=True)


def register_processor() -> None:
    """AutoProcessor for a crab_plus config -> CrabPlusProcessor."""
    from .processing import CrabPlusProcessor

    AutoProcessor.register(CrabPlusConfig, CrabPlusProcessor, exist_ok=True)


def register_peft_methods() -> None:
    """peft method "ILORA" -> crab_plus.ILoraConfig / ILoraModel (see crab_plus.ilora.registration)."""
    from .ilora import register_ilora

    register_ilora()


PIPELINE_TASK = "audio-visual-understanding"


def register_pipelines() -> None:
    """pipeline("audio-visual-understanding") -> AudioVisualUnderstandingPipeline over AutoModelForMultimodalLM;
    without ``model=``, the small Crab+ shipped inside the package (a local folder: nothing is downloaded)."""
    from transformers.pipelines import PIPELINE_REGISTRY

    from .pipelines import AudioVisualUnderstandingPipeline
    from .pipelines.ask import SHIPPED_MODEL_DIR, has_shipped_model

    if PIPELINE_TASK not in PIPELINE_REGISTRY.get_supported_tasks():
        default = {"model": (str(SHIPPED_MODEL_DIR), None)} if has_shipped_model() else None
        PIPELINE_REGISTRY.register_pipeline(
            PIPELINE_TASK, pipeline_class=AudioVisualUnderstandingPipeline, pt_model=AutoModelForMultimodalLM,
            default=default,
        )


def register_all() -> None:
    register_models()
    register_processor()
    register_peft_methods()
    register_pipelines()
