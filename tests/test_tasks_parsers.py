import pytest

from crab_plus.tasks import (TASKS, AVVPEvents, BoxPoints, Caption, Choice, Label, RefAVSAnswer, TimedEvent,
                             TimedEvents, Unparsed)

REASONING = "The clip shows a coloured square moving while a tone of 220 Hz plays. "


def parse(key, text):
    return TASKS[key].parse(text)


@pytest.mark.parametrize("text, expected", [
    (REASONING + "<answer>2</answer>", Choice(index=2)),
    ("<ANSWER> 1 </Answer>", Choice(index=1)),
    ("I think <answer>video 2</answer>", Choice(index=2)),
    ("<answer>the second</answer>", Choice(index=2)),
    ("Reasoning.\nThe answer is 1.", Choice(index=1)),
    ("<answer>1", Choice(index=1)),  # generation cut before the closing tag
    ("<answer>2</answ", Choice(index=2)),  # ... or inside it
    ("<answer>(1)</answer>", Choice(index=1)),
    ("Both show a dog.\n**Answer:** 2", Choice(index=2)),
])
def test_choice_index(text, expected):
    assert parse("a2v", text) == expected


@pytest.mark.parametrize("text, reason", [("no answer here", "no <answer>"),
                                          ("<answer>dog</answer>", "not a choice number"), ("", "")])
def test_choice_index_unparsed(text, reason):
    answer = parse("v2a", text)
    assert isinstance(answer, Unparsed) and reason in answer.reason and answer.text == text


def test_labels_tagged_and_bare():
    assert parse("ks", REASONING + "<answer>playing guitar</answer>") == Label("playing guitar")
    assert parse("meld", "<answer>  Happy\n </answer> because she smiles") == Label("Happy")
    assert parse("ucf", "<answer>a</answer> then <answer>ApplyEyeMakeup</answer>") == Label("ApplyEyeMakeup")
    assert isinstance(parse("ks", "playing guitar"), Unparsed)
    assert parse("avqa", REASONING + "two") == Label("two")
    assert parse("avqa", "Two instruments play.\n\nThe answer is: yes.") == Label("yes")
    assert parse("avqa", "<answer>acoustic_guitar</answer>") == Label("acoustic_guitar")
    assert parse("avqa_thu", REASONING + "dog") == Choice(option="dog")
    assert isinstance(parse("avqa", "   \n "), Unparsed)
    assert parse("meld", "She smiles. <answer>happy</") == Label("happy")
    assert parse("avqa", "Two play.\n**Final answer**: *three*") == Label("three")
    assert parse("avqa", "answerisotope") == Label("answerisotope")  # "answer is" only as words


def test_timed_events_release_v1_and_several():
    assert parse("ave", REASONING + "event:dog barking start_time:3 end_time:8") == TimedEvents(
        (TimedEvent("dog barking", 3, 8),))
    assert parse("ave", "EVENT: Dog Barking ,  Start_Time: 2.5s, End_Time: 7") == TimedEvents(
        (TimedEvent("Dog Barking", 2.5, 7),))
    assert parse("ave", "The event is clear. <event>car engine</event><range>0, 10</range>") == TimedEvents(
        (TimedEvent("car engine", 0, 10),))
    two = "event:dog start_time:0 end_time:4 event:man speaking start_time:5 end_time:10"
    assert parse("unav", two).events == (TimedEvent("dog", 0, 4), TimedEvent("man speaking", 5, 10))
    assert parse("ave", "There is no audio-visual event.") == TimedEvents(())
    bad = parse("ave", "event:dog start_time:8 end_time:3")
    assert isinstance(bad, Unparsed) and "ends" in bad.reason
    assert isinstance(parse("ave", "a dog barks from 3 to 8"), Unparsed)


