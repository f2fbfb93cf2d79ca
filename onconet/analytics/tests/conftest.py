import pytest

from onconet.analytics.services import analytics_reference_load
from onconet.analytics.tests.test_indicators import fixture as _indicators_fixture  # noqa: F401

__all__ = ["analytics_reference"]


@pytest.fixture
def analytics_reference(reference):
    analytics_reference_load()
