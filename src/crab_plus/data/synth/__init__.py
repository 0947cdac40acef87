"""AV-Synth: deterministic generated audio-visual scenes with ground truth for every Crab+ task family.

>>> from crab_plus.data.synth import make_synth
>>> report = make_synth("synth_data", n=20, seed=0)        # doctest: +SKIP
>>> print(report.summary())                                 # doctest: +SKIP

Modules: :mod:`.scene` (what is in a scene), :mod:`.render_video` / :mod:`.render_audio` (numpy media),
:mod:`.annotate` (ground truth from the scene), :mod:`.recipes` (one recipe per task), :mod:`.generate` (files).
"""

from .generate import AAC_CODERS, SPLITS, SYNTH_TASKS, SynthReport, make_synth, split_sizes

__all__ = ["AAC_CODERS", "SPLITS", "SYNTH_TASKS", "SynthReport", "make_synth", "split_sizes"]
