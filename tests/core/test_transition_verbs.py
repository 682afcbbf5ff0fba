"""A refused transition names its action as a verb in the reader's language, never as its code."""

import pytest
from django.apps import apps
from django.utils import translation

from core.errors import IllegalTransition
from core.history import TRANSITION_VERBS
from core.services import run_transition
from tests.core.test_texts import catalogue  # noqa: F401 (fixture)
from tests.factories import SupplierFactory

pytestmark = pytest.mark.django_db


def test_every_transition_of_every_document_has_a_verb():
    names = set()
    for model in apps.get_models():
        for attr in dir(model):
            if hasattr(getattr(model, attr, None), "_django_fsm"):
                names.add(attr)
    assert names, "no transitions found"
    assert sorted(names - set(TRANSITION_VERBS)) == []


def test_a_refused_transition_reads_with_the_actions_verb_in_the_readers_language(catalogue):  # noqa: F811
    catalogue(
        {
            "transition verb\x04submit": "提交",
            "Cannot %(action)s a %(verbose_name)s that is %(state)s.": "无法%(action)s状态为“%(state)s”的%(verbose_name)s。",
        }
    )
    supplier = SupplierFactory(state="approved")
    with pytest.raises(IllegalTransition) as english:
        run_transition(supplier, "submit", actor=None)
    assert str(english.value.message) == "Cannot submit a supplier that is Approved."
    with translation.override("zh-hans"), pytest.raises(IllegalTransition) as chinese:
        run_transition(supplier, "submit", actor=None)
    assert "提交" in str(chinese.value.message) and "submit" not in str(chinese.value.message)