def test_avvp_forms():
    expected = AVVPEvents(audio=(TimedEvent("dog barking", 0, 4), TimedEvent("playing guitar", 5, 10)),
                          visual=(TimedEvent("dog barking", 0, 4),))
    fixture = "<visual>dog barking (0,4)</visual><audio>dog barking (0,4), playing guitar (5,10)</audio>"
    assert parse("avvp", REASONING + fixture) == expected
    v1 = ("<Visual><event>dog barking</event><range>0,4</range></Visual>\n<audio><event>dog barking</event>"
          "<range>0,4</range><event>playing guitar</event><range>5,10</range></audio>")
    assert parse("avvp", v1) == expected
    plain = "Visual events: dog barking [0-4]\nAudio events: dog barking (0, 4); playing guitar (5 to 10)"
    assert parse("avvp", plain) == expected
    assert parse("avvp", "<visual>Frying_(food) (1,3)(6,8)</visual><audio>none</audio>") == AVVPEvents(
        audio=(), visual=(TimedEvent("Frying_(food)", 1, 3), TimedEvent("Frying_(food)", 6, 8)))
    assert parse("avvp", "<visual></visual><audio>Speech (0,10)</audio>").visual == ()
    missing = parse("avvp", "<visual>dog (0,4)</visual>")
    assert isinstance(missing, Unparsed) and "<audio>" in missing.reason
    no_range = parse("avvp", "<visual>dog</visual><audio>dog (0,4)</audio>")
    assert isinstance(no_range, Unparsed) and "visual part" in no_range.reason


def test_box_points_release_and_arig():
    text = (REASONING + "The object making the sound in the video is dog. Its bounding box is [30, 40,130,130], "
            "and three points on it are [50,70], [80,85], [110,100].")
    assert parse("s4", text) == BoxPoints("dog", (30, 40, 130, 130), ((50, 70), (80, 85), (110, 100)))
    assert parse("ms3", "Its bounding box is [1.5,2,3,4]").label is None
    arig = "The sounding object is guitar. Its coordinates are <OBJ>(10,20) (120,150)</obj>."
    assert parse("arig", REASONING + arig) == BoxPoints("guitar", (10, 20, 120, 150))
    assert isinstance(parse("arig", "The sounding object is guitar."), Unparsed)


def test_padded_coordinates_are_written_for_box_answers_only_and_read_back():
    box = BoxPoints("dog", (7, 40, 130, 224), ((50, 70.5),))
    s4 = TASKS["s4"].format_answer(box, coordinate_digits=3)
    assert "[007,040,130,224]" in s4 and "[050,70.5]" in s4 and parse("s4", s4) == box
    arig = TASKS["arig"].format_answer(BoxPoints("dog", (7, 40, 130, 224)), coordinate_digits=3)
    assert "<obj>(007,040)(130,224)</obj>" in arig
    assert TASKS["ks"].format_answer(Label("dog"), coordinate_digits=3) == TASKS["ks"].format_answer(Label("dog"))


def test_rescale_to_the_original_frame():
    answer = BoxPoints("dog", (56, 56, 168, 112), ((112, 112),))
    big = answer.rescale(448, 112)
    assert big.box == (112, 28, 336, 56) and big.points == ((224, 56),) and big.frame_size == (448, 112)
    assert big.rescale(224, 224) == answer


def test_ref_avs():
    true = ("<answer>true</answer> The object is the dog on the left. Its bounding box is [20,30,110,110], and "
            "three points on it are [30,50], [60,65], [90,80].")
    answer = parse("ref_avs", REASONING + true)
    assert answer == RefAVSAnswer(True, BoxPoints("the dog on the left", (20, 30, 110, 110),
                                                  ((30, 50), (60, 65), (90, 80))))
    assert answer.box == (20, 30, 110, 110) and answer.points[0] == (30, 50) and answer.label == "the dog on the left"
    assert parse("ref_avs", "<answer> FALSE </answer> Not in the frame.") == RefAVSAnswer(False, None)
    assert parse("ref_avs", "It is there. Its bounding box is [1,2,3,4].").exists
    said_true = parse("ref_avs", "<answer>true</answer> but no box")
    assert isinstance(said_true, Unparsed) and "no box" in said_true.reason
    absent = RefAVSAnswer(False)
    assert absent.box is None and absent.points == () and absent.rescale(10, 10) == absent


def test_caption():
    assert parse("avcap", "  A dog barks at a passing car.\n") == Caption("A dog barks at a passing car.")
    assert isinstance(parse("avcap", " "), Unparsed)


def test_non_text_input_is_unparsed():
    for key in TASKS:
        assert isinstance(TASKS[key].parse(None), Unparsed)
