"""The release's 19 tasks (shared/REFERENCE.md section 5). The release's exact instruction wording is not
known: the instructions below say what each task asks (the reference's "meaning" column) and name the answer
format, so a model trained on them learns the release's structured answers.
"""

from __future__ import annotations

from ..processing.policy import ARIG, CLIP_10S, EMOTION, FRAME_AT_INDEX, MUSIC_AVQA
from . import formats
from .registry import Task

_REASON = "Explain your reasoning first, then"
_PIXELS = "in pixels of the 224x224 image"

_MATCHING = ("{intro} Which of the two {candidates} matches the {reference}? " + _REASON
             + " answer with the number of the matching {candidate} as <answer>1</answer> or <answer>2</answer>.")
_ACTION = ("Watch the video and listen to the audio. What action is being performed? " + _REASON
           + " give the action as <answer>action</answer>.")
_EMOTION = ("Watch the video and listen to the audio. What emotion does the person express? " + _REASON
            + " give the emotion as <answer>emotion</answer>.")
_EVENTS = ("Watch the video and listen to the audio. Describe the events that can be both seen and heard, and "
           "their time ranges in seconds. " + _REASON
           + " give each event as event:<event> start_time:<second> end_time:<second>.")
_BOX_POINTS = ("Look at the image and listen to the audio. What is the category of the object making the sound? "
               "Give its bounding box [x1,y1,x2,y2] and three points [x,y] on it, " + _PIXELS + ".")


def _task(key, family, dataset, policy, template, answer_format, metric, **kwargs) -> Task:
    return Task(key=key, family=family, dataset=dataset, policy=policy, instruction_template=template,
                answer_format=answer_format, metric=metric, **kwargs)


def _emotion(key: str, dataset: str, evaluated: bool = True) -> Task:
    return _task(key, "emotion", dataset, EMOTION, _EMOTION, formats.LABEL, "accuracy", evaluated=evaluated)


BUILTIN_TASKS: tuple[Task, ...] = (
    _task("a2v", "matching", "AV-UIE v2 audio-to-video matching (source not documented)", CLIP_10S,
          _MATCHING.format(intro="Listen to the audio and watch the two videos.", candidates="videos",
                           reference="audio", candidate="video"),
          formats.CHOICE_INDEX, "accuracy", num_videos=2),
    _task("v2a", "matching", "AV-UIE v2 video-to-audio matching (source not documented)", CLIP_10S,
          _MATCHING.format(intro="Watch the video and listen to the two audio clips.", candidates="audio clips",
                           reference="video", candidate="audio clip"),
          formats.CHOICE_INDEX, "accuracy", num_audios=2),
    _task("ks", "action", "Kinetics-Sounds", CLIP_10S, _ACTION, formats.LABEL, "accuracy"),
    _task("ucf", "action", "UCF-101", CLIP_10S, _ACTION, formats.LABEL, "accuracy"),
    _emotion("meld", "MELD"),
    _emotion("mer24", "MER2024", evaluated=False),
    _emotion("cremad", "CREMA-D"),
    _emotion("mafw", "MAFW"),
    _emotion("dfew", "DFEW"),
    _task("avqa", "qa", "MUSIC-AVQA", MUSIC_AVQA,
          "Watch the video and listen to the audio, then answer the question. " + _REASON
          + " give the answer as a single word on the last line. Question: {question}",
          formats.BARE_LABEL, "music_avqa_accuracy"),
    _task("avqa_thu", "qa", "AVQA (Yang et al. 2022)", CLIP_10S,
          "Watch the video and listen to the audio, then answer the question by choosing one of the options. "
          + _REASON + " give the chosen option on the last line. Question: {question} Options: {options}",
          formats.CHOICE_OPTION, "accuracy"),
    _task("ave", "localisation", "AVE", CLIP_10S, _EVENTS, formats.TIMED_EVENTS, "ave_accuracy"),
    _task("unav", "localisation", "UnAV-100", CLIP_10S, _EVENTS, formats.TIMED_EVENTS, "ave_accuracy", evaluated=False),
    _task("avvp", "parsing", "LLP (AVVP)", CLIP_10S,
          "Watch the video and listen to the audio. Using the visual and the audio information, find the events "
          "and their start and end seconds. " + _REASON + " answer as <visual>event (start,end), ...</visual>"
          "<audio>event (start,end), ...</audio>.",
          formats.AVVP, "avvp_f1"),
    _task("s4", "segmentation", "AVSBench S4", FRAME_AT_INDEX, _BOX_POINTS, formats.BOX_POINTS,
          "segmentation_miou_fscore", visual_kind="image"),
    _task("ms3", "segmentation", "AVSBench MS3", FRAME_AT_INDEX, _BOX_POINTS, formats.BOX_POINTS,
          "segmentation_miou_fscore", visual_kind="image"),
    _task("arig", "grounding", "AVSBench S4 frames (ARIG)", ARIG,
          "Look at the image and listen to the audio. What is the category of the sounding object, and where is "
          "it? Give its box as <obj>(x1,y1)(x2,y2)</obj> " + _PIXELS + ".",
          formats.OBJ_BOX, "arig_ciou_auc", visual_kind="image"),
    _task("ref_avs", "referring_segmentation", "Ref-AVS", FRAME_AT_INDEX,
          "Look at the image and listen to the audio. Does the object described by <des>{description}</des> exist "
          "in the image? Answer <answer>true</answer> or <answer>false</answer>; if true, name it and give its "
          "bounding box [x1,y1,x2,y2] and three points [x,y] on it, " + _PIXELS + ".",
          formats.REF_AVS, "segmentation_miou_fscore", visual_kind="image",
          notes="the null split (test_n) is scored with refavs_null_s"),
    _task("avcap", "captioning", "AVCap (VALOR-style)", CLIP_10S,
          "Watch the video and listen to the audio. Describe what you see and hear.",
          formats.CAPTION, "caption_metrics", evaluated=False),
)
