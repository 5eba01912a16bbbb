"""Every layer of every model in the corpus: the catalog's counts and shapes equal the framework's."""

from __future__ import annotations

import pytest

from tests.corpus import all_cases, check, model_ids

MODELS = model_ids("k3_") + model_ids("tfk2_") + model_ids("pt_")


@pytest.mark.parametrize("model_id", MODELS)
def test_every_layer_matches_the_framework(model_id: str) -> None:
    failures = [msg for case in all_cases(model_id) if (msg := check(case))]
    assert not failures, "\n".join(failures)


def test_corpus_is_all_there() -> None:
    assert len(model_ids("k3_")) >= 100 and len(model_ids("tfk2_")) >= 100 and len(model_ids("pt_")) >= 30
