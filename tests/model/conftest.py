"""Fixtures of the model's tests."""

import pytest

from tests.model.shelf import Shelf


@pytest.fixture
def shelf() -> Shelf:
    """The default shelf, reviewing its stock from day 0."""
    shelf = Shelf()
    shelf.stock.review()
    return shelf
