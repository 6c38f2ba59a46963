"""Curation input checks that need no Neo4j."""

from unittest.mock import MagicMock

import neo4j
import pytest

from graph.browse import RelationId
from graph.curate import CurationError, EntityNotFound, OutsideScope, edit_entity, edit_relation, split_entity


def test_curation_errors_carry_http_statuses():
    assert (CurationError.status, EntityNotFound.status, OutsideScope.status) == (400, 404, 403)


def test_it_refuses_an_empty_name_before_touching_the_graph():
    driver = MagicMock(spec=neo4j.Driver)
    with pytest.raises(CurationError, match="empty"):
        edit_entity(driver, "Part:1", ["1"], actor="a", name="  ")
    driver.session.assert_not_called()


def test_split_needs_aliases_and_a_name():
    driver = MagicMock(spec=neo4j.Driver)
    with pytest.raises(CurationError, match="choose the aliases"):
        split_entity(driver, "Part:1", [], "new", ["1"], actor="a")
    driver.session.assert_not_called()


def test_relation_edit_needs_a_change_and_a_known_type():
    driver = MagicMock(spec=neo4j.Driver)
    rid = RelationId("a", "SHOWS", "b")
    with pytest.raises(CurationError, match="nothing to change"):
        edit_relation(driver, rid, ["1"], actor="a")
    with pytest.raises(CurationError, match="unknown relation type"):
        edit_relation(driver, rid, ["1"], actor="a", new_type="DELETE_ALL")
    driver.session.assert_not_called()
