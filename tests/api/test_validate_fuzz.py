"""Feature.validate on arbitrary JSON: a clean dict or InputError, never anything else."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipelines import InputError
from pipelines.registry import FEATURES

_json = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=40)
    | st.sampled_from(["", " ", "1e309", "NaN", "-0", "true", "512", "cinematic"]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=12,
)


def _bodies(feature):
    """Objects keyed mostly by the feature's own field names, so values reach the checks."""
    names = [f.api_name for f in feature.fields] + [f.name for f in feature.fields]
    keys = st.sampled_from(names) | st.text(max_size=10)
    return st.dictionaries(keys, _json, max_size=len(feature.fields) + 1)


@pytest.mark.parametrize("feature_id", sorted(FEATURES))
def test_validate_raises_only_input_error(feature_id):
    feature = FEATURES[feature_id]

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(_bodies(feature))
    def check(raw):
        try:
            cleaned = feature.validate(raw)
        except InputError:
            return
        assert set(cleaned) == {f.name for f in feature.fields}

    check()
