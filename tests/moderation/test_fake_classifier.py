import pytest

from moderation.classifiers.base import ClassifierError
from moderation.classifiers.fake import FakeClassifier

fake = FakeClassifier()


def test_text_without_markers_scores_zero():
    verdict = fake.classify("hello there")
    assert verdict.severity == 0 and verdict.category == "none"


def test_a_marker_sets_the_score():
    verdict = fake.classify("please [sev:3:cbrn]")
    assert verdict.scores == {"cbrn": 3} and verdict.flagged and not verdict.crisis


def test_several_markers_combine_and_crisis_wins_ties():
    verdict = fake.classify("[sev:2:cyber_attack] and [sev:2:self_harm] [sev:1:cyber_attack]")
    assert verdict.scores == {"cyber_attack": 2, "self_harm": 2}
    assert verdict.category == "self_harm" and verdict.crisis


@pytest.mark.parametrize("marker, transient", [("[fail:transient]", True), ("[fail:permanent]", False)])
def test_a_failure_marker_raises(marker, transient):
    with pytest.raises(ClassifierError) as error:
        fake.classify(f"hi {marker}")
    assert error.value.transient is transient


def test_an_unknown_category_is_a_permanent_error():
    with pytest.raises(ClassifierError) as error:
        fake.classify("[sev:2:nonsense]")
    assert error.value.transient is False
